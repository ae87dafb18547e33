"""The fetcher and its guard (SECURITY.md 4.9, SSRF-01 to SSRF-12).

Every test runs with the socket guard and the offline resolver of tests/netguard.py: a connect
anywhere but a 127.0.0.1 server the test started fails the test, and no name lookup leaves the
machine. Deadlines are short (1.5 s) so the slow cases stay quick.
"""

from __future__ import annotations

import ast
import ipaddress
import shutil
import socket
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import fetch as fetch_module
from claims.errors import ConfigError, FetchFailedError, FetchRefusedError
from claims.fetch import (
    BAD_PORT,
    CREDENTIALS,
    DOWNGRADE,
    INTERNAL,
    MALFORMED,
    NOT_HTTP,
    SLOW,
    TOO_LONG,
    TOO_MANY_REDIRECTS,
    UNREACHABLE,
    UNRESOLVED,
    UNVERIFIED,
    USER_AGENT,
    check_url,
    fetch,
    parse_allowlist,
)
from tests.http_server import (
    PAGE,
    LoopbackServer,
    huge,
    loopback_server,  # noqa: F401
    make_certificate,
    page,
    start_server,
)
from tests.netguard import (
    PUBLIC_ADDRESS,
    FakeDNS,
    NetworkGuard,
    NetworkGuardError,
    ResolutionRow,
    fake_dns,  # noqa: F401
    no_network,  # noqa: F401
    payload_lines,
    resolution_rows,
)

DEADLINE = 1.5
MiB = 1024 * 1024
TLS_HOST = "claims-test.example"


@pytest.fixture(autouse=True)
def offline(no_network: NetworkGuard, fake_dns: FakeDNS) -> None:
    """Every test here: socket guard on, resolver stubbed."""


def allow(server: LoopbackServer, *more: str) -> frozenset[str]:
    """An allow-list naming exactly this server's 127.0.0.1:port."""
    return parse_allowlist([server.netloc, *more])


# --- the guard's own tests (Advocate: "make sure they're testy") -----------------------------


def test_guard_stops_an_unguarded_requests_get(no_network: NetworkGuard) -> None:
    with pytest.raises(NetworkGuardError):
        requests.get("http://192.0.2.1/", timeout=1)
    assert no_network.take_blocked() == [("192.0.2.1", 80)]


def test_guard_stops_loopback_ports_the_test_did_not_open(no_network: NetworkGuard) -> None:
    with pytest.raises(NetworkGuardError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with socket.socket() as sock, pytest.raises(NetworkGuardError):
        sock.connect(("127.0.0.2", 80))
    with socket.socket() as sock, pytest.raises(NetworkGuardError):
        sock.connect_ex(("127.0.0.1", 9))
    assert no_network.take_blocked() == [("127.0.0.1", 9), ("127.0.0.2", 80), ("127.0.0.1", 9)]


def test_guard_lets_the_tests_own_server_through(
    loopback_server: LoopbackServer, no_network: NetworkGuard
) -> None:
    assert requests.get(loopback_server.url(), timeout=2).content == PAGE
    assert no_network.attempts == [("127.0.0.1", loopback_server.port)]


def test_fake_dns_answers_only_offline(fake_dns: FakeDNS) -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 80)
    numeric = socket.getaddrinfo("2130706433", 80, type=socket.SOCK_STREAM)
    assert {row[4][0] for row in numeric} == {"127.0.0.1"}
    assert {row[4][0] for row in socket.getaddrinfo("localhost", 80)} >= {"127.0.0.1"}
    assert {row[4][0] for row in socket.getaddrinfo("metadata.google.internal", 80)} == {
        "169.254.169.254"
    }


# --- SSRF-01: every ssrf-urls.txt line, refused before any connection ------------------------


def _ssrf_urls() -> Iterator[tuple[str, str]]:
    for number, line in enumerate(payload_lines("ssrf-urls.txt"), start=1):
        yield f"ssrf-urls.txt:{number}", line
        if "://" not in line:
            try:
                host = f"[{line}]" if ipaddress.ip_address(line).version == 6 else line
            except ValueError:
                host = line
            yield f"ssrf-urls.txt:{number}:as-http", f"http://{host}/"


