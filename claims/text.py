"""Plain-text hygiene shared by forms, services and the audit trail. Pure."""

from __future__ import annotations

import unicodedata


def drop_controls(text: str, keep: str = "\n\t") -> str:
    """Remove NUL and other control characters (and lone surrogates): nothing a reader can see,
    and PostgreSQL refuses NUL outright."""
    return "".join(c for c in text if c in keep or unicodedata.category(c) not in ("Cc", "Cs"))


def one_line(text: str | None) -> str:
    """A short field's value: control characters dropped, runs of white space made one space."""
    # Line breaks and other white-space controls become spaces; the rest is dropped.
    return " ".join(drop_controls(text or "", keep="\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85").split())


FILENAME_MAX = 100


def download_name(title: str | None, fallback: str, extension: str) -> str:
    """A file name for a download, made from a title a user typed: letters, digits and hyphens
    only (in any script), no path, at most FILENAME_MAX characters; `fallback` when nothing of
    the title is left."""
    words = "".join(
        c if unicodedata.category(c)[0] in "LN" else " "
        for c in unicodedata.normalize("NFC", title or "")
    ).split()
    stem = "-".join(words)[:FILENAME_MAX].strip("-") or fallback
    return f"{stem}.{extension}"


def content_disposition(filename: str, fallback: str, disposition: str = "attachment") -> str:
    """One RFC 6266 Content-Disposition value: `fallback` (plain ASCII, e.g. "snapshot-12.html")
    as `filename` for old clients, and the name as `filename*` (RFC 5987). Quotes, separators,
    paths and controls never reach the header."""
    from urllib.parse import quote

    def cleaned(name: str) -> str:
        kept = "".join(
            c if unicodedata.category(c)[0] in "LN" or c in "-_." else "-"
            for c in unicodedata.normalize("NFC", name)
        )
        return kept.strip(".-")[: FILENAME_MAX + 10]

    plain = cleaned(fallback).encode("ascii", "ignore").decode("ascii") or "download"
    exact = cleaned(filename) or plain
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(exact, safe='')}"
