"""The schema: migrations build what the models describe, constraints hold, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import peewee
import pytest
from playhouse.schema_diff import diff_models

from claims import create_app
from claims.db import bind, db, migration_status, open_database, upgrade
from claims.models import MODELS, TALLY_MODELS, Article, Claim, User, Verdict
from tests import factories
from tests.conftest import TEST_SECRET, is_postgres_run, postgres_url

ROOT = Path(__file__).resolve().parents[1]


def test_migrations_build_exactly_the_models(tmp_path):
    url = postgres_url() or f"sqlite:///{tmp_path / 'empty.db'}"
    if is_postgres_run():
        # Start from nothing; the upgrade below leaves the schema as the other tests expect.
        fresh = open_database(url)
        with fresh.connection_context():
            fresh.execute_sql("DROP SCHEMA public CASCADE")
            fresh.execute_sql("CREATE SCHEMA public")
    database = open_database(url)
    bind(database)
    with database.connection_context():
        assert [m.name for m in migration_status() if m.applied] == []
        applied = upgrade()
        assert applied == [m.name for m in migration_status()]
        diff = diff_models(database, MODELS + TALLY_MODELS)
        # PostgreSQL's trigram index of the trail (migration 0010) is derived: no model has it.
        derived = [i for i in diff.drop_indexes if i.name == "audit_event_text_trgm"]
        diff = diff._replace(drop_indexes=[i for i in diff.drop_indexes if i not in derived])
        assert not diff, f"migrations and models differ:\n{diff}"
        assert upgrade() == []  # idempotent


def test_constraints_refuse_bad_values(app):
    user = factories.user("constance", "reviewer")
    article = factories.article(user)
    claims_before = Claim.select().count()
    with pytest.raises(peewee.IntegrityError), db.atomic():
        User.update(role="superuser").where(User.id == user.id).execute()
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Claim.create(article=article, quote="x", start=5, end=2, statement="x", kind="count")
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Claim.create(article=article, quote="x", start=0, end=1, statement="x", kind="rumour")
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Claim.create(
            article=article,
            quote="x",
            start=0,
            end=1,
            statement="x",
            kind="count",
            checkworthiness=1.5,
        )
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Article.create(title="t", text="t", text_sha256="0", imported_by=999_999)
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Verdict.create(claim=1, rating=1, confidence=150, author=user)
    assert Claim.select().count() == claims_before


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    if is_postgres_run():
        pytest.skip("SQLite pragmas")
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_a_database_behind_the_code_names_the_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET})
    response = app.test_client().get("/login")
    assert response.status_code == 503
    assert "flask --app app db upgrade" in response.text
    result = app.test_cli_runner().invoke(args=["users", "list"])
    assert result.exit_code == 1
    assert "flask --app app db upgrade" in result.output
    assert "Traceback" not in result.output


def test_db_upgrade_and_status_commands(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET})
    runner = app.test_cli_runner()
    status = runner.invoke(args=["db", "status"])
    assert status.exit_code == 1
    assert "0001_initial" in status.output and "pending" in status.output
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert "applied 0001_initial" in up.output
    status = runner.invoke(args=["db", "status"])
    assert status.exit_code == 0
    assert "pending" not in status.output
    assert status.output.count("applied") == len(list((ROOT / "migrations").glob("0*.py")))


def run_flask(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_unreachable_database_is_one_clear_line(tmp_path):
    result = run_flask(
        "db",
        "status",
        env={"CLAIMS_DATABASE_URL": "postgresql://nobody:pw@127.0.0.1:9/nothing"},
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert (
        "cannot reach the database at postgresql://nobody:***@127.0.0.1:9/nothing" in result.stderr
    )
    assert "pw@" not in result.stderr
    result = run_flask(
        "db", "upgrade", env={"CLAIMS_DATABASE_URL": "sqlite:////nonexistent/dir/claims.db"}
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "cannot reach the database" in result.stderr


def gunicorn(url: str, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:claims.serving",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "app:app",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "CLAIMS_DATABASE_URL": url, "CLAIMS_SECRET_KEY": TEST_SECRET},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_refuses_to_start_on_a_schema_behind_the_code(tmp_path):
    proc = gunicorn(f"sqlite:///{tmp_path / 'behind.db'}", free_port())
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "run: flask --app app db upgrade" in output
    assert "Traceback" not in output


def test_gunicorn_serves_the_app_with_several_workers(app, database_url):
    import time
    import urllib.request

    factories.user("gina", "editor")
    port = free_port()
    proc = gunicorn(database_url, port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    body = r.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        assert "Sign in" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_each_worker_compiles_every_template_before_its_first_request(app):
    from claims import serving

    env = app.jinja_env
    env.cache.clear()
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    assert "claims/show.html" in names and "base.html" in names

    assert serving.compile_templates(app) == len(names)

    compiled = {template.name for template in env.cache.values()}
    assert compiled >= set(names)
    # What gunicorn hands a worker that is not a Flask application is left alone.
    assert serving.compile_templates(object()) == 0


def test_gunicorn_runs_one_worker_per_core_and_one_more_unless_told():
    import os

    def workers(**env: str) -> int:
        result = subprocess.run(
            [sys.executable, "-c", "import claims.serving as s; print(s.workers)"],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return int(result.stdout)

    assert workers() == len(os.sched_getaffinity(0)) + 1
    assert workers(CLAIMS_WORKERS="7") == 7
    assert workers(CLAIMS_WORKERS="") == len(os.sched_getaffinity(0)) + 1


def test_gunicorn_workers_take_the_next_request_without_waiting_for_clients_to_close(
    app, database_url
):
    """Both workers answer a client that then keeps its connection open; a third request is
    answered at once (gunicorn 27 alone makes each worker wait up to 2 s for its client to
    close: see serving.close_promptly)."""
    import socket
    import time
    import urllib.request

    port = free_port()
    proc = gunicorn(database_url, port)
    holders = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    assert r.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        for _ in range(2):  # one for each worker
            holder = socket.create_connection(("127.0.0.1", port), timeout=10)
            holder.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            while chunk := holder.recv(65536):  # to the server's end of the connection
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
            holders.append(holder)  # read, and left open
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as r:
            assert r.status == 200
        assert time.monotonic() - started < 1.0, "a worker waited for a client to close"
    finally:
        for holder in holders:
            holder.close()
        proc.terminate()
        proc.wait(timeout=30)