SSRF_URLS = list(_ssrf_urls())
SSRF_CASES = [pytest.param(url, id=case) for case, url in SSRF_URLS]


@pytest.mark.parametrize("url", SSRF_CASES)
def test_ssrf_payload_refused_by_the_guard(url: str, no_network: NetworkGuard) -> None:
    with pytest.raises(FetchRefusedError):
        check_url(url)
    assert no_network.attempts == []


@pytest.mark.parametrize("url", SSRF_CASES)
def test_ssrf_payload_refused_by_fetch_without_connecting(
    url: str, no_network: NetworkGuard
) -> None:
    with pytest.raises(FetchRefusedError):
        fetch(url, deadline=DEADLINE)
    assert no_network.attempts == []


@pytest.mark.parametrize(
    "url", [pytest.param(url, id=case) for case, url in SSRF_URLS if "://" in url]
)
def test_ssrf_payload_refused_as_a_redirect_target(
    url: str, loopback_server: LoopbackServer, no_network: NetworkGuard
) -> None:
    start = loopback_server.url(f"/redirect-to?url={quote(url, safe='')}")
    with pytest.raises(FetchRefusedError):
        fetch(start, allowlist=allow(loopback_server), deadline=DEADLINE)
    assert loopback_server.paths() == [start.split(str(loopback_server.port), 1)[1]]
    assert set(no_network.attempts) == {("127.0.0.1", loopback_server.port)}


# --- SSRF-02: names that resolve inside, rebinding, redirecting sites -------------------------

ROWS = resolution_rows()


def _row_id(row: ResolutionRow) -> str:
    return f"tsv:{row.line}:{row.mechanism}"


@pytest.mark.parametrize("row", [r for r in ROWS if r.mechanism == "dns"], ids=_row_id)
def test_name_resolving_to_an_internal_address_is_refused(
    row: ResolutionRow, no_network: NetworkGuard, fake_dns: FakeDNS
) -> None:
    with pytest.raises(FetchRefusedError, match=INTERNAL):
        check_url(row.url)
    with pytest.raises(FetchRefusedError, match=INTERNAL):
        fetch(row.url, deadline=DEADLINE)
    with pytest.raises(FetchRefusedError):
        fetch(row.input, deadline=DEADLINE)  # as typed into the form
    assert no_network.attempts == []


@pytest.mark.parametrize("row", [r for r in ROWS if r.mechanism == "rebinding"], ids=_row_id)
def test_rebinding_name_is_resolved_once_and_the_checked_address_used(
    row: ResolutionRow,
    loopback_server: LoopbackServer,
    no_network: NetworkGuard,
    fake_dns: FakeDNS,
) -> None:
    # The first answer is public and passes; the connection must go to it, not to a second
    # lookup's internal answer. The guard plays the public site with the loopback server.
    loopback_server.route("/", page())
    no_network.reroute(PUBLIC_ADDRESS, 80, loopback_server.port)
    result = fetch(row.url, deadline=DEADLINE)
    assert result.body == PAGE
    assert fake_dns.count(row.host) == 1
    assert no_network.attempts == [(PUBLIC_ADDRESS, 80)]
    assert loopback_server.requests[0].headers["host"] == row.host
    # Had it looked the name up again, it would have been refused:
    with pytest.raises(FetchRefusedError, match=INTERNAL):
        check_url(row.url)


@pytest.mark.parametrize("row", [r for r in ROWS if r.mechanism == "redirect"], ids=_row_id)
def test_redirecting_site_is_refused_at_the_redirect_hop(
    row: ResolutionRow,
    tls_server: LoopbackServer,
    no_network: NetworkGuard,
) -> None:
    code, location = row.redirect
    tls_server.fallback = lambda h: h.respond(code, b"", "text/plain", {"Location": location})
    no_network.reroute(PUBLIC_ADDRESS, 443, tls_server.port)
    with pytest.raises(FetchRefusedError, match=INTERNAL):
        fetch(row.url, deadline=DEADLINE)
    assert no_network.attempts == [(PUBLIC_ADDRESS, 443)]
    assert tls_server.server_names == [row.host]
    assert len(tls_server.requests) == 1


# --- SSRF-03: address classification, resolve once, connect to what was checked --------------

