"""Large pages (a claim, an article) served again from memory while nothing they show has
changed: claims/pagecache.py keeps them, the audit trail says what changed since.

A remembered page belongs to one user with one role and one address (query included). What
differs from one request to the next is left out of it: a page is neither remembered nor
served from memory while flash messages wait to be shown, and the CSRF token (one per request)
is rendered as a placeholder and put in on the way out.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import PasswordField
from wtforms.csrf.core import CSRFTokenField

from claims import audit
from claims.pagecache import Dependencies, Entry, Kept, PageCache, still_valid

# Past this many changes since a page was checked, it is drawn again rather than compared.
CHANGES_READ = 500
_EXTENSION = "claims_pages"
# Unguessable, so that no text a user typed can be mistaken for it.
_PLACEHOLDER = "csrf-" + secrets.token_hex(16)


def init_app(app: Flask) -> None:
    """Give the application its page memory (PAGE_CACHE_BYTES; 0 turns it off) and the
    templates their remembered form fields."""
    size = int(app.config["PAGE_CACHE_BYTES"])
    app.extensions[_EXTENSION] = PageCache(size) if size > 0 else None
    app.extensions[_PARTS] = Kept[Entry](PARTS_KEPT) if size > 0 else None
    app.add_template_global(remembered_field)
    app.add_template_global(remembered_event)


# Form fields drawn (templates/_forms.html), by everything their drawing reads: at most this
# many, each keyed by at most FIELD_KEY_MAX characters (an article's text typed into a form
# that was refused is drawn every time rather than kept).
FIELDS_KEPT = 2000
FIELD_KEY_MAX = 4000
# Never kept: what a password field was given (it is not shown, and must not outlive the
# request), and a CSRF token (one per request; not drawn through `field` today).
_NEVER_KEPT = (PasswordField, CSRFTokenField)
_fields: Kept[Markup] = Kept(FIELDS_KEPT)


def remembered_field(draw: Callable[..., Markup], f: Any, class_: str = "") -> Markup:
    """A form field as the `draw` macro renders it (escaped Markup, as every macro of an
    autoescaped template returns), from memory when a field of the same form, name, label,
    help, value, choices and attributes was drawn before. A field with errors (what was typed,
    and why it was refused) is always drawn."""
    if f.errors or isinstance(f, _NEVER_KEPT):
        return draw(f, class_)
    key = (
        draw,
        type(f),
        f.id,
        f.name,
        class_,
        f.label.text,
        f.description,
        repr(f.data),
        repr(f.raw_data),
        repr(getattr(f, "choices", None)),
        repr(f.render_kw),
        repr(sorted(vars(f.flags).items())),
        type(f.widget),
        repr(vars(f.widget)),
    )
    if sum(len(part) for part in key if isinstance(part, str)) > FIELD_KEY_MAX:
        return draw(f, class_)  # a long text typed into a form: drawn, not kept
    return _fields.get_or_make(key, lambda: draw(f, class_))


# Timeline entries drawn (templates/audit/_timeline.html): an audit event never changes (its hash
# chains its content), so its entry is drawn once. A busy claim's page is drawn again after
# each change to its evidence, and its 30 entries were a tenth of that.
EVENTS_KEPT = 4000
_events: Kept[Markup] = Kept(EVENTS_KEPT)


def remembered_event(draw: Callable[..., Markup], event: Any, entity: str) -> Markup:
    """An audit event's timeline entry as the `draw` macro renders it (escaped Markup), from
    memory when the same event was drawn before in a timeline of the same record type. Keyed
    by the event's hash too, so that an id given again (another database) is never mistaken
    for it."""
    key = (draw, event.id, event.hash, entity, request.script_root)
    return _events.get_or_make(key, lambda: draw(event, entity))


# Parts of a page kept between its drawings, each until a change touches what it was made from:
# a busy claim's page is drawn again after every change to its evidence, while its sources'
# provenance (two queries and a graph, 2 ms) stays as it was. One memory per application, like
# the pages' (an application serves one database).
PARTS_KEPT = 512
_PARTS = "claims_parts"
_MARK = "claims_drawing_mark"


def drawing_mark() -> int:
    """The newest audit event before this request began reading what it draws (0 when no part
    is kept): the page memory's own mark when the page is being remembered, otherwise read
    now. A part made later in the request is checked against the changes after it, so that
    none made while the request read is missed."""
    if current_app.extensions.get(_PARTS) is None:
        return 0
    mark: int | None = g.get(_MARK)
    if mark is None:
        mark = audit.last_event_id()
        setattr(g, _MARK, mark)
    return mark


def remembered_part(key: Hashable, make: Callable[[Dependencies], Any], since: int) -> Any:
    """What `make` returns, from memory when nothing it recorded in its dependencies has
    changed since it was made (the audit trail says, as for pages); otherwise made again and
    kept as made from data no older than event `since` (drawing_mark(), taken before the
    request read anything `make` is given). The value is shared between requests and users:
    whoever uses it must not change it, and it must hold nothing of one request or user. Kept
    only while the page memory is on (PAGE_CACHE_BYTES)."""
    parts: Kept[Entry] | None = current_app.extensions.get(_PARTS)
    if parts is None:
        return make(Dependencies())
    entry = parts.get(key)
    if entry is not None and still_valid(entry, audit.changes_since(entry.checked, CHANGES_READ)):
        return entry.body
    dependencies = Dependencies()
    value = make(dependencies)
    parts.put(key, Entry(value, dependencies, since))
    return value


def forget_parts(app: Flask) -> None:
    """Forget every remembered part (a test counting the queries of a fresh drawing)."""
    parts: Kept[Entry] | None = app.extensions.get(_PARTS)
    if parts is not None:
        parts.clear()


def page_cache(app: Flask) -> PageCache | None:
    """The application's page memory, if it has one."""
    cache: PageCache | None = app.extensions.get(_EXTENSION)
    return cache


def remembered(name: str, render: Callable[[Dependencies], str]) -> str:
    """This request's page: from memory when nothing it depends on has changed since it was
    drawn, otherwise drawn by `render`, which records what the page shows in the dependencies
    it is given."""
    cache = page_cache(current_app)
    if cache is None or request.method not in ("GET", "HEAD") or session.get("_flashes"):
        return render(Dependencies())
    key = (name, request.full_path, current_user.id, current_user.role)
    token = generate_csrf()
    entry = cache.get(key)
    if entry is not None:
        if still_valid(entry, audit.changes_since(entry.checked, CHANGES_READ)):
            cache.hits += 1
            return entry.body.replace(_PLACEHOLDER, token)
        cache.discard(key)
    cache.misses += 1
    # The newest change before anything is read: what happens while the page is drawn is
    # looked at again next time.
    checked = audit.last_event_id()
    setattr(g, _MARK, checked)  # parts made while drawing are as old (drawing_mark)
    dependencies = Dependencies()
    dependencies.add("user", [current_user.id])  # the name and role in the header
    setattr(g, "csrf_token", _PLACEHOLDER)  # noqa: B010 - Flask-WTF keeps the token there
    try:
        body = render(dependencies)
    finally:
        setattr(g, "csrf_token", token)  # noqa: B010
    if not session.get("_flashes"):
        cache.put(key, body, dependencies, checked)
    return body.replace(_PLACEHOLDER, token)
