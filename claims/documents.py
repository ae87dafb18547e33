"""Turn what a reviewer brings (pasted text, an uploaded file, a fetched page) into an article's
plain text and metadata. Pure: no Flask, no database.

HTML is reduced to its main content (navigation, footers and comments dropped) with trafilatura,
which also reads the title, author, publisher and date from meta tags, Open Graph and JSON-LD.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import date

import lxml.etree
import lxml.html
import pypdf
import trafilatura

from claims.errors import ValidationError
from claims.text import drop_controls

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<article|<p[\s>])", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Document:
    """An article's text and whatever metadata its source carried."""

    text: str
    title: str | None = None
    publisher: str | None = None
    byline: str | None = None
    published: date | None = None
    url: str | None = None


def normalize_text(text: str) -> str:
    """Unify line endings and drop characters that cannot be stored or shown (NUL, controls).

    Raises ValidationError if nothing readable is left.
    """
    text = drop_controls(text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANKS.sub("\n\n", "\n".join(lines)).strip()
    if not text:
        raise ValidationError("The article has no text.", field="text")
    return text


def decode(body: bytes, charset: str | None = None) -> str:
    """Decode a file or response body as text.

    Raises ValidationError for binary content or bytes that are not valid in the charset.
    """
    if b"\x00" in body[:8192]:
        raise ValidationError(
            "This file is not text (it contains binary data). Upload a .txt or .html file.",
            field="file",
        )
    for encoding in filter(None, (charset, "utf-8-sig")):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ValidationError(
        "The file is not valid UTF-8 text. Save it as UTF-8 and try again.", field="file"
    )


def looks_like_html(body: bytes, content_type: str | None = None, filename: str = "") -> bool:
    """Tell HTML from plain text by content type, file name, or the first bytes."""
    if content_type and content_type.split(";")[0].strip().lower() in HTML_TYPES:
        return True
    if filename.lower().endswith((".html", ".htm", ".xhtml")):
        return True
    return bool(_HTML_SNIFF.match(body[:512]))


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def read_html(html: str, url: str | None = None) -> Document:
    """The main text and metadata of an HTML page.

    Raises ValidationError if the page has no readable text.
    """
    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        include_links=False,
        include_images=False,
        favor_precision=True,
        deduplicate=True,
    ) or trafilatura.extract(html, url=url, include_comments=False, favor_recall=True)
    meta = trafilatura.extract_metadata(html, default_url=url)
    if not text:
        raise ValidationError("No article text could be found on this page.", field="text")
    return Document(
        text=normalize_text(text),
        title=(meta.title if meta else None) or None,
        publisher=(meta.sitename if meta else None) or None,
        byline=(meta.author if meta else None) or None,
        published=_date(meta.date if meta else None),
        url=url,
    )


def read_text(text: str) -> Document:
    """A pasted or plain-text article: its first line stands as the title until edited.

    Raises ValidationError if there is no text.
    """
    text = normalize_text(text)
    return Document(text=text, title=text.split("\n", 1)[0][:500])


def read_bytes(
    body: bytes,
    *,
    content_type: str | None = None,
    charset: str | None = None,
    filename: str = "",
    url: str | None = None,
) -> Document:
    """An uploaded file or a fetched body, HTML or plain text.

    Raises ValidationError for binary, undecodable or empty content.
    """
    if not body.strip():
        raise ValidationError("The file is empty.", field="file")
    if looks_like_html(body, content_type, filename):
        return read_html(decode(body, charset), url=url)
    document = read_text(decode(body, charset))
    return Document(text=document.text, title=document.title, url=url)


# Elements whose content is never text a reader sees.
_INVISIBLE = ("script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object")
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "td",
        "th",
        "table",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "nav",
        "figure",
        "figcaption",
        "dd",
        "dt",
        "dl",
        "hr",
        "main",
        "form",
        "caption",
    ]
)
PDF_MAX_PAGES = 500


def visible_text(html: str) -> str:
    """Everything a reader of the page would see as text (navigation and captions included),
    blocks on their own lines; "" for a page with none. Used to check quotes against a snapshot.
    """
    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    lxml.etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    lxml.etree.strip_elements(root, lxml.etree.Comment, lxml.etree.ProcessingInstruction)
    # Text and tails in reading order, a line break around each block element. The tree is
    # only read: lxml refuses to store strings with control characters a page may contain.
    parts: list[str] = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        block = element.tag in _BLOCKS
        if event == "start":
            if block:
                parts.append("\n")
            if element.text:
                parts.append(element.text)
        else:
            if block:
                parts.append("\n")
            if element.tail and element is not root:
                parts.append(element.tail)
    text = "".join(parts)
    try:
        return normalize_text(text)
    except ValidationError:
        return ""


def pdf_text(body: bytes) -> str:
    """The text of a PDF's first pages ("" when it has none, is encrypted or is unreadable)."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            return ""
        pages = [page.extract_text() or "" for page in reader.pages[:PDF_MAX_PAGES]]
    except Exception:  # pypdf raises many kinds on malformed files; none of them is ours to fix
        log.info("PDF text extraction failed", exc_info=True)
        return ""
    try:
        return normalize_text("\n\n".join(pages))
    except ValidationError:
        return ""


def snapshot_text(body: bytes, content_type: str, charset: str | None = None) -> str:
    """The plain text of an archived body (HTML, plain text or PDF); never raises."""
    if content_type == "application/pdf" or body[:5] == b"%PDF-":
        return pdf_text(body)
    try:
        decoded = decode(body, charset)
    except ValidationError:
        return ""
    if looks_like_html(body, content_type):
        return visible_text(decoded)
    try:
        return normalize_text(decoded)
    except ValidationError:
        return ""