REFUSED_ADDRESSES = [
    "http://0/",
    "http://0.0.0.0/",
    "http://127.1/",
    "http://127.0.0.1./",
    "http://2130706433/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # fullwidth digits, IDNA-mapped to 127.0.0.1
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.0.1/",
    "http://169.254.169.254/",
    "http://100.64.0.1/",
    "http://100.100.100.200/",
    "http://192.0.0.192/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[::]/",
    "http://[::1]/",
    "http://[::127.0.0.1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[64:ff9b:1::8.8.8.8]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[2001:0:4136:e378:8000:63bf:3f57:fdf2]/",
    "http://[2001:db8::1]/",
    "http://[fc00::1]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    "http://1.2.3.4.5/",
    "http://0x41414141A9FEA9FE/",
    "http://256.0.0.1/",
    "http://example.com.127.0.0.1/",
]


@pytest.mark.parametrize("url", REFUSED_ADDRESSES)
def test_non_public_addresses_in_any_spelling_are_refused(url: str) -> None:
    with pytest.raises(FetchRefusedError) as refused:
        check_url(url)
    assert refused.value.message in (INTERNAL, MALFORMED)


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("http://8.8.8.8/", ("8.8.8.8",)),
        ("https://[2606:4700:4700::1111]/", ("2606:4700:4700::1111",)),
        ("http://[64:ff9b::808:808]/", ("64:ff9b::808:808",)),  # NAT64 of a public address
        ("http://[2002:808:808::1]/", ("2002:808:808::1",)),  # 6to4 of a public address
        ("http://news.example/a?b=c#frag", (PUBLIC_ADDRESS,)),
    ],
)
def test_public_addresses_pass_the_guard(
    url: str, addresses: tuple[str, ...], fake_dns: FakeDNS
) -> None:
    fake_dns.add("news.example", PUBLIC_ADDRESS)
    checked = check_url(url)
    assert checked.addresses == addresses
    assert not checked.allowlisted
    assert "#" not in checked.url


def test_one_internal_address_among_public_ones_refuses_the_host(fake_dns: FakeDNS) -> None:
    fake_dns.add("mixed.example", PUBLIC_ADDRESS, "::1")
    with pytest.raises(FetchRefusedError, match=INTERNAL):
        check_url("http://mixed.example/")


def test_unknown_names_are_refused_without_a_query(fake_dns: FakeDNS) -> None:
    with pytest.raises(FetchRefusedError, match=UNRESOLVED):
        check_url("http://no-such-host.example/")
    assert fake_dns.calls == ["no-such-host.example"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/", NOT_HTTP),
        ("javascript:alert(1)", NOT_HTTP),
        ("//example.com/", NOT_HTTP),
        ("example.com", NOT_HTTP),
        ("http://example.com:22/", BAD_PORT),
        ("http://example.com:8080/", BAD_PORT),
        ("https://example.com:80/", None),
        ("http://user:pass@example.com/", CREDENTIALS),
        ("http://user@example.com/", CREDENTIALS),
        ("http://example.com/" + "a" * 2030, TOO_LONG),
        ("http:///path", MALFORMED),
        ("http://exa mple.com/", MALFORMED),
        ("http://example.com/\x00", MALFORMED),
        ("http://example.com\\@127.0.0.1/", CREDENTIALS),
        ("http://[::1/", MALFORMED),
        ("http://example.com:99999/", MALFORMED),
        ("http://%31%32%37.0.0.1/", MALFORMED),
        ("", MALFORMED),
    ],
)
def test_each_refusal_says_why(url: str, message: str | None, fake_dns: FakeDNS) -> None:
    fake_dns.add("example.com", PUBLIC_ADDRESS)
    if message is None:
        assert check_url(url).port == 80
        return
    with pytest.raises(FetchRefusedError) as refused:
        check_url(url)
    assert refused.value.message == message


def test_url_of_exactly_the_limit_is_accepted(fake_dns: FakeDNS) -> None:
    fake_dns.add("example.com", PUBLIC_ADDRESS)
    url = "http://example.com/"
    assert check_url(url + "a" * (2048 - len(url))).host == "example.com"


