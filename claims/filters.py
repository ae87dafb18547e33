"""Jinja filters: pure functions from values to display text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from markupsafe import Markup

from claims import audit, workflow
from claims.fetch import is_web_address
from claims.forms import CHECK_STATE_LABELS, SOURCE_KIND_LABELS
from claims.sanitize import clean_archived_html, render_markdown


def when(value: datetime | date | None) -> str:
    """Show a UTC timestamp or a date the way the newsroom reads it."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y, %H:%M UTC")
    return value.strftime("%d %b %Y")


def web_url(value: object) -> bool:
    """Test: is this an http(s) address that may be rendered as a link?"""
    return isinstance(value, str) and is_web_address(value)


def quantity_value(quantity: Any) -> str:
    """A normalized figure for reading: dates as dates, ranges as ranges, big numbers grouped."""

    def show(value: float | None) -> str:
        if value is None:
            return "…"
        if quantity.unit == "date":
            return datetime.fromtimestamp(value, UTC).strftime("%d %b %Y")
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"

    if quantity.value is None and quantity.value_high is None:
        return "—"
    if quantity.value_high is not None and quantity.value_high != quantity.value:
        return f"{show(quantity.value)} to {show(quantity.value_high)}"
    return show(quantity.value)


def readable(value: Any) -> str:
    """A value from the audit trail in words: yes/no, figures by what was written, no JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return "none"
        return "; ".join(readable(item) for item in value)
    if isinstance(value, dict):
        if "text" in value:  # a quantity: "$1 billion (USD, approximate)"
            notes = [
                n
                for n in (value.get("unit"), "approximate" if value.get("approximate") else None)
                if n
            ]
            return f"{value['text']} ({', '.join(notes)})" if notes else str(value["text"])
        return "; ".join(f"{k.replace('_', ' ')}: {readable(v)}" for k, v in value.items())
    return str(value)


def audit_changes(event: Any) -> list[tuple[str, Any, Any]]:
    """An audit event's (field, before, after) rows."""
    return audit.field_changes(event)


def markdown(text: str | None) -> Markup:
    """A note or rationale rendered from Markdown and sanitized by the one policy."""
    # Safe by construction: render_markdown's output has passed the bleach policy.
    return Markup(render_markdown(text or ""))  # noqa: S704


def archived(html: str, base_url: str | None = None) -> Markup:
    """An archived page's HTML as the app shows it: cleaned by the one bleach policy."""
    # Safe by construction: clean_archived_html's output has passed the bleach policy.
    return Markup(clean_archived_html(html, base_url))  # noqa: S704


def ago(moment: datetime | None) -> str:
    """How long ago, in the largest whole unit ("3 days ago")."""
    if moment is None:
        return "—"
    seconds = max(0, int((datetime.now(UTC).replace(tzinfo=None) - moment).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def state_label(state: str) -> str:
    """How a claim's workflow state reads on a page."""
    if state == "needs_recheck":  # the queue's list of flagged claims, not a workflow state
        return "Needs re-check (the article changed)"
    return workflow.STATE_LABELS.get(state, state)


def jsonld(value: Any) -> Markup:
    """JSON for a <script type="application/ld+json"> block: <, > and & escaped as \\u
    sequences, so no text in it can close the element or open another."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - every markup character is escaped above


def check_state_label(state: str) -> str:
    """How a source's fetch state reads on a page."""
    return CHECK_STATE_LABELS.get(state, state)


def source_kind(kind: str) -> str:
    """How a source's kind reads on a page."""
    return SOURCE_KIND_LABELS.get(kind, kind)


def highlight(text: str | None) -> Markup:
    """A search result's title or snippet: everything escaped, then the search engine's marks
    (services.search.START/STOP) turned into <mark> elements."""
    from markupsafe import escape

    from claims.services.search import START, STOP

    escaped = str(escape(text or ""))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704


def revision_diff(placement: Any) -> list[tuple[str, str]]:
    """A re-anchored claim's word-level diff, as (op, text) pairs."""
    from claims.services.revisions import diff_of

    return diff_of(placement)


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(markdown)
    app.add_template_filter(highlight)
    app.add_template_filter(revision_diff)
    app.add_template_filter(jsonld)
    app.add_template_filter(ago)
    app.add_template_filter(archived)
    app.add_template_filter(check_state_label)
    app.add_template_filter(state_label)
    app.add_template_filter(source_kind)
    app.add_template_filter(audit_changes)
    app.add_template_filter(quantity_value)
    app.add_template_filter(readable)
    app.add_template_test(web_url)
    app.add_template_filter(when)
