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