def test_international_names_are_resolved_in_their_ascii_form(fake_dns: FakeDNS) -> None:
    fake_dns.add("xn--strae-oqa.example", PUBLIC_ADDRESS)
    checked = check_url("https://STRASSE.example/".replace("STRASSE", "stra\u00dfe"))
    assert checked.host == "xn--strae-oqa.example"
    assert checked.url == "https://xn--strae-oqa.example/"


NUMERIC_HOSTS = st.from_regex(
    r"(0[xX][0-9a-fA-F]{0,9}|[0-9]{1,11})(\.(0[xX][0-9a-fA-F]{0,3}|[0-9]{1,4})){0,4}\.?",
    fullmatch=True,
)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(host=st.text(max_size=40) | NUMERIC_HOSTS)
def test_any_host_is_refused_or_only_public(host: str, no_network: NetworkGuard) -> None:
    try:
        checked = check_url(f"http://{host}/")
    except FetchRefusedError:
        return
    for address in checked.addresses:
        assert fetch_module._forbidden_reason(ipaddress.ip_address(address)) is None
    assert no_network.attempts == []


# --- the allow-list (how tests reach their own server) ---------------------------------------


def test_parse_allowlist_normalises_entries() -> None:
    assert parse_allowlist(None) == frozenset()
    assert parse_allowlist("") == frozenset()
    assert parse_allowlist(" 127.0.0.1:8080, Example.COM ,[::1]:81 ") == {
        "127.0.0.1:8080",
        "example.com",
        "[::1]:81",
    }
    assert parse_allowlist(["127.0.0.1:1", "x.example"]) == {"127.0.0.1:1", "x.example"}


@pytest.mark.parametrize(
    "entry", ["http://x.example", "x.example/path", "user@x.example", "x.example:99999", "[::1"]
)
def test_parse_allowlist_rejects_what_is_not_host_or_host_port(entry: str) -> None:
    with pytest.raises(ConfigError):
        parse_allowlist(entry)


def test_the_test_server_is_refused_unless_allow_listed(
    loopback_server: LoopbackServer, no_network: NetworkGuard
) -> None:
    with pytest.raises(FetchRefusedError, match=BAD_PORT):
        fetch(loopback_server.url(), deadline=DEADLINE)
    assert no_network.attempts == []
    result = fetch(loopback_server.url(), allowlist=allow(loopback_server), deadline=DEADLINE)
    assert result.body == PAGE
    assert no_network.attempts == [("127.0.0.1", loopback_server.port)]


@pytest.mark.parametrize(
    "url_template",
    [
        "http://127.0.0.1:{other}/page",  # another port
        "http://127.0.0.2:{port}/page",  # another loopback address
        "http://localhost:{port}/page",  # another name for it
        "http://[::1]:{port}/page",
        "http://127.0.0.1/page",  # the default port
    ],
)
def test_the_allow_list_opens_only_that_exact_host_and_port(
    url_template: str, loopback_server: LoopbackServer, no_network: NetworkGuard
) -> None:
    url = url_template.format(port=loopback_server.port, other=loopback_server.port + 1)
    with pytest.raises(FetchRefusedError):
        fetch(url, allowlist=allow(loopback_server), deadline=DEADLINE)
    assert no_network.attempts == []


def test_a_numeric_spelling_of_an_allow_listed_address_is_that_address(
    loopback_server: LoopbackServer,
) -> None:
    url = f"http://2130706433:{loopback_server.port}/page"
    result = fetch(url, allowlist=allow(loopback_server), deadline=DEADLINE)
    assert result.final_url == loopback_server.url()


def test_a_host_entry_without_port_opens_every_port_of_that_host(
    loopback_server: LoopbackServer,
) -> None:
    result = fetch(loopback_server.url(), allowlist=parse_allowlist("127.0.0.1"), deadline=5)
    assert result.status == 200


def test_connects_to_the_resolved_address_with_the_name_in_the_host_header(
    loopback_server: LoopbackServer, no_network: NetworkGuard, fake_dns: FakeDNS
) -> None:
    fake_dns.add_sequence("news.example", [["127.0.0.1"], ["127.0.0.2"]])
    url = f"http://news.example:{loopback_server.port}/page"
    allowlist = parse_allowlist(f"news.example:{loopback_server.port}")
    result = fetch(url, allowlist=allowlist, deadline=DEADLINE)
    assert result.final_url == url
    assert fake_dns.count("news.example") == 1
    assert no_network.attempts == [("127.0.0.1", loopback_server.port)]
    assert loopback_server.requests[0].headers["host"] == f"news.example:{loopback_server.port}"


