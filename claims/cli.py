"""Command-line interface: thin wrappers over the same services the views call.

Domain errors become one line on stderr and exit code 1 here, and nowhere else.
"""

from __future__ import annotations

import functools
import getpass
import json
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.serving import run_simple

from claims import audit, config, documents, extraction
from claims.audit import Actor
from claims.config import fetch_options
from claims.db import check_ready, connection, migration_status, upgrade
from claims.errors import ClaimsError, DatabaseUnavailableError
from claims.export import archive
from claims.export.claimreview import feed_chunks
from claims.export.records import article_json, source_json
from claims.models import ROLES, SOURCE_KINDS
from claims.services import articles, publishing, revisions, security, sources, users
from claims.services import claims as claims_service

F = TypeVar("F", bound=Callable[..., Any])

db_cli = AppGroup("db", help="Create and upgrade the database schema.")
users_cli = AppGroup("users", help="Manage accounts and API tokens.")
audit_cli = AppGroup("audit", help="Inspect the tamper-evident audit trail.")
sources_cli = AppGroup("sources", help="Add sources to the library and recheck them.")
export_cli = AppGroup("export", help="Publish approved verdicts as schema.org ClaimReview.")
articles_cli = AppGroup("articles", help="Fetch articles again for new revisions.")
archive_cli = AppGroup("archive", help="Back up everything, or move it to another database.")

DEMO_ACCOUNTS = (
    ("editor", "Demo Editor", "editor"),
    ("reviewer", "Demo Reviewer", "reviewer"),
    ("admin", "Demo Admin", "admin"),
)
SAMPLE_FILE = "israel-morocco-military-work-plan.txt"
# Used where ../shared/samples is not beside the checkout, so the demo works anywhere.
FALLBACK_ARTICLE = """Harbour City Council Approves $48 Million Flood Wall
By Demo Newsroom Staff
3 Mar 2026
Harbour City's council voted 7 to 2 on Tuesday to build a 4.5 km flood wall along the eastern \
waterfront, the mayor's office announced.
The project is expected to cost around $48 million, according to the city's finance department, \
and construction is due to start in mid-2026.
Officials said the wall would protect roughly 12,000 homes, up from 9,500 covered by the current \
levee built in 1987.
Critics on the council argued that the money would be better spent on relocating the 300 \
households most at risk.
"""


def cli_command(fn: F) -> F:
    """Run a command inside a database connection; turn domain errors into one clear line."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with connection():
                return fn(*args, **kwargs)
        except ClaimsError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper  # type: ignore[return-value]


def _require_current_schema() -> None:
    check_ready(current_app.config["DATABASE_URL"])


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _actor() -> Actor:
    return Actor.system(f"cli:{getpass.getuser()}")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (creates the database's tables on first run)."""
    try:
        with connection():
            applied = upgrade()
    except Exception as exc:
        raise click.ClickException(_database_problem(exc)) from None
    for name in applied:
        click.echo(f"applied {name}")
    click.echo("database is up to date" if not applied else f"{len(applied)} migration(s) applied")


@db_cli.command("status")
def db_status() -> None:
    """List applied and pending migrations; exit 1 when some are pending."""
    try:
        with connection():
            rows = migration_status()
    except Exception as exc:
        raise click.ClickException(_database_problem(exc)) from None
    for m in rows:
        state = "applied " + m.applied.strftime("%Y-%m-%d %H:%M:%S") if m.applied else "pending"
        click.echo(f"{m.name:40} {state}")
    if any(not m.applied for m in rows):
        click.echo("pending migrations: run  flask --app app db upgrade")
        sys.exit(1)


def _database_problem(exc: Exception) -> str:
    try:
        check_ready(current_app.config["DATABASE_URL"])
    except DatabaseUnavailableError as problem:
        return problem.message
    except Exception:  # noqa: S110 - the original error below says more
        pass
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True)
@click.option("--display-name", default="", help="Name shown in the interface.")
@cli_command
def users_create(username: str, role: str, display_name: str) -> None:
    """Create an account; the password is read from a prompt or from stdin, never argv."""
    _require_current_schema()
    password = _read_password("Password")
    user = users.create_user(_actor(), username, password, role, display_name)
    click.echo(f"created {user.role} {user.username} (id {user.id})")


