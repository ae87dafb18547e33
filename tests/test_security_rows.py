"""SECURITY.md rows checked one by one: CSRF token age and HTTPS referrers, the exempt list,
templates that never evaluate what a user typed, sanitized HTML only in element context, the
dependency floor, one log line per event, no JSONP or CORS, download names, the production
configuration and what is served."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from claims import create_app, logs
from claims.models import Article, AuditEvent, Claim, Source
from tests import factories
from tests.conftest import csrf_token, login
from tests.netguard import no_network  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ROOT.parent / "shared" / "payloads"


def paste(client, title: str, text: str = "The council approved a $48 million flood wall."):
    token = csrf_token(client.get("/articles/new").text)
    return client.post("/articles/new", data={"csrf_token": token, "title": title, "text": text})


# CSRF-03 ------------------------------------------------------------------------------------------


def test_a_token_older_than_the_time_limit_is_refused(app, reviewer_client, monkeypatch):
    from itsdangerous import TimestampSigner

    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    issued = time.time() - limit - 60
    real = TimestampSigner.get_timestamp

    def csrf_issued_long_ago(signer: TimestampSigner) -> int:
        # Only the CSRF token's signer; the session cookie keeps the real time.
        return int(issued) if b"csrf" in bytes(signer.salt) else real(signer)

    monkeypatch.setattr(TimestampSigner, "get_timestamp", csrf_issued_long_ago)
    old_token = csrf_token(reviewer_client.get("/articles/new").text)
    monkeypatch.undo()
    before = Article.select().count()

    response = reviewer_client.post(
        "/articles/new", data={"csrf_token": old_token, "title": "Late", "text": "A $5 fee."}
    )

    assert response.status_code == 400
    assert "The CSRF token has expired." in response.text and "Reload the page" in response.text
    assert Article.select().count() == before
    fresh = paste(reviewer_client, "On time")
    assert fresh.status_code == 302 and Article.select().count() == before + 1


# CSRF-04 ------------------------------------------------------------------------------------------

HTTPS = "https://localhost"


@pytest.mark.parametrize(
    ("referrer", "reason"),
    [
        (None, "The referrer header is missing."),
        ("http://localhost/articles/new", "The referrer does not match the host."),
        ("https://other.example/articles/new", "The referrer does not match the host."),
        ("https://localhost:8080/articles/new", "The referrer does not match the host."),
        ("null", "The referrer does not match the host."),
    ],
)
def test_over_https_a_form_needs_a_same_origin_referrer(app, reviewer_client, referrer, reason):
    token = csrf_token(reviewer_client.get("/articles/new", base_url=HTTPS).text)
    headers = {} if referrer is None else {"Referer": referrer}
    before = Article.select().count()

    response = reviewer_client.post(
        "/articles/new",
        base_url=HTTPS,
        headers=headers,
        data={"csrf_token": token, "title": "Cross", "text": "A $5 fee."},
    )

    assert response.status_code == 400
    assert reason in response.text
    assert Article.select().count() == before
    event = (
        AuditEvent.select()
        .where(AuditEvent.action == "csrf.refused")
        .order_by(AuditEvent.id.desc())
    )
    assert json.loads(event.first().after)["reason"] == reason


def test_over_https_a_same_origin_form_is_accepted(app, reviewer_client):
    token = csrf_token(reviewer_client.get("/articles/new", base_url=HTTPS).text)
    response = reviewer_client.post(
        "/articles/new",
        base_url=HTTPS,
        headers={"Referer": "https://localhost/articles/new"},
        data={"csrf_token": token, "title": "Same site", "text": "A $5 fee."},
    )
    assert response.status_code == 302
    assert Article.get(Article.title == "Same site")


# CSRF-06 ------------------------------------------------------------------------------------------


def test_the_csrf_exempt_views_are_the_documented_empty_list(app):
    from claims.views import csrf
    from claims.views.access import CSRF_EXEMPT_VIEWS

    assert not CSRF_EXEMPT_VIEWS
    assert csrf._exempt_views == set(CSRF_EXEMPT_VIEWS)
    assert csrf._exempt_blueprints == set()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "No view is exempt from the CSRF check" in " ".join(readme.split())


def test_a_bad_api_token_beside_a_session_does_not_skip_the_csrf_check(app, reviewer_client):
    before = Article.select().count()
    response = reviewer_client.post(
        "/api/articles",
        json={"text": "A $5 fee.", "title": "Token?"},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf"
    assert Article.select().count() == before


# XSS-03 -------------------------------------------------------------------------------------------


def test_every_template_is_html_with_autoescape(app):
    templates = [p for p in (ROOT / "templates").rglob("*") if p.is_file()]
    assert templates
    assert [p.name for p in templates if p.suffix != ".html"] == []
    assert all(app.jinja_env.autoescape(p.name) for p in templates)  # type: ignore[operator]


TEMPLATE_SYNTAX = "{{7*7}} {% print 1 %} {{ config }} {# note #}"


def test_template_syntax_in_what_users_type_renders_literally(app, reviewer_client, reviewer):
    assert (
        paste(reviewer_client, TEMPLATE_SYNTAX, f"{TEMPLATE_SYNTAX} paid $48 million.").status_code
        == 302
    )
    article = Article.get(Article.title == TEMPLATE_SYNTAX)
    claim = Claim.get(Claim.article == article.id)
    shown = [
        reviewer_client.get(f"/articles/{article.id}").text,
        reviewer_client.get(f"/claims/{claim.id}").text,
        reviewer_client.get("/").text,
    ]
    for html in shown:
        assert "{{7*7}}" in html and "{% print 1 %}" in html
        assert "SECRET_KEY" not in html and "&lt;Config" not in html


# SAN-04 -------------------------------------------------------------------------------------------

SANITIZED_FILTERS = ("markdown", "archived")


def _expressions(source: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(1)) for m in re.finditer(r"\{\{(.*?)\}\}", source, flags=re.S)]


def test_sanitized_html_is_emitted_only_in_element_context():
    uses = 0
    for path in (ROOT / "templates").rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b", source), f"{path.name}: |safe"
        assert "autoescape false" not in source, f"{path.name}: autoescape off"
        for start, body in _expressions(source):
            filters = set(re.findall(r"\|\s*(\w+)", body))
            if "jsonld" in filters:
                before = source[:start]
                assert before.rstrip().endswith('<script type="application/ld+json">'), path.name
                continue
            if not filters & set(SANITIZED_FILTERS):
                continue
            uses += 1
            tag_open, tag_close = source.rfind("<", 0, start), source.rfind(">", 0, start)
            assert tag_close > tag_open, f"{path.name}: sanitized HTML inside a tag"
            assert not re.search(r"<(script|style|textarea|title)\b[^>]*>\s*$", source[:start])
        # A value filtered once and emitted later (`{% set x = ...|archived %}` then `{{ x }}`).
        for name in re.findall(r"\{%\s*set\s+(\w+)\s*=[^%]*\|\s*(?:markdown|archived)", source):
            for match in re.finditer(r"\{\{\s*" + name + r"\s*\}\}", source):
                uses += 1
                before = source[: match.start()]
                assert before.rfind(">") > before.rfind("<"), f"{path.name}: {name} in a tag"
    assert uses >= 4


def test_markup_is_built_only_by_the_sanitizing_filters():
    allowed = {("claims/filters.py", "markdown"), ("claims/filters.py", "archived")}
    allowed.add(("claims/filters.py", "jsonld"))
    allowed.add(("claims/filters.py", "highlight"))  # escapes everything, then adds <mark>
    found = set()
    for path in (ROOT / "claims").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        function = None
        for line in source.splitlines():
            head = re.match(r"def (\w+)\(", line)
            if head:
                function = head.group(1)
            if re.search(r"\bMarkup\(", line) and not line.lstrip().startswith("#"):
                found.add((str(path.relative_to(ROOT)), function))
    assert found == allowed


def test_exports_carry_notes_as_json_strings(app, reviewer, reviewer_client):
    from claims.services import evidence

    article = factories.article(reviewer)
    claim = Claim.get(Claim.article == article.id)
    source = factories.source("Ministry")
    note = 'See <img src=x onerror=alert(1)> and [x](javascript:alert(1)) "quoted" </script>'
    item = evidence.add_evidence(
        factories.actor_for(reviewer),
        claim.id,
        source.id,
        excerpt="A wall.",
        stance="supports",
        note=note,
    )
    body = reviewer_client.get(f"/api/evidence/{item.id}")
    assert body.mimetype == "application/json"
    assert json.loads(body.data)["note"] == note
    page = reviewer_client.get(f"/claims/{claim.id}").text
    assert "<img" not in page and 'href="javascript:' not in page


# SSRF-15 ------------------------------------------------------------------------------------------

FLOORS = {"urllib3": "2.7.0", "requests": "2.32.4"}


def test_the_http_stack_is_at_or_above_its_security_floor():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {Requirement(line).name: Requirement(line) for line in project["dependencies"]}
    for name, floor in FLOORS.items():
        spec = declared[name].specifier
        assert Version(floor) in spec, f"{name} {spec} excludes {floor}"
        lowest = min(
            (Version(s.version) for s in spec if s.operator in (">=", "~=", "==")), default=None
        )
        assert lowest is not None and lowest >= Version(floor), f"{name} floor {lowest}"
        assert Version(metadata.version(name)) >= Version(floor), f"installed {name} is too old"


# LOG-06 -------------------------------------------------------------------------------------------


def blns_controls() -> list[str]:
    """The naughty-strings lines that hold control characters, plus the line separators."""
    raw = (PAYLOADS / "naughty-strings.txt").read_bytes().decode("utf-8", "surrogateescape")
    lines = [line for line in raw.split("\n") if line and not line.startswith("#")]
    controls = [line for line in lines if re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", line)]
    assert controls, "the payload file has no control-character lines"
    return [*controls, "a\r\nFAKE INFO claims forged", "a\u2028b", "a\u0085b", "a\u2029b"]


@pytest.fixture
def log_stream():
    logger = logs.configure()
    handler = next(h for h in logger.handlers if isinstance(h.formatter, logs.OneLineFormatter))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_each_logged_event_is_one_line_whatever_it_contains(app, log_stream):
    values = blns_controls()
    log = logging.getLogger("claims.test")
    for value in values:
        log.warning("fetch refused: %s", value)
    lines = log_stream.getvalue().split("\n")
    assert lines[-1] == ""
    assert len(lines) - 1 == len(values)
    for line, value in zip(lines, values, strict=False):
        assert re.fullmatch(r"\S+ \S+ WARNING claims\.test \[-\] fetch refused: .*", line)
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", line)
        assert line.endswith("fetch refused: " + logs.escape(value))


def test_a_failed_sign_in_with_line_breaks_in_the_name_is_one_log_line(app, client, log_stream):
    names = ["eve\r\n2026-11-25 INFO claims.security login.succeeded", "eve\u2028x", "eve\u0085x"]
    for name in names:
        login(client, name, "wrong password")
    records = [r for r in log_stream.getvalue().splitlines() if "login.failed" in r]
    assert len(records) == len(names)
    assert all(re.match(r"\S+ \S+ WARNING claims\.security \[[0-9a-f]{32}\] ", r) for r in records)
    assert not any("login.succeeded" in r and "login.failed" not in r for r in records)
    assert log_stream.getvalue().count("\n") == len(names)


def test_a_traceback_is_marked_as_continuation_lines(app, log_stream):
    try:
        raise ValueError("bad\nINFO forged line")
    except ValueError:
        logging.getLogger("claims").exception("import failed for %s", "x\ry")
    first, *rest = log_stream.getvalue().rstrip("\n").split("\n")
    assert first.endswith("import failed for x\\ry")
    assert rest and all(line.startswith("  | ") for line in rest)
    assert "  | ValueError: bad" in rest and "  | INFO forged line" in rest


# API-03 -------------------------------------------------------------------------------------------


def test_no_jsonp_and_no_cors_for_other_origins(app, reviewer_client):
    factories.article(factories.user("writer"))
    evil = {"Origin": "https://evil.example"}
    for url in ("/api/claims?callback=steal", "/api/me?callback=steal&jsonp=steal"):
        response = reviewer_client.get(url, headers=evil)
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert not response.text.lstrip().startswith("steal")
        json.loads(response.data)
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = reviewer_client.options(
        "/api/articles",
        headers={
            **evil,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-CSRFToken",
        },
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    from tests.test_publishing import SETTINGS

    app.config.update(SETTINGS)
    public = app.test_client().get("/public/claimreview.json?callback=steal", headers=evil)
    assert public.status_code == 200 and "Access-Control-Allow-Origin" not in public.headers
    assert not public.text.startswith("steal")


# API-05 -------------------------------------------------------------------------------------------

HEADER = re.compile(
    r"""attachment; filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)"""
)


def download_titles() -> list[str]:
    raw = (PAYLOADS / "naughty-strings.txt").read_bytes().decode("utf-8", "surrogateescape")
    lines = [line for line in raw.split("\n") if line and not line.startswith("#")]
    non_ascii = [line for line in lines if not line.isascii()][:40]
    return [
        'Ministry "statement"; part 2',
        "line\r\nX-Injected: yes",
        "../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "   ",
        "Марокко и Индия — заявление",
        *non_ascii,
    ]


def test_download_names_from_titles_make_one_valid_header(app, reviewer_client):
    source = factories.source("Placeholder", url="https://example.org/a")
    shot = factories.snapshot(source, b"<p>Body</p>")
    for title in download_titles():
        Source.update(title=title).where(Source.id == source.id).execute()
        response = reviewer_client.get(f"/sources/snapshots/{shot.id}/original")
        assert response.status_code == 200, repr(title)
        values = response.headers.getlist("Content-Disposition")
        assert len(values) == 1, repr(title)
        match = HEADER.fullmatch(values[0])
        assert match, (title, values[0])
        assert match.group(1) == f"snapshot-{shot.id}-{shot.sha256[:12]}.html"
        name = unquote(match.group(2), errors="strict")
        assert name.endswith(".html") and not name.startswith(".")
        assert not re.search(r'[/\\"\x00-\x1f\x7f;]', name)
        assert "X-Injected" not in response.headers
    Source.update(title="Ministry statement").where(Source.id == source.id).execute()
    named = reviewer_client.get(f"/sources/snapshots/{shot.id}/original")
    assert "filename*=UTF-8''Ministry-statement-" in named.headers["Content-Disposition"]


def test_the_audit_download_has_a_plain_dated_name(editor_client):
    value = editor_client.get("/audit/export.jsonl").headers["Content-Disposition"]
    assert re.fullmatch(
        r"""attachment; filename="audit-\d{8}T\d{6}Z\.jsonl"; filename\*=UTF-8''audit-\d{8}T\d{6}Z\.jsonl""",
        value,
    )


# CFG-01, CFG-03 -----------------------------------------------------------------------------------


def test_the_production_configuration_has_no_debugger(database_url, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"ENV": "production", "SECRET_KEY": "p" * 48, "DATABASE_URL": database_url})
    assert app.debug is False and app.testing is False
    assert app.config["TESTING"] is False and app.config["PROPAGATE_EXCEPTIONS"] is not True
    client = app.test_client()
    for url in ("/console", "/console?__debugger__=yes&cmd=resource&f=style.css"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Werkzeug" not in response.text and "debugger" not in response.text.lower()


NOT_SERVED = [
    "/.git/config",
    "/.git/HEAD",
    "/app.py",
    "/config.py",
    "/claims/config.py",
    "/pyproject.toml",
    "/instance/secret_key",
    "/templates/base.html",
    "/static/../app.py",
    "/static/%2e%2e/app.py",
    "/static/..%2fapp.py",
    "/static/../../pyproject.toml",
    "/.env",
    "/README.md",
]


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_only_static_files_are_served(app, client, admin, who):
    if who == "admin":
        assert login(client, admin.username).status_code == 302
    for url in NOT_SERVED:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"import " not in response.data and b"[core]" not in response.data
    assert client.get("/static/style.css").status_code == 200


# CFG-04 -------------------------------------------------------------------------------------------


def test_ci_audits_the_dependencies_and_accepts_findings_only_until_a_date():
    import datetime as dt

    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"pip-audit --local --skip-editable --strict", script)
    assert "pip-audit-ignore" in script and "has passed" in script
    today = dt.datetime.now(dt.UTC).date()
    for line in (ROOT / ".ci" / "pip-audit-ignore").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        vuln, until, *why = line.split()
        assert re.fullmatch(r"[A-Z]+-[\w-]+", vuln) and why, line
        assert today <= dt.date.fromisoformat(until) <= today + dt.timedelta(days=30), line


# AUTH-03, AUTH-06, SESS-06 ------------------------------------------------------------------------


def test_long_passphrases_need_no_composition_but_common_ones_are_refused():
    import gzip

    from claims import passwords
    from claims.errors import ValidationError

    for fine in ("a" * 16, "correct horse battery staple", "ééééééééééééééé"):
        passwords.check_policy(fine)
    with gzip.open(passwords._COMMON_LIST, "rt", encoding="utf-8") as fh:
        common = [line.strip() for line in fh if line.strip()]
    assert len(common) >= 3000
    long_enough = [p for p in common if len(p) >= 12][:50]
    assert len(long_enough) >= 10
    for password in long_enough:
        with pytest.raises(ValidationError, match="commonly used"):
            passwords.check_policy(password)
        with pytest.raises(ValidationError, match="commonly used"):
            passwords.check_policy(password.upper())


def test_a_fresh_database_has_no_account_and_the_first_admin_comes_from_the_cli(app):
    from claims.models import User

    assert User.select().count() == 0
    assert (
        app.test_client()
        .post("/login", data={"username": "admin", "password": "admin"})
        .status_code
        == 400
    )
    result = app.test_cli_runner().invoke(
        args=["users", "create", "chief", "--role", "admin"], input="chief's long passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert "chief's long passphrase" not in result.output
    assert [(u.username, u.role) for u in User.select()] == [("chief", "admin")]
    assert login(app.test_client(), "chief", "chief's long passphrase").status_code == 302


def tracked_files() -> list[Path]:
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):  # not a checkout: every file
        return [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_secret_key_is_in_the_repository():
    files = tracked_files()
    assert files
    assert not [p for p in files if p.relative_to(ROOT).parts[0] == "instance"]
    assert "instance/" in (ROOT / ".gitignore").read_text(encoding="utf-8")
    assignment = re.compile(r"""SECRET_KEY["']?\s*[:=]\s*["']([^"']{8,})["']""")
    for path in files:
        if path.suffix not in {".py", ".toml", ".md", ".cfg", ".ini", ".env", ".txt", ""}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for value in assignment.findall(text):
            # Tests build throwaway keys in the code ("x" * 40); a literal key is a leak.
            assert path.parts[-2] == "tests" or value.startswith("benchmark-"), (path, value)