# --- SSRF-04: redirects ----------------------------------------------------------------------


def test_redirect_to_the_same_server_is_followed(loopback_server: LoopbackServer) -> None:
    result = fetch(
        loopback_server.url("/redirect/self"), allowlist=allow(loopback_server), deadline=DEADLINE
    )
    assert result.url == loopback_server.url("/redirect/self")
    assert result.final_url == loopback_server.url("/page")
    assert loopback_server.paths() == ["/redirect/self", "/page"]


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_every_redirect_status_is_followed_and_checked(
    code: int, loopback_server: LoopbackServer
) -> None:
    target = quote("http://169.254.169.254/latest/meta-data/", safe="")
    url = loopback_server.url(f"/redirect-to?status={code}&url={target}")
    with pytest.raises(FetchRefusedError, match=INTERNAL):
        fetch(url, allowlist=allow(loopback_server), deadline=DEADLINE)


@pytest.mark.parametrize(
    ("path", "message"), [("/redirect/loopback2", BAD_PORT), ("/redirect/metadata", INTERNAL)]
)
def test_redirect_to_an_internal_address_is_refused_before_connecting(
    path: str, message: str, loopback_server: LoopbackServer, no_network: NetworkGuard
) -> None:
    # 127.0.0.2:<port> is not the allow-listed 127.0.0.1:<port>, so its port is refused first.
    with pytest.raises(FetchRefusedError, match=message):
        fetch(loopback_server.url(path), allowlist=allow(loopback_server), deadline=DEADLINE)
    assert loopback_server.paths() == [path]
    assert no_network.attempts == [("127.0.0.1", loopback_server.port)]


def test_five_redirects_are_followed_and_a_sixth_is_not(loopback_server: LoopbackServer) -> None:
    allowlist = allow(loopback_server)
    assert fetch(loopback_server.url("/chain/5"), allowlist=allowlist).body == PAGE
    loopback_server.requests.clear()
    with pytest.raises(FetchFailedError, match=TOO_MANY_REDIRECTS):
        fetch(loopback_server.url("/chain/6"), allowlist=allowlist, deadline=DEADLINE)
    assert loopback_server.paths() == [f"/chain/{n}" for n in range(6, 0, -1)]
    with pytest.raises(FetchFailedError, match=TOO_MANY_REDIRECTS):
        fetch(loopback_server.url("/redirect/self"), allowlist=allowlist, max_redirects=0)


def test_https_to_http_downgrade_is_refused(
    tls_server: LoopbackServer, loopback_server: LoopbackServer
) -> None:
    plain = loopback_server.url("/page")
    tls_server.route("/downgrade", lambda h: h.respond(302, b"", None, {"Location": plain}))
    allowlist = parse_allowlist([f"{TLS_HOST}:{tls_server.port}", loopback_server.netloc])
    with pytest.raises(FetchRefusedError, match=DOWNGRADE):
        fetch(f"https://{TLS_HOST}:{tls_server.port}/downgrade", allowlist=allowlist)
    assert loopback_server.requests == []


# --- TLS through the pinned connection --------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for the test host and for the redirecting sites of the TSV."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl tool is needed to make a test certificate")
    names = [TLS_HOST] + [r.host for r in ROWS if r.mechanism == "redirect"]
    return make_certificate(tmp_path_factory.mktemp("tls"), names)


@pytest.fixture
def tls_server(
    tls_files: tuple[Path, Path],
    no_network: NetworkGuard,
    fake_dns: FakeDNS,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LoopbackServer]:
    """An https LoopbackServer for claims-test.example, whose certificate the fetcher trusts."""
    monkeypatch.setattr(fetch_module, "_CA_BUNDLE", str(tls_files[0]))
    fake_dns.add(TLS_HOST, "127.0.0.1")
    server = start_server(no_network, tls=tls_files)
    yield server
    server.stop()


