"""Signing in and out, revocable sessions, throttling, passwords, configuration."""

from __future__ import annotations

import re
import time

import pytest

from claims import create_app, passwords
from claims.db import utcnow
from claims.errors import ConfigError, ValidationError
from claims.models import AuditEvent, LoginFailure, User
from claims.services import users
from tests import factories
from tests.conftest import TEST_SECRET, csrf_token, login, post_form


def test_sign_in_shows_the_user_and_sign_out_ends_the_session(app, client, reviewer):
    assert login(client, "rita").headers["Location"] == "/"
    page = client.get("/")
    assert "Rita" in page.text and "Sign out" in page.text
    cookie = client.get_cookie("session").value
    response = post_form(client, "/", "/logout", {})
    assert response.status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")
    # The captured cookie, replayed from another client, no longer signs anyone in.
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/").status_code == 302
    assert thief.get("/api/me").status_code == 401


def test_logout_is_post_only(reviewer_client):
    assert reviewer_client.get("/logout").status_code == 405


def test_wrong_password_and_unknown_user_look_the_same(app, client, reviewer):
    wrong = login(client, "rita", "not the right password")
    unknown = login(client, "nobody-here", "not the right password")
    assert wrong.status_code == unknown.status_code == 401

    def strip(html: str, typed: str) -> str:
        return html.replace(csrf_token(html), "").replace(f'value="{typed}"', "")

    assert strip(wrong.text, "rita") == strip(unknown.text, "nobody-here")
    assert "Invalid username or password." in wrong.text
    assert 'value="rita"' in wrong.text  # what was typed comes back
    events = [e.action for e in AuditEvent.select().where(AuditEvent.action == "login.failed")]
    assert events == ["login.failed", "login.failed"]


def test_throttle_after_repeated_failures_per_account(app, client, reviewer):
    for _ in range(app.config["LOGIN_THROTTLE_ATTEMPTS"]):
        assert login(client, "rita", "wrong password!!").status_code == 401
    response = login(client, "rita")  # even the right password waits
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    # The window passes: the real user gets back in, and the failures are forgotten.
    past = utcnow() - app.config["LOGIN_THROTTLE_WINDOW"]
    LoginFailure.update(at=past).execute()
    assert login(client, "rita").status_code == 302
    assert LoginFailure.select().where(LoginFailure.username_key == "rita").count() == 0


def test_throttle_per_address_across_accounts(app, client, reviewer):
    for i in range(app.config["LOGIN_THROTTLE_ATTEMPTS"]):
        login(client, f"guess{i}", "wrong password!!")
    assert login(client, "rita").status_code == 429


@pytest.mark.parametrize(
    "target",
    ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/\x00x"],
)
def test_next_accepts_only_local_paths(app, client, reviewer, target):
    page = client.get("/login")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "username": "rita",
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.headers["Location"] == "/"


def test_next_keeps_a_local_path(app, client, reviewer):
    page = client.get("/login?next=/account")
    response = client.post(
        "/login?next=/account",
        data={
            "username": "rita",
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.headers["Location"] == "/account"


def test_anonymous_page_redirects_to_login_with_next(client, app):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account"


def test_session_fixation_a_pre_login_cookie_does_not_authenticate(app, client, reviewer):
    client.get("/login")
    before = client.get_cookie("session").value
    login(client, "rita")
    after = client.get_cookie("session").value
    assert before != after
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/").status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(app, reviewer):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "rita")
    login(phone, "rita")
    response = post_form(
        laptop,
        "/account",
        "/account/password",
        {"current_password": factories.PASSWORD, "new_password": "a whole new passphrase"},
    )
    assert response.status_code == 302
    assert "Your password has been changed" in laptop.get("/account").text
    assert phone.get("/").status_code == 302
    assert login(app.test_client(), "rita", "a whole new passphrase").status_code == 302


def test_password_change_needs_the_current_password(app, reviewer_client, reviewer):
    old_hash = reviewer.password_hash
    response = post_form(
        reviewer_client,
        "/account",
        "/account/password",
        {"current_password": "not it at all!!", "new_password": "a whole new passphrase"},
    )
    assert response.status_code == 422
    assert "The current password is not right." in response.text
    assert User.get_by_id(reviewer.id).password_hash == old_hash
    assert (
        AuditEvent.select().where(AuditEvent.action == "user.password_change_refused").count() == 1
    )


def test_role_change_and_deactivation_end_sessions(app, reviewer, system):
    c = app.test_client()
    login(c, "rita")
    users.change_role(system, reviewer, "editor")
    assert c.get("/").status_code == 302
    login(c, "rita")
    assert c.get("/audit/").status_code == 200  # the new role applies
    users.set_active(system, User.get_by_id(reviewer.id), False)
    assert c.get("/").status_code == 302
    assert login(c, "rita").status_code == 401


def test_idle_and_absolute_session_limits(app, reviewer_client):
    assert reviewer_client.get("/").status_code == 200
    with reviewer_client.session_transaction() as sess:
        sess["seen_at"] = time.time() - app.config["SESSION_IDLE_TIMEOUT"].total_seconds() - 5
    assert reviewer_client.get("/").status_code == 302
    login(reviewer_client, "rita")
    with reviewer_client.session_transaction() as sess:
        sess["auth_at"] = time.time() - app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() - 5
    assert reviewer_client.get("/").status_code == 302


def test_passwords_are_argon2id_and_never_stored_plain(app, reviewer):
    stored = User.get_by_id(reviewer.id).password_hash
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert factories.PASSWORD not in stored


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "at least 12"),
        ("password1234", "commonly used"),
        ("x" * 1025, "at most"),
    ],
)
def test_password_policy(password, message):
    with pytest.raises(ValidationError, match=message):
        passwords.check_policy(password)


def test_long_unicode_passwords_work_exactly(app):
    password = "Ω≈ç√∫ 田中さん 🐍 with spaces " * 3
    factories.user("uni", password=password)
    assert login(app.test_client(), "uni", password).status_code == 302
    assert login(app.test_client(), "uni", password[:-1]).status_code == 401
    assert login(app.test_client(), "uni", password.upper()).status_code == 401


def test_usernames_are_unique_in_any_spelling(app, system):
    factories.user("admin2", "admin")
    with pytest.raises(Exception, match="already taken"):
        users.create_user(system, "ＡＤＭＩＮ2", "another long password", "reviewer")


def test_production_refuses_a_missing_or_weak_secret(database_url):
    for secret in (None, "dev", "short"):
        with pytest.raises(ConfigError, match="CLAIMS_SECRET_KEY"):
            create_app({"ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": database_url})


def test_production_cookie_is_host_bound_secure_httponly_lax(database_url, reviewer):
    app = create_app({"ENV": "production", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": database_url})
    client = app.test_client()
    page = client.get("/login", base_url="https://claims.example")
    response = client.post(
        "/login",
        base_url="https://claims.example",
        headers={"Referer": "https://claims.example/login"},
        data={
            "username": "rita",
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    cookie = response.headers["Set-Cookie"].lower()
    assert cookie.startswith("__host-claims_session=")
    for part in ("secure", "httponly", "samesite=lax", "path=/"):
        assert part in cookie
    assert "domain=" not in cookie
    hsts = response.headers["Strict-Transport-Security"]
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
    assert int(hsts.split("=")[1].split(";")[0]) >= 31536000