# AC-04 --------------------------------------------------------------------------------------------


def test_a_downgrade_takes_effect_on_the_next_request(app, system):
    from claims.services import users

    chief = factories.user("chief", "editor")
    browser = app.test_client()
    assert login(browser, "chief").status_code == 302
    token = app.test_cli_runner().invoke(args=["users", "token", "chief", "--name", "s"]).output
    bearer = {"Authorization": f"Bearer {token.strip()}"}
    assert browser.get("/audit/").status_code == 200
    assert app.test_client().get("/api/audit", headers=bearer).status_code == 200

    users.change_role(system, chief, "reviewer")

    after = browser.get("/audit/")  # the role change ended the session
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    assert app.test_client().get("/api/audit", headers=bearer).status_code in (401, 403)
    assert login(browser, "chief").status_code == 302
    assert browser.get("/audit/").status_code == 403


# LOG-01, LOG-05, CFG-02 ---------------------------------------------------------------------------


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action))


def test_sign_out_and_exports_each_leave_one_event(app, reviewer, editor, tmp_path):
    client = app.test_client()
    assert login(client, reviewer.username).status_code == 302
    token = csrf_token(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert [e.actor_id for e in events("user.logout")] == [reviewer.id]

    runner = app.test_cli_runner()
    from tests.test_publishing import SETTINGS

    app.config.update(SETTINGS)
    result = runner.invoke(args=["export", "claimreview", "-o", str(tmp_path / "feed.json")])
    assert result.exit_code == 0, result.output
    (exported,) = events("claimreview.export")
    assert json.loads(exported.after)["written"] == 0
    result = runner.invoke(args=["archive", "export", "-o", str(tmp_path / "all.jsonl")])
    assert result.exit_code == 0, result.output
    assert len(events("archive.export")) == 1


def test_no_secret_reaches_the_log_or_the_trail(app, reviewer, log_stream):
    client = app.test_client()
    assert login(client, reviewer.username).status_code == 302
    cookie = client.get_cookie("session").value
    token = csrf_token(client.get("/articles/new").text)
    client.post("/articles/new", data={"csrf_token": "forged", "text": "A $5 fee."})
    client.post("/articles/new", data={"csrf_token": token, "url": "http://127.0.0.1:9/x"})
    login(app.test_client(), reviewer.username, "a wrong but secret password")
    api_token = app.test_cli_runner().invoke(args=["users", "token", reviewer.username]).output
    api = app.test_client()
    api.get("/api/me", headers={"Authorization": f"Bearer {api_token.strip()}"})
    api.get("/api/me", headers={"Authorization": "Bearer wrong-secret-token-value"})

    logged = log_stream.getvalue()
    trail = " ".join(f"{e.before} {e.after}" for e in AuditEvent.select())
    assert "fetch.refused" in logged and "csrf.refused" in logged and "login.failed" in logged
    for secret in (
        factories.PASSWORD,
        "a wrong but secret password",
        cookie,
        token,
        api_token.strip(),
        "wrong-secret-token-value",
    ):
        assert secret not in logged and secret not in trail


def test_an_api_failure_is_generic_json_and_logged_with_its_request_id(
    app, reviewer_client, monkeypatch, log_stream
):
    from claims.services import claims as claim_service

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail /etc/passwd SELECT * FROM user")

    monkeypatch.setattr(claim_service, "search_claims", boom)
    response = reviewer_client.get("/api/claims")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert response.json["error"]["code"] == "internal_error"
    for leak in ("secret internal", "Traceback", "/etc/passwd", "SELECT", ".py"):
        assert leak not in response.text
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    logged = log_stream.getvalue()
    assert f"[{request_id}]" in logged and "  | RuntimeError: secret internal detail" in logged


# HDR-07 -------------------------------------------------------------------------------------------


def test_external_addresses_never_come_from_the_host_header(app, reviewer, editor, database_url):
    from tests.test_publishing import SETTINGS, publish

    app.config.update(SETTINGS)
    claim = publish(reviewer, editor)
    evil = {"Host": "evil.example"}
    served = app.test_client().get(f"/public/claims/{claim.id}/claimreview.json", headers=evil)
    assert served.status_code == 200 and "evil.example" not in served.text
    assert served.json["url"].startswith(SETTINGS["PUBLIC_BASE_URL"])
    redirect = app.test_client().get("/articles/new", headers=evil)
    assert redirect.status_code == 302 and "evil.example" not in redirect.headers["Location"]

    guarded = create_app(
        {**SETTINGS, "DATABASE_URL": database_url, "TRUSTED_HOSTS": "claims.example"}
    )
    assert guarded.test_client().get("/login", headers=evil).status_code == 400
    ok = guarded.test_client().get("/login", headers={"Host": "claims.example"})
    assert ok.status_code == 200


# IN-01, IN-06 -------------------------------------------------------------------------------------


def test_a_multipart_upload_over_the_limit_is_413_and_writes_nothing(app, reviewer_client):
    token = csrf_token(reviewer_client.get("/articles/new").text)
    before = Article.select().count()
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    response = reviewer_client.post(
        "/articles/new",
        data={"csrf_token": token, "file": (io.BytesIO(b"x" * size), "big.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert Article.select().count() == before


@pytest.mark.parametrize(
    "body",
    [
        "title=%ED%A0%80&text=A+%245+fee.",  # a lone surrogate, UTF-8 encoded
        "title=%FF%FE&text=A+%245+fee.",  # not UTF-8
        "title=%zz%&text=A+%245+fee.%",  # bad %-escapes
        "title=%C0%AF&text=%E2%82",  # overlong and truncated sequences
    ],
)
def test_bad_bytes_in_a_form_body_are_a_clear_answer(app, reviewer_client, body):
    token = csrf_token(reviewer_client.get("/articles/new").text)
    before = Article.select().count()
    response = reviewer_client.post(
        "/articles/new",
        data=f"csrf_token={token}&{body}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 302, 400, 422), response.status_code
    if response.status_code != 302:
        assert Article.select().count() == before
    for article in Article.select():
        assert "\ufffd" not in (article.title or "") or "%" not in body


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "q=%zz", "status=%FF", "q=%"])
def test_bad_bytes_in_a_query_string_are_400_or_ignored(reviewer_client, query):
    for path in ("/queue", "/sources/", "/api/claims"):
        response = reviewer_client.get(f"{path}?{query}")
        assert response.status_code in (200, 400, 422), (path, response.status_code)


# XSS-04, XSS-05 -----------------------------------------------------------------------------------


def test_a_script_address_written_into_the_database_is_never_a_link(app, reviewer, reviewer_client):
    article = factories.article(reviewer)
    source = factories.source("Planted", url="https://example.org/ok")
    bad = "javascript:alert(document.cookie)//https://example.org/"
    Article.update(url=bad).where(Article.id == article.id).execute()
    Source.update(url=bad).where(Source.id == source.id).execute()
    claim = Claim.get(Claim.article == article.id)
    for url in (
        f"/articles/{article.id}",
        f"/claims/{claim.id}",
        f"/sources/{source.id}",
        "/sources/",
    ):
        html = reviewer_client.get(url).text
        assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I), url


ATTRIBUTE_BREAKER = '" autofocus onfocus=alert(1) x="'


def test_values_stay_inside_their_attributes(app, reviewer, reviewer_client):
    from html.parser import HTMLParser

    article = factories.article(reviewer)
    source = factories.source("Planted")
    claim = Claim.get(Claim.article == article.id)
    Article.update(title=ATTRIBUTE_BREAKER, byline=ATTRIBUTE_BREAKER).where(
        Article.id == article.id
    ).execute()
    Source.update(title=ATTRIBUTE_BREAKER, publisher=ATTRIBUTE_BREAKER).where(
        Source.id == source.id
    ).execute()
    Claim.update(statement=ATTRIBUTE_BREAKER).where(Claim.id == claim.id).execute()

    class Attributes(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.names: set[str] = set()
            self.values: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.names.update(name for name, _ in attrs)
            self.values.extend(value or "" for _, value in attrs)

    pages = [
        f"/articles/{article.id}",
        f"/claims/{claim.id}",
        f"/sources/{source.id}",
        "/sources/",
        "/",
        "/queue",
    ]
    seen_inside = 0
    for url in pages:
        parser = Attributes()
        parser.feed(reviewer_client.get(url).text)
        assert not {"autofocus", "onfocus"} & parser.names, url  # (SVG has its own x=)
        seen_inside += sum(ATTRIBUTE_BREAKER in value for value in parser.values)
    assert seen_inside >= 2  # e.g. the edit forms' value= attributes hold the whole text


# SSRF-12 ------------------------------------------------------------------------------------------


def test_nothing_but_the_fetcher_opens_urls():
    import ast

    for path in [*(ROOT / "claims").rglob("*.py"), ROOT / "app.py"]:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        where = str(path.relative_to(ROOT))
        assert not {m for m in imported if m.split(".")[0] in {"requests_file", "httpx"}}
        assert "urllib.request" not in imported and "urlopen" not in source, where
        assert "http.client" not in imported and "aiohttp" not in imported, where
        if where != "claims/fetch.py":
            assert not {m for m in imported if m.split(".")[0] in {"requests", "urllib3"}}, where
            calls = [
                n.func.attr
                for n in ast.walk(tree)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            ]
            assert "mount" not in calls, where


# IN-02, IN-05 -------------------------------------------------------------------------------------

TEXT_FIELDS = ("StringField", "TextAreaField", "URLField", "PasswordField", "SearchField")


def form_classes() -> list[type]:
    import inspect

    from claims import forms

    return [
        cls
        for _, cls in inspect.getmembers(forms, inspect.isclass)
        if issubclass(cls, forms.Form)
        and cls is not forms.Form
        and cls.__module__ == forms.__name__
    ]


def test_every_text_field_has_a_length_limit_and_refuses_one_more(app):
    from wtforms.validators import Length

    checked = 0
    with app.test_request_context(method="POST"):
        for cls in form_classes():
            for name, unbound in vars(cls).items():
                if getattr(unbound, "field_class", None) is None:
                    continue
                if unbound.field_class.__name__ not in TEXT_FIELDS:
                    continue
                validators = unbound.kwargs.get("validators") or []
                limits = [v.max for v in validators if isinstance(v, Length) and v.max >= 0]
                assert limits, f"{cls.__name__}.{name} has no Length(max=...)"
                from werkzeug.datastructures import MultiDict

                form = cls(formdata=MultiDict({name: "a" * (limits[0] + 1)}), meta={"csrf": False})
                form.validate()
                assert getattr(form, name).errors, f"{cls.__name__}.{name} took max+1 characters"
                checked += 1
    assert checked >= 30


def scheme_lines() -> list[str]:
    raw = (PAYLOADS / "xss.txt").read_bytes().decode("utf-8", "surrogateescape")
    lines = [line.strip() for line in raw.split("\n")]
    found = [line for line in lines if re.match(r"^[A-Za-z][\w+.\-]*\s*:", line)]
    assert len(found) >= 5
    return found


def test_script_and_data_addresses_are_refused_by_every_url_field(app, reviewer_client, reviewer):
    article = factories.article(reviewer)
    claim = Claim.get(Claim.article == article.id)
    before = {m: m.select().count() for m in (Article, Source, Claim)}
    forms = {
        "/articles/new": ("/articles/new", {"title": "X", "text": "", "url": None}),
        "/sources/new": ("/sources/new", {"title": "X", "url": None}),
        f"/claims/{claim.id}/evidence": (
            f"/claims/{claim.id}",
            {"source": None, "excerpt": "A wall.", "stance": "supports"},
        ),
    }
    for line in scheme_lines():
        for action, (page, data) in forms.items():
            token = csrf_token(reviewer_client.get(page).text)
            filled = {k: (line if v is None else v) for k, v in data.items()}
            response = reviewer_client.post(action, data={**filled, "csrf_token": token})
            assert response.status_code in (200, 400, 422), (action, line)
            assert (
                "javascript:"
                not in response.text.lower().replace("&#34;", '"').split('value="')[0][:0]
            )
        api = reviewer_client.post(
            "/api/sources",
            json={"url": line},
            headers={"X-CSRFToken": csrf_token(reviewer_client.get("/sources/new").text)},
        )
        assert api.status_code in (400, 422), line
    assert before == {m: m.select().count() for m in (Article, Source, Claim)}
    assert (
        not Source.select()
        .where(Source.url.contains(":"))
        .where(~(Source.url.startswith("http://") | Source.url.startswith("https://")))
        .exists()
    )


def test_a_url_field_takes_2048_characters_and_refuses_2049(app, reviewer_client, no_network):
    base = "https://example.org/"

    def limit_named(html: str) -> bool:
        text = re.sub(r"<[^>]*>", "", html)  # the message, not the input's maxlength=
        return "2048" in re.sub(r"[\s,\u202f]|&#8239;|&nbsp;", "", text)

    for page in ("/articles/new", "/sources/new"):
        for length, refused in ((2049, True), (2048, False)):
            token = csrf_token(reviewer_client.get(page).text)
            response = reviewer_client.post(
                page,
                data={"csrf_token": token, "title": "X", "url": base + "a" * (length - len(base))},
            )
            assert response.status_code in (200, 400, 422)
            assert limit_named(response.text) is refused, (page, length)
    assert Article.select().count() == 0 and Source.select().count() == 0


# LOG-02 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "recorded"),
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy trusted: a client cannot pick its address
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # only the hop the proxy added
    ],
)
def test_events_take_the_address_from_the_trusted_proxy_setting(
    database_url, reviewer, proxies, forwarded, recorded
):
    from datetime import UTC, datetime, timedelta

    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "k" * 40, "TRUSTED_PROXIES": proxies}
    )
    client = app.test_client()
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": reviewer.username,
            "password": "wrong",
            "csrf_token": csrf_token(form.text),
        },
        headers={"X-Forwarded-For": forwarded},
    )
    assert response.status_code == 401
    from claims.db import connection

    with connection():
        event = AuditEvent.select().where(AuditEvent.action == "login.failed").get()
    assert event.ip == recorded
    assert event.request_id == response.headers["X-Request-ID"]
    assert event.actor_name and event.entity_type == "user" and event.entity_id == reviewer.id
    now = datetime.now(UTC).replace(tzinfo=None)
    assert now - timedelta(minutes=1) < event.at <= now  # stored in UTC