@users_cli.command("password")
@click.argument("username")
@cli_command
def users_password(username: str) -> None:
    """Set a new password (prompt or stdin) and end the user's sessions."""
    _require_current_schema()
    user = users.find_user(username)
    users.set_password(_actor(), user, _read_password("New password"))
    click.echo(f"password of {user.username} changed; their sessions have ended")


@users_cli.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@cli_command
def users_role(username: str, role: str) -> None:
    """Change a user's role (their sessions end)."""
    _require_current_schema()
    user = users.change_role(_actor(), users.find_user(username), role)
    click.echo(f"{user.username} is now {user.role}")


@users_cli.command("deactivate")
@click.argument("username")
@cli_command
def users_deactivate(username: str) -> None:
    """Deactivate an account and end its sessions."""
    _require_current_schema()
    user = users.set_active(_actor(), users.find_user(username), False)
    click.echo(f"{user.username} is deactivated")


@users_cli.command("list")
@cli_command
def users_list() -> None:
    """List accounts with their roles."""
    _require_current_schema()
    for user in users.list_users():
        state = "" if user.active else "  (inactive)"
        click.echo(f"{user.username:24} {user.role:9} {user.display_name}{state}")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@cli_command
def users_token(username: str, name: str) -> None:
    """Print a new API token for a user, once; only its hash is stored."""
    _require_current_schema()
    _, plaintext = users.create_token(_actor(), users.find_user(username), name)
    click.echo(plaintext)


@audit_cli.command("verify")
@click.option(
    "--file",
    "path",
    type=click.File("r", encoding="utf-8"),
    help="Verify an exported JSON Lines file instead of the database.",
)
@cli_command
def audit_verify(path: Any) -> None:
    """Walk the whole hash chain; exit 1 and name the first bad event if it is broken."""
    if path is not None:
        report = audit.verify_events(audit.read_export(path))
    else:
        _require_current_schema()
        report = audit.verify()
    click.echo(str(report))
    if not report.intact:
        sys.exit(1)


@audit_cli.command("export")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
@cli_command
def audit_export(output: Any) -> None:
    """Write the whole trail, with its hashes, as JSON Lines for an outside auditor."""
    _require_current_schema()
    security.log_event(_actor(), "audit.export", entity_type="audit_event")
    for line in audit.export_lines():
        output.write(line)


def _read_source(source: str) -> documents.Document:
    """A file path, '-' for stdin, or an http(s) URL fetched by the one fetcher."""
    if source.startswith(("http://", "https://")):
        return articles.fetch_document(_actor(), source, fetch_options(current_app.config))
    if source == "-":
        return documents.read_bytes(sys.stdin.buffer.read())
    path = Path(source)
    if not path.is_file():
        raise click.ClickException(f"no such file: {source}")
    return documents.read_bytes(path.read_bytes(), filename=path.name)


@click.command("extract")
@click.argument("source", default="-")
@click.option("--json", "as_json", is_flag=True, help="Print {text, claims} as JSON.")
@with_appcontext
def extract_command(source: str, as_json: bool) -> None:
    """Run claim extraction on FILE (or - for stdin) and print the claims; writes nothing."""
    try:
        document = _read_source(source)
    except ClaimsError as exc:
        raise click.ClickException(exc.message) from None
    found = extraction.extract(document.text)
    if as_json:
        payload = {"text": document.text, "claims": [extraction.to_json(c) for c in found]}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for claim in found:
        span = f"{claim.start:>6}-{claim.end:<6}"
        click.echo(f"{span} {claim.kind:<10} {claim.checkworthiness:.2f}  {claim.quote}")


