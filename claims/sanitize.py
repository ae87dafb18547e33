"""The one HTML policy: what a reviewer's notes and rationales may contain once rendered.

bleach does the sanitizing (SECURITY.md SAN-01): a short allow-list of text-formatting tags, no
svg, math, style, iframe, object, embed or img, no style or event-handler attributes, links only
to http, https and mailto, and every link marked rel="noopener noreferrer nofollow". Markdown is
rendered by markdown-it-py with raw HTML turned off, then cleaned by the same policy.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import bleach
import lxml.etree
import lxml.html
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# rel is listed because the link filter writes it; whatever value the input had is replaced.
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "ol": ["start"],
    "th": ["colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# An archived page keeps its structure too: these tags, with no attributes at all, join the
# allow-list for archived copies only. Whatever is not allowed is dropped (not shown as text),
# and the content of scripts, styles, forms and embedded media goes with it.
ARCHIVE_EXTRA_TAGS = frozenset(
    {
        "article",
        "aside",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "header",
        "main",
        "nav",
        "section",
        "span",
    }
)
_ARCHIVE_DROPPED = (
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "form",
    "button",
    "select",
    "textarea",
    "video",
    "audio",
    "canvas",
)

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_local = threading.local()


class _LinkRelFilter(Filter):
    """Gives every link rel="noopener noreferrer nofollow", replacing any rel it had."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attributes = dict(token["data"])
                attributes[(None, "rel")] = LINK_REL
                token["data"] = attributes
            yield token


def clean_html(html: str) -> str:
    """Sanitize an HTML fragment with the one allow-list; the result is safe in element context."""
    return _cleaner().clean(html)


def render_markdown(text: str) -> str:
    """Render Markdown (notes, rationales) to sanitized HTML; raw HTML in it is shown as text."""
    return _cleaner().clean(_markdown().render(text))


def clean_archived_html(html: str, base_url: str | None = None) -> str:
    """An archived page's body, safe to show inside the app: the same allow-list (plus the
    structural tags above), nothing that runs or loads, links made absolute to the page's own
    address. Returns "" for a page with no body."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    lxml.etree.strip_elements(root, *_ARCHIVE_DROPPED, with_tail=False)
    lxml.etree.strip_elements(root, lxml.etree.Comment, lxml.etree.ProcessingInstruction)
    if base_url:
        with suppress(ValueError):
            root.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    body = root.find("body")
    fragment = lxml.html.tostring(body if body is not None else root, encoding="unicode")
    return _archive_cleaner().clean(fragment)


def _archive_cleaner() -> bleach.sanitizer.Cleaner:
    cleaner = getattr(_local, "archive_cleaner", None)
    if cleaner is None:
        cleaner = _local.archive_cleaner = bleach.sanitizer.Cleaner(
            tags=ALLOWED_TAGS | ARCHIVE_EXTRA_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[_LinkRelFilter],
        )
    return cleaner


def _cleaner() -> bleach.sanitizer.Cleaner:
    # A Cleaner keeps parser state between calls, so each thread gets its own (bleach's advice).
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.sanitizer.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,
            strip_comments=True,
            filters=[_LinkRelFilter],
        )
    return cleaner


class _Markdown(MarkdownIt):
    """CommonMark with tables and strikethrough, raw HTML off, links only to allowed schemes."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False, "linkify": False, "typographer": False})
        self.enable(["table", "strikethrough"])
        # An image would be an <img>, which the policy refuses: keep "![alt](url)" as text.
        self.disable("image")

    def validateLink(self, url: str) -> bool:
        """Whether a (normalised) URL may become a link; the cleaner checks it again."""
        scheme = _SCHEME.match(re.sub(r"[\x00-\x20\x7f]", "", url))
        return scheme is None or scheme.group(1).lower() in ALLOWED_PROTOCOLS


def _markdown() -> _Markdown:
    renderer = getattr(_local, "markdown", None)
    if renderer is None:
        renderer = _local.markdown = _Markdown()
    return renderer
