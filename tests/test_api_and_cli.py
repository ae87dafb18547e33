"""The API's conventions (session or bearer token, one error shape) and the CLI commands."""

from __future__ import annotations

import re

from claims.models import ApiToken, Article, AuditEvent, User
from tests import factories
from tests.conftest import login, post_form


def test_api_me_with_a_browser_session(reviewer_client, reviewer):
    response = reviewer_client.get("/api/me")
    assert response.status_code == 200
    assert response.json == {
        "id": reviewer.id,
        "username": "rita",
        "display_name": "Rita",
        "role": "reviewer",
        "active": True,
    }
    assert response.headers["Content-Type"] == "application/json"


def test_token_created_on_the_account_page_works_once_shown_and_can_be_revoked(
    app, reviewer_client
):
    page = post_form(reviewer_client, "/account", "/account/tokens", {"name": "CMS job"})
    assert page.status_code == 201
    token = re.search(r'<code class="token">([^<]+)</code>', page.text).group(1)
    stored = ApiToken.get()
    assert stored.token_hash != token and token not in stored.token_hash
    assert "CMS job" in page.text
    # The token is shown once: the account page does not show it again.
    assert token not in reviewer_client.get("/account").text
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/me", headers=headers).json["username"] == "rita"
    assert api.get_cookie("session") is None  # a token request starts no session
    post_form(reviewer_client, "/account", f"/account/tokens/{stored.id}/revoke", {})
    refused = api.get("/api/me", headers=headers)
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "unauthenticated"


def test_bad_tokens_are_refused(app, reviewer):
    api = app.test_client()
    for header in ("Bearer nope", "Bearer ct_" + "a" * 43, "Basic abc", "Bearer"):
        response = api.get("/api/me", headers={"Authorization": header})
        assert response.status_code == 401


def test_a_deactivated_users_token_stops_working(app, system):
    user = factories.user("tok", "editor")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "token", "tok", "--name", "script"])
    assert result.exit_code == 0
    token = result.output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/me", headers=headers).json["role"] == "editor"
    from claims.services import users

    users.set_active(system, user, False)
    assert app.test_client().get("/api/me", headers=headers).status_code == 401


def test_users_create_reads_the_password_from_stdin_never_argv(app):
    runner = app.test_cli_runner()
    help_text = runner.invoke(args=["users", "create", "--help"]).output
    assert "--password" not in help_text
    result = runner.invoke(
        args=["users", "create", "nora", "--role", "editor"], input="a long enough secret\n"
    )
    assert result.exit_code == 0, result.output
    assert "created editor nora" in result.output
    user = User.get(User.username == "nora")
    assert user.role == "editor"
    assert login(app.test_client(), "nora", "a long enough secret").status_code == 302
    event = AuditEvent.get(AuditEvent.action == "user.create")
    assert event.actor_name.startswith("cli:")
    assert "a long enough secret" not in (event.after or "")
    assert user.password_hash not in (event.after or "")


def test_users_create_explains_bad_input_and_writes_nothing(app):
    runner = app.test_cli_runner()
    factories.user("taken")
    cases = [
        (["users", "create", "taken"], "a long enough secret\n", "already taken"),
        (["users", "create", "newbie"], "short\n", "at least 12"),
        (["users", "create", "new bie"], "a long enough secret\n", "A username is"),
        (
            ["users", "create", "newbie2", "--role", "god"],
            "a long enough secret\n",
            "Invalid value",
        ),
    ]
    for args, stdin, message in cases:
        result = runner.invoke(args=args, input=stdin)
        assert result.exit_code != 0
        assert message in result.output
    assert User.select().count() == 1


def test_users_role_password_deactivate_and_list(app):
    factories.user("sam")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "role", "sam", "admin"]).exit_code == 0
    assert User.get(User.username == "sam").role == "admin"
    assert (
        runner.invoke(
            args=["users", "password", "sam"], input="another fine passphrase\n"
        ).exit_code
        == 0
    )
    assert login(app.test_client(), "sam", "another fine passphrase").status_code == 302
    assert runner.invoke(args=["users", "deactivate", "sam"]).exit_code == 0
    listing = runner.invoke(args=["users", "list"]).output
    assert "sam" in listing and "admin" in listing and "(inactive)" in listing
    missing = runner.invoke(args=["users", "role", "ghost", "admin"])
    assert missing.exit_code == 1 and "No user named 'ghost'" in missing.output


def test_every_command_has_help(app):
    runner = app.test_cli_runner()
    for group in ("db", "users", "audit"):
        output = runner.invoke(args=[group, "--help"]).output
        commands = re.findall(r"^  (\w[\w-]*)\s+(\S.*)$", output.split("Commands:")[1], re.M)
        assert commands, group
        for name, summary in commands:
            assert summary.strip(), f"{group} {name} has no help"
    assert "Set up the embedded database" in runner.invoke(args=["demo", "--help"]).output


def test_demo_creates_accounts_and_imports_the_sample(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    logins = dict(re.findall(r"^  \w+\s+(\w+)\s+(\S+)$", first.output, re.M))
    assert set(logins) == {"editor", "reviewer", "admin"}
    assert {u.username: u.role for u in User.select()} == {
        "editor": "editor",
        "reviewer": "reviewer",
        "admin": "admin",
    }
    article = Article.get()
    assert article.title == "'Israel', Morocco Sign Joint Military Work Plan, Deepening Ties"
    assert "36 ATMOS artillery systems" in article.text
    client = app.test_client()
    assert login(client, "reviewer", logins["reviewer"]).status_code == 302
    assert "Morocco Sign Joint Military Work Plan" in client.get("/").text
    assert "Open http://127.0.0.1:5000/" in first.output
    # A second run keeps the data and prints fresh passwords that work.
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0
    assert "already there" in second.output
    assert Article.select().count() == 1
    logins2 = dict(re.findall(r"^  \w+\s+(\w+)\s+(\S+)$", second.output, re.M))
    assert login(app.test_client(), "editor", logins2["editor"]).status_code == 302


def test_demo_works_without_the_shared_samples(app, tmp_path):
    app.config["SAMPLES_DIR"] = str(tmp_path / "missing")
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "built-in demo article" in result.output
    assert "$48 million" in Article.get().text


def test_the_readme_demo_command_serves_the_sample(tmp_path):
    """`flask --app app demo` as the README runs it: a real process, a real HTTP request."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "CLAIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "CLAIMS_SECRET_KEY": "demo-test-" + "x" * 40,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "demo", "--port", str(port)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/login", timeout=5
                ) as response:
                    assert response.status == 200 and "Sign in" in response.read().decode()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the demo never started serving"
                time.sleep(0.3)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "Demo accounts" in output and f"Open http://127.0.0.1:{port}/" in output