@click.command("import")
@click.argument("source")
@click.option("--as", "username", help="Who imports it (default: the first active admin).")
@click.option("--json", "as_json", is_flag=True, help="Print the article and its claims as JSON.")
@with_appcontext
@cli_command
def import_command(source: str, username: str | None, as_json: bool) -> None:
    """Import an article from FILE, - (stdin) or URL, with its claims; print its id and claims."""
    _require_current_schema()
    user = users.find_user(username) if username else users.first_admin()
    document = _read_source(source)
    article, created = articles.import_document(Actor(user.id, user.username, None, None), document)
    found = claims_service.article_claims(article.id)
    if as_json:
        click.echo(
            json.dumps(
                {"created": created, **article_json(article, with_text=False)},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(
        f"article {article.id} {'imported' if created else 'already imported'}: {article.title}"
    )
    for claim in found:
        click.echo(f"  #{claim.id:<5} {claim.kind:<10} {claim.quote}")


def _samples_dir(app: Flask) -> Path:
    configured = app.config.get("SAMPLES_DIR")
    if configured:
        return Path(configured)
    return Path(app.root_path).parent.parent / "shared" / "samples"


def _demo_article(app: Flask) -> tuple[str, str, str]:
    """The demo's article: (text, where it came from, its publisher)."""
    sample = _samples_dir(app) / SAMPLE_FILE
    if sample.is_file():
        return sample.read_text(encoding="utf-8"), str(sample), "Al Mayadeen English"
    return FALLBACK_ARTICLE, "the built-in demo article", "Demo Newsroom"


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the demo data and exit without serving.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Set up the embedded database with demo accounts and the sample article, then serve it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with connection():
            applied = upgrade()
            if applied:
                click.echo(f"database ready ({len(applied)} migration(s) applied)")
            actor = Actor.system("demo")
            logins = []
            for username, display, role in DEMO_ACCOUNTS:
                password = secrets.token_urlsafe(12)
                try:
                    user = users.find_user(username)
                    users.set_password(actor, user, password)
                except ClaimsError:
                    user = users.create_user(actor, username, password, role, display)
                logins.append((user, password))
            text, origin, publisher = _demo_article(app)
            reviewer = logins[1][0]
            document = documents.read_text(text)
            article, created = articles.import_document(
                Actor(reviewer.id, reviewer.username),
                articles.with_metadata(document, publisher=publisher),
            )
    except ClaimsError as exc:
        raise click.ClickException(exc.message) from None
    except Exception as exc:
        raise click.ClickException(_database_problem(exc)) from None

    click.echo(f"article {article.id} {'imported from' if created else 'already there:'} {origin}")
    click.echo("\nDemo accounts (passwords are new on every run; shown only now):")
    for user, password in logins:
        click.echo(f"  {user.role:9} {user.username:10} {password}")
    url = f"http://{host}:{port}/"
    click.echo(f"\nOpen {url} and sign in.  Database: {app.config['DATABASE_URL']}")
    if no_serve:
        return
    # Flask ignores app.run() inside its own CLI; serve with werkzeug directly (no debugger).
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@sources_cli.command("add")
@click.argument("url")
@click.option("--kind", type=click.Choice(SOURCE_KINDS), help="What kind of source it is.")
@click.option(
    "--reliability", type=click.IntRange(1, 5), help="How reliable it is, 1 (least) to 5."
)
@click.option(
    "--keep-without-snapshot",
    is_flag=True,
    help="Keep the source even if its page cannot be fetched.",
)
@click.option("--as", "username", help="Who adds it (default: the first active admin).")
@click.option("--json", "as_json", is_flag=True, help="Print the source and snapshot as JSON.")
@with_appcontext
@cli_command
def sources_add(
    url: str,
    kind: str | None,
    reliability: int | None,
    keep_without_snapshot: bool,
    username: str | None,
    as_json: bool,
) -> None:
    """Fetch URL, archive it and add it to the source library (once per address)."""
    _require_current_schema()
    user = users.find_user(username) if username else users.first_admin()
    source, created, message = sources.add_source(
        Actor(user.id, user.username, None, None),
        url,
        sources.SourceFields(kind=kind, reliability=reliability),
        fetch_options(current_app.config),
        keep_without_snapshot=keep_without_snapshot,
    )
    snapshots = sources.snapshots_of(source.id)
    if as_json:
        data = {"created": created, **source_json(source, snapshots=snapshots)}
        if message:
            data["fetch_error"] = message
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    verb = "added" if created else "already in the library"
    click.echo(f"source {source.id} {verb}: {source.title}")
    if snapshots:
        shot = snapshots[0]
        click.echo(
            f"  archived {shot.fetched_at:%Y-%m-%d %H:%M:%S} UTC, HTTP {shot.http_status}, "
            f"{shot.final_url}, sha256 {shot.sha256}"
        )
    elif message:
        click.echo(f"  kept without an archived copy: {message}")


@sources_cli.command("recheck")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
@click.option(
    "--workers",
    default=4,
    show_default=True,
    type=click.IntRange(1, 32),
    help="How many sources to fetch at once.",
)
@click.option("--json", "as_json", is_flag=True, help="Print every outcome as JSON lines.")
@with_appcontext
@cli_command
def sources_recheck(ids: tuple[int, ...], workers: int, as_json: bool) -> None:
    """Fetch every source with an address (or those given by id) again: report dead links
    (errors, HTTP 4xx/5xx) and changed content (text differs from the last snapshot)."""
    _require_current_schema()
    wanted = list(ids) or None
    total = sources.count_fetchable(wanted)
    outcomes = sources.recheck_sources(
        _actor(), wanted, fetch_options(current_app.config), workers=workers
    )
    dead: list[sources.CheckOutcome] = []
    changed: list[sources.CheckOutcome] = []
    with click.progressbar(
        outcomes,
        length=total,
        label="Rechecking sources",
        file=sys.stderr,
        item_show_func=lambda o: f"#{o.source.id}" if o else "",
    ) as bar:
        for outcome in bar:
            if outcome.state in ("dead", "unchecked"):
                dead.append(outcome)
            elif outcome.state == "changed":
                changed.append(outcome)
            if as_json:
                click.echo(
                    json.dumps(
                        {
                            "source_id": outcome.source.id,
                            "url": outcome.source.url,
                            "state": outcome.state,
                            "http_status": outcome.source.check_status,
                            "error": outcome.message,
                            "snapshot_id": outcome.snapshot.id if outcome.snapshot else None,
                            "sha256": outcome.snapshot.sha256 if outcome.snapshot else None,
                        },
                        ensure_ascii=False,
                    )
                )
    if as_json:
        return
    ok = total - len(dead) - len(changed)
    click.echo(f"{total} checked: {ok} unchanged, {len(changed)} changed, {len(dead)} dead")
    for outcome in dead:
        status = f"HTTP {outcome.source.check_status}" if outcome.source.check_status else ""
        click.echo(
            f"  dead     #{outcome.source.id} {outcome.source.url} — {status or outcome.message}"
        )
    for outcome in changed:
        click.echo(f"  changed  #{outcome.source.id} {outcome.source.url}")


@articles_cli.command("refetch")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 16))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per article.")
@with_appcontext
@cli_command
def articles_refetch(ids: tuple[int, ...], workers: int, as_json: bool) -> None:
    """Fetch every article with an address (or those given by id) again and store a new
    revision where the text changed: claims are re-anchored, and approved verdicts whose words
    changed or vanished are flagged for a re-check."""
    _require_current_schema()
    wanted = revisions.refetchable(list(ids) or None)
    reports = revisions.refetch_articles(
        _actor(), wanted, fetch_options(current_app.config), workers=workers
    )
    done: list[revisions.RefetchReport] = []
    with click.progressbar(
        reports,
        length=len(wanted),
        label="Fetching articles again",
        file=sys.stderr,
        item_show_func=lambda r: f"#{r.article_id}" if r else "",
    ) as bar:
        for report in bar:
            done.append(report)
            if as_json:
                click.echo(
                    json.dumps(
                        {
                            "article_id": report.article_id,
                            "status": report.status,
                            "detail": report.detail,
                            "claims": report.counts,
                            "needs_recheck": report.flagged,
                        },
                        ensure_ascii=False,
                    )
                )
    if as_json:
        return
    changed = [r for r in done if r.status == "new revision"]
    failed = [r for r in done if r.status == "failed"]
    click.echo(
        f"{len(done)} fetched: {len(changed)} with a new revision, "
        f"{len(done) - len(changed) - len(failed)} unchanged, {len(failed)} failed"
    )
    for r in changed:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(r.counts.items()))
        flagged = f"; {r.flagged} verdict(s) need a re-check" if r.flagged else ""
        click.echo(f"  new      #{r.article_id} {r.title} — {r.detail}: {counts}{flagged}")
    for r in failed:
        click.echo(f"  failed   #{r.article_id} {r.title} — {r.detail}")