# Limits: pagination caps --------------------------------------------------------------------------


def test_no_list_returns_more_than_its_cap_however_much_is_asked(app, reviewer, editor_client):
    from claims.models import Source

    cap = app.config["MAX_PAGE_SIZE"]
    Source.insert_many(
        [{"title": f"Bulletin {i}", "kind": "other"} for i in range(cap + 5)]
    ).execute()
    article = factories.article(
        reviewer, " ".join(f"Item {i} cost ${i + 1} million." for i in range(cap + 5))
    )
    assert Claim.select().where(Claim.article == article.id).count() > cap
    for url, key in (
        ("/api/sources?limit=100000", "sources"),
        ("/api/claims?limit=100000", "claims"),
        ("/api/audit?limit=100000", "events"),
        ("/api/export/claimreview?limit=100000", "dataFeedElement"),
    ):
        response = editor_client.get(url)
        if response.status_code == 503:  # publishing not configured: nothing to list anyway
            continue
        assert response.status_code == 200, url
        listed = response.json[key]
        assert len(listed) <= cap, url
        if key in ("sources", "claims", "events"):
            assert len(listed) == cap and response.json["next"], url
    page = editor_client.get("/sources/?limit=100000").text
    assert page.count('href="/sources/') <= app.config["PAGE_SIZE"] + 20
