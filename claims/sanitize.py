"""The one HTML policy: what a reviewer's notes and rationales may contain once rendered.

bleach does the sanitizing (SECURITY.md SAN-01): a short allow-list of text-formatting tags, no
svg, math, style, iframe, object, embed or img, no style or event-handler attributes, links only
to http, https and mailto, and every link marked rel="noopener noreferrer nofollow". Markdown is
rendered by markdown-it-py with raw HTML turned off, then cleaned by the same policy.
"""

from __future__ import annotations

import functools
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


def _allowed_link(href: str) -> bool:
    scheme = _SCHEME.match(re.sub(r"[\x00-\x20\x7f]", "", href))
    return scheme is None or scheme.group(1).lower() in ALLOWED_PROTOCOLS


class _LinkRelFilter(Filter):
    """Gives every link rel="noopener noreferrer nofollow", replacing any rel it had, and drops
    an href whose scheme is not allowed."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attributes = dict(token["data"])
                attributes[(None, "rel")] = LINK_REL
                href = attributes.get((None, "href"))
                if href is not None and not _allowed_link(href):
                    # bleach's URL parser reads "javascript:1" as a relative path; this does not.
                    del attributes[(None, "href")]
                token["data"] = attributes
            yield token


def clean_html(html: str) -> str:
    """Sanitize an HTML fragment with the one allow-list; the result is safe in element context."""
    return _cleaner().clean(html)


# Notes and rationales are rendered on every page that shows them, and bleach is slow: the
# rendering of texts up to this long is remembered (a pure function of the text).
MARKDOWN_CACHED_MAX = 4000


def render_markdown(text: str) -> str:
    """Render Markdown (notes, rationales) to sanitized HTML; raw HTML in it is shown as text."""
    if len(text) <= MARKDOWN_CACHED_MAX:
        return _render_markdown_cached(text)
    return _render_markdown(text)


def _render_markdown(text: str) -> str:
    return _cleaner().clean(_markdown().render(text))


_render_markdown_cached = functools.lru_cache(maxsize=2048)(_render_markdown)


# bleach (html5lib, pure Python) cleans about 0.2 MB/s: a body larger than this once reduced to
# allowed tags is shown as plain text instead, so that no page takes seconds to open.
ARCHIVE_HTML_MAX = 400_000
_ARCHIVE_LINK = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)


@functools.lru_cache(maxsize=16)
def clean_archived_html(html: str, base_url: str | None = None) -> str:
    """An archived page's body, safe to show inside the app: the same allow-list (plus the
    structural tags above), nothing that runs or loads, links made absolute to the page's own
    address. Returns "" for a page with no body, or one too large to clean quickly.

    lxml first drops what never shows and every attribute the policy would drop (most of a
    modern page's weight), then bleach applies the policy to what is left.
    """
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
    if body is None:
        body = root
    allowed = ALLOWED_TAGS | ARCHIVE_EXTRA_TAGS
    unwrap = set()
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in allowed:
            unwrap.add(element.tag)
        keep = ALLOWED_ATTRIBUTES.get(element.tag, ())
        for name in [a for a in element.attrib if a not in keep]:
            del element.attrib[name]
        href = element.attrib.get("href")
        if href is not None and not _ARCHIVE_LINK.match(href):
            # Absolute by now: anything but a web or mail link goes (bleach's own parser
            # takes "javascript:1" for a relative path).
            del element.attrib["href"]
    unwrap.discard(body.tag)
    if unwrap:
        lxml.etree.strip_tags(body, *unwrap)
    fragment = lxml.html.tostring(body, encoding="unicode")
    if len(fragment) > ARCHIVE_HTML_MAX:
        return ""
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


def markdown_text(text: str) -> str:
    """Markdown (a rationale) as plain text: what a reader sees, without markup.

    The text of the rendered HTML needs no sanitizing (no markup is kept, and raw HTML in the
    Markdown is already text), so bleach is skipped: the ClaimReview export calls this once per
    published claim."""
    if not text.strip():
        return ""
    html = _markdown().render(text)
    if not html.strip():
        return ""
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    return " ".join(fragment.text_content().split())


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
