"""Jinja filters: pure functions from values to display text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask

from claims import audit


def when(value: datetime | date | None) -> str:
    """Show a UTC timestamp or a date the way the newsroom reads it."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y, %H:%M UTC")
    return value.strftime("%d %b %Y")


def paragraphs(text: str) -> list[str]:
    """Split plain text into its non-empty lines, each shown as a paragraph."""
    return [line for line in text.split("\n") if line.strip()]


def audit_changes(event: Any) -> list[tuple[str, Any, Any]]:
    """An audit event's (field, before, after) rows."""
    return audit.field_changes(event)


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(audit_changes)
    app.add_template_filter(when)
    app.add_template_filter(paragraphs)