@export_cli.command("claimreview")
@click.option("--article", "article_id", type=click.IntRange(1, 2**31 - 1), help="One article.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File.")
@with_appcontext
@cli_command
def export_claimreview(article_id: int | None, output: str | None) -> None:
    """Write every published verdict (or one article's) as a ClaimReview DataFeed (JSON-LD);
    verdicts that cannot make a valid ClaimReview are reported on stderr, not exported."""
    _require_current_schema()
    settings = config.publisher(current_app.config)
    if article_id is not None:
        articles.get_article(article_id)
    skipped: list[publishing.Entry] = []
    written = 0

    def counted(entries: Iterator[publishing.Entry]) -> Iterator[dict[str, Any]]:
        nonlocal written
        for entry in entries:
            if entry.review is None:
                skipped.append(entry)
            else:
                written += 1
                yield entry.review

    chunks = feed_chunks(counted(publishing.all_entries(settings, article_id)))
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.writelines(chunks)
    else:
        for chunk in chunks:
            click.echo(chunk, nl=False)
    for entry in skipped:
        problems = "; ".join(p.message for p in entry.problems if p.level == "error")
        click.echo(f"skipped claim {entry.item.claim_id}: {problems}", err=True)
    details = {"article_id": article_id, "written": written, "skipped": len(skipped)}
    security.log_event(_actor(), "claimreview.export", entity_type="claimreview", details=details)
    click.echo(f"{written} ClaimReview(s) exported, {len(skipped)} skipped.", err=True)