def test_https_keeps_the_name_for_sni_and_the_certificate(
    tls_server: LoopbackServer, no_network: NetworkGuard
) -> None:
    url = f"https://{TLS_HOST}:{tls_server.port}/page"
    result = fetch(url, allowlist=parse_allowlist(f"{TLS_HOST}:{tls_server.port}"))
    assert result.body == PAGE
    assert tls_server.server_names == [TLS_HOST]
    assert tls_server.requests[0].headers["host"] == f"{TLS_HOST}:{tls_server.port}"
    assert no_network.attempts == [("127.0.0.1", tls_server.port)]


def test_a_certificate_for_another_name_is_refused(
    tls_server: LoopbackServer, fake_dns: FakeDNS
) -> None:
    fake_dns.add("other-name.example", "127.0.0.1")
    url = f"https://other-name.example:{tls_server.port}/page"
    allowlist = parse_allowlist(f"other-name.example:{tls_server.port}")
    with pytest.raises(FetchFailedError, match=UNVERIFIED):
        fetch(url, allowlist=allowlist, deadline=DEADLINE)
    assert tls_server.requests == []


def test_certificates_are_verified_against_the_system_bundle_by_default(
    tls_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "_CA_BUNDLE", None)
    url = f"https://{TLS_HOST}:{tls_server.port}/page"
    with pytest.raises(FetchFailedError, match=UNVERIFIED):
        fetch(url, allowlist=parse_allowlist(f"{TLS_HOST}:{tls_server.port}"), deadline=DEADLINE)


# --- SSRF-06, SSRF-10: environment, cookies, credentials --------------------------------------


def test_the_session_ignores_the_environment() -> None:
    with fetch_module._new_session() as session:
        assert session.trust_env is False
        assert session.proxies == {}


def test_proxy_variables_do_not_change_where_it_connects(
    loopback_server: LoopbackServer,
    no_network: NetworkGuard,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = start_server(no_network)
    try:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy.url("/"))
        monkeypatch.setenv("NO_PROXY", "")
        result = fetch(loopback_server.url(), allowlist=allow(loopback_server), deadline=5)
    finally:
        proxy.stop()
    assert result.body == PAGE
    assert proxy.requests == []
    assert no_network.attempts == [("127.0.0.1", loopback_server.port)]


def test_requests_carry_no_cookie_or_credentials_and_a_fixed_user_agent(
    loopback_server: LoopbackServer,
) -> None:
    fetch(loopback_server.url("/redirect/cookie"), allowlist=allow(loopback_server), deadline=5)
    assert loopback_server.paths() == ["/redirect/cookie", "/page"]
    for request in loopback_server.requests:
        assert "cookie" not in request.headers
        assert "authorization" not in request.headers
        assert request.headers["user-agent"] == USER_AGENT
        assert request.headers["accept-encoding"] == "gzip, deflate"


# --- SSRF-07: the wall-clock deadline ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/trickle", "/trickle-unframed", "/slow-headers"])
def test_slow_responses_stop_at_the_deadline(path: str, loopback_server: LoopbackServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailedError, match=SLOW):
        fetch(loopback_server.url(path), allowlist=allow(loopback_server), deadline=DEADLINE)
    assert DEADLINE - 0.1 < time.monotonic() - started < DEADLINE + 1.0


def test_a_silent_server_trips_the_read_timeout(loopback_server: LoopbackServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailedError, match=SLOW):
        fetch(loopback_server.url("/silent"), allowlist=allow(loopback_server), read_timeout=0.5)
    assert time.monotonic() - started < 1.5


# --- SSRF-08: the size cap --------------------------------------------------------------------


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    loopback_server: LoopbackServer,
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailedError, match="larger than the 1 MB limit"):
        fetch(loopback_server.url("/huge/length"), allowlist=allow(loopback_server), max_bytes=MiB)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("path", ["/huge/chunked", "/huge/close", "/gzip-bomb", "/deflate-bomb"])
