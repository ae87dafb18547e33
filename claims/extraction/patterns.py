"""Building blocks of the extractors' regular expressions."""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternatives(words: Iterable[str], space: str = r"\s+") -> str:
    """A regex alternation of literal words, longest first so that no prefix shadows a word;
    `space` is the pattern of a space between words.

    The words are factored into a trie ("k(?:ilo(?:metres?|...)|nots?)"): the engine then tries
    one branch per letter that can follow rather than every word in turn, which is most of the
    cost of a long word list. Where several words fit, the trie tries the longer first, as a
    list sorted longest first does (the words that fit at one place are prefixes of one
    another, so long as no two of them differ only in case under a case-insensitive flag).
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return f"(?:{_trie_pattern(trie, space)})"


def _trie_pattern(node: dict[str, dict], space: str) -> str:
    """The regex of one trie node: its branches, and nothing as a last resort if a word ends."""
    branches = [
        (space if char == " " else re.escape(char)) + _trie_pattern(child, space)
        for char, child in node.items()
        if char
    ]
    if not branches:
        return ""
    pattern = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{pattern})?" if "" in node else pattern
