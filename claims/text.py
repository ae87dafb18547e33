"""Plain-text hygiene shared by forms, services and the audit trail. Pure."""

from __future__ import annotations

import unicodedata


def drop_controls(text: str, keep: str = "\n\t") -> str:
    """Remove NUL and other control characters (and lone surrogates): nothing a reader can see,
    and PostgreSQL refuses NUL outright."""
    return "".join(c for c in text if c in keep or unicodedata.category(c) not in ("Cc", "Cs"))


def one_line(text: str | None) -> str:
    """A short field's value: control characters dropped, runs of white space made one space."""
    return " ".join(drop_controls(text or "", keep="").split())