def test_bodies_over_the_cap_abort_at_the_cap(path: str, loopback_server: LoopbackServer) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(FetchFailedError, match="larger than the 1 MB limit"):
            fetch(loopback_server.url(path), allowlist=allow(loopback_server), max_bytes=MiB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * MiB


def test_a_body_of_exactly_the_cap_is_accepted(loopback_server: LoopbackServer) -> None:
    loopback_server.route("/exact", huge(total=1000, framing="chunked"))
    result = fetch(loopback_server.url("/exact"), allowlist=allow(loopback_server), max_bytes=1000)
    assert len(result.body) == 1000
    with pytest.raises(FetchFailedError, match="larger than the 999 bytes limit"):
        fetch(loopback_server.url("/exact"), allowlist=allow(loopback_server), max_bytes=999)


def test_a_compressed_page_comes_back_decompressed(loopback_server: LoopbackServer) -> None:
    result = fetch(loopback_server.url("/gzip-page"), allowlist=allow(loopback_server))
    assert result.body == PAGE


# --- SSRF-09: content types; HTTP errors -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "encoding"),
    [
        ("/page", "text/html", "utf-8"),
        ("/type/xhtml", "application/xhtml+xml", None),
        ("/type/text", "text/plain", "iso8859-1"),
        ("/type/pdf", "application/pdf", None),
    ],
)
def test_allowed_content_types_are_archived(
    path: str, content_type: str, encoding: str | None, loopback_server: LoopbackServer
) -> None:
    result = fetch(loopback_server.url(path), allowlist=allow(loopback_server), deadline=5)
    assert (result.status, result.content_type, result.encoding) == (200, content_type, encoding)


@pytest.mark.parametrize(
    "path", ["/type/png", "/type/json", "/type/svg", "/type/none", "/type/garbage"]
)
def test_other_content_types_are_an_unsupported_source_type(
    path: str, loopback_server: LoopbackServer
) -> None:
    with pytest.raises(FetchFailedError, match=r"(?i)unsupported source type"):
        fetch(loopback_server.url(path), allowlist=allow(loopback_server), deadline=5)


@pytest.mark.parametrize("code", [304, 404, 410, 500, 503])
def test_error_statuses_fail_with_the_status(code: int, loopback_server: LoopbackServer) -> None:
    with pytest.raises(FetchFailedError, match=f"HTTP status {code}"):
        fetch(loopback_server.url(f"/status/{code}"), allowlist=allow(loopback_server))


def test_connection_refused_is_a_failed_fetch(no_network: NetworkGuard) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    no_network.allow_port(port)
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(FetchFailedError, match=UNREACHABLE):
        fetch(url, allowlist=parse_allowlist(f"127.0.0.1:{port}"), deadline=DEADLINE)


def test_internal_targets_get_one_answer_whatever_listens_there(
    loopback_server: LoopbackServer, no_network: NetworkGuard
) -> None:
    # SSRF-11: without the allow-list, a listening port, a closed port and a silent port all
    # give the same refusal, decided before connecting, so the messages reveal nothing.
    messages = set()
    for path in ("/page", "/silent", "/status/500"):
        for port in (loopback_server.port, loopback_server.port + 1):
            with pytest.raises(FetchRefusedError) as refused:
                fetch(f"http://127.0.0.1:{port}{path}", deadline=DEADLINE)
            messages.add(refused.value.message)
    assert messages == {BAD_PORT}
    with pytest.raises(FetchRefusedError, match=INTERNAL):
        fetch("http://127.0.0.1/page", deadline=DEADLINE)
    assert no_network.attempts == []


def test_the_result_describes_the_fetch(loopback_server: LoopbackServer) -> None:
    result = fetch(loopback_server.url(), allowlist=allow(loopback_server))
    assert result.url == result.final_url == loopback_server.url()
    assert (result.status, result.content_type, result.encoding) == (200, "text/html", "utf-8")
    assert result.body == PAGE
    assert result.fetched_at.tzinfo is None
    now = datetime.now(UTC).replace(tzinfo=None)
    assert now - timedelta(seconds=10) < result.fetched_at <= now


# --- SSRF-12 and the module's place in the house ----------------------------------------------


def test_the_fetcher_uses_no_other_url_opener_and_no_flask() -> None:
    source = Path(fetch_module.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.split(".")[0] in {"flask", "requests_file", "werkzeug"}}
    assert "urllib.request" not in imported and "urlopen" not in source
    mounts = [
        str(node.args[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "mount"
        and isinstance(node.args[0], ast.Constant)
    ]
    assert sorted(mounts) == ["http://", "https://"]