@archive_cli.command("export")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The archive file."
)
@click.option(
    "--with-password-hashes",
    is_flag=True,
    help="Keep the accounts' password hashes (otherwise they need new passwords after import).",
)
@with_appcontext
@cli_command
def archive_export(output: str, with_password_hashes: bool) -> None:
    """Write everything (accounts, articles, claims, sources with their archived bodies,
    evidence, verdicts, the scale and the whole audit trail) as one JSON Lines archive."""
    _require_current_schema()
    target = Path(output)
    partial = target.with_name(target.name + ".part")
    with open(partial, "wb") as handle:
        summary = archive.export_archive(handle, with_password_hashes=with_password_hashes)
    partial.replace(target)  # a half-written archive never has the final name
    security.log_event(
        _actor(),
        "archive.export",
        entity_type="archive",
        details={"file": target.name, "with_password_hashes": with_password_hashes},
    )
    click.echo(f"{target}: {summary}")


@archive_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@cli_command
def archive_import(path: str) -> None:
    """Load an archive into this (empty) database; it is checked whole before anything is
    written, and written in one transaction."""
    _require_current_schema()
    summary = archive.import_archive(path)
    click.echo(f"imported {summary}")
    if not summary.audit_chain.intact:
        click.echo("warning: the archive's audit chain was already broken; kept as it was.")
    if summary.users_without_password:
        click.echo(
            f"{summary.users_without_password} account(s) have no password: set one with "
            "flask --app app users password NAME."
        )


def init_app(app: Flask) -> None:
    """Register the command groups on the app."""
    for group in (db_cli, users_cli, audit_cli, sources_cli, articles_cli, export_cli, archive_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo)
    app.cli.add_command(extract_command)
    app.cli.add_command(import_command)
