"""Check that an evidence excerpt appears in an archived page's text, whatever the typography:
white space, curly or straight quotes, dashes and case do not count. Pure.

A page's text is normalized once with normalize_for_match; each excerpt is then checked with
quote_in_text, which only calls str.find, so multi-megabyte texts are fine.
"""

from __future__ import annotations

import re
import unicodedata

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2039\u203a\u2032\u2035`\u00b4"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u2036"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys(_SINGLE_QUOTES, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES, '"'),
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_INVISIBLE, None),
    }
)
# After normalization "…" is "...": so "[…]", "(...)", ". . ." and plain "..." all mark a cut.
_ELISION = re.compile(r"\[\s*(?:\.\s?){2,}\.\s*\]|\(\s*(?:\.\s?){2,}\.\s*\)|(?:\.\s?){2,}\.")
_QUOTES_AND_SPACE = "'\" "


def normalize_for_match(text: str) -> str:
    """Text reduced to what a quotation must keep: NFKC, case folded, one kind of single quote,
    double quote and dash, no soft hyphens or zero-width characters, single spaces."""
    # Quotes are mapped before NFKC, which would turn a double prime into two primes and an acute
    # accent into a space and a combining accent; and again after it, which turns some
    # compatibility forms (small em dash, fullwidth quotes) into dashes and quotes.
    text = unicodedata.normalize("NFKC", text.translate(_TYPOGRAPHY))
    return " ".join(text.casefold().translate(_TYPOGRAPHY).split())


def excerpt_parts(excerpt: str) -> list[str]:
    """The normalized pieces of an excerpt between its elisions ("...", "[…]", "(...)"), each
    without the quotation marks a reviewer may have pasted around it."""
    parts = (part.strip(_QUOTES_AND_SPACE) for part in _ELISION.split(normalize_for_match(excerpt)))
    return [part for part in parts if part]


def quote_in_text(excerpt: str, normalized_text: str) -> bool:
    """Whether every piece of the excerpt occurs in the text, in order and without overlapping.

    normalized_text must already have been through normalize_for_match. An excerpt with nothing
    to look for is not found.
    """
    parts = excerpt_parts(excerpt)
    position = 0
    for part in parts:
        found = normalized_text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return bool(parts)
