"""The one server-side HTTP fetcher: every URL a user gives passes its guard before any connection.

The guard (`check_url`) allows http and https on ports 80 and 443, resolves the host once and
refuses it if any address is not public. The fetcher (`fetch`) then connects to exactly the
addresses that were checked (the connection is pinned, so DNS rebinding cannot swap them), while
the Host header, TLS SNI and certificate verification keep the host name. Redirects are followed
by hand, each hop checked again; a wall-clock deadline and a size cap bound every fetch.
"""

from __future__ import annotations

import codecs
import contextvars
import ipaddress
import logging
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import idna
import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from claims.errors import ConfigError, FetchFailedError, FetchRefusedError

log = logging.getLogger(__name__)

USER_AGENT = "ClaimsTracker/1.0 (+fact-checking archive)"
MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOWED_CONTENT_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "text/plain", "application/pdf"}
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8"
_CHUNK_BYTES = 64 * 1024

# What the user reads. Every refusal is decided before any connection, so saying which rule
# refused tells nothing about the network behind the server (SSRF-11); details go to the log.
NOT_HTTP = "Only http and https links can be fetched."
BAD_PORT = "Only ports 80 and 443 can be fetched."
# One message for an unknown host and an internal one, so that a user cannot learn which
# internal host names exist (SECURITY.md SSRF-11); the log keeps the difference.
INTERNAL = "This address cannot be fetched: its host is unknown, or on a private or local network."
UNRESOLVED = INTERNAL
CREDENTIALS = "Links with a user name or password cannot be fetched."
TOO_LONG = f"Links longer than {MAX_URL_LENGTH} characters cannot be fetched."
MALFORMED = "This link is not a valid web address."
DOWNGRADE = "The site redirected from https to plain http, which is not followed."
TOO_MANY_REDIRECTS = "The site redirected too many times."
SLOW = "The site took too long to answer."
UNREACHABLE = "The site could not be reached."
UNVERIFIED = "The site's security certificate could not be verified."
BROKEN = "The site sent a response that could not be read."
UNSUPPORTED = "Unsupported source type: only web pages, plain text and PDF files can be fetched."

# Certificate authorities for https; None means requests' bundle (certifi). Tests point it at the
# certificate of their own loopback TLS server.
_CA_BUNDLE: str | None = None

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
# Beyond what ipaddress flags (its is_global misses several of these, e.g. 192.0.0.192):
# RFC 6890 special-purpose blocks, documentation and benchmarking ranges, and the IPv6 ranges
# that embed or translate IPv4.
_DENIED_V4 = tuple(
    _V4(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
    )
)
_DENIED_V6 = tuple(
    _V6(n)
    for n in (
        "::/96",  # unspecified, loopback and IPv4-compatible
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo included
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed inside some networks)
        "ff00::/8",  # multicast
    )
)
_NAT64 = _V6("64:ff9b::/96")
_HOST_NAME = re.compile(
    r"^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_-]{1,63})*\.?$"
)
_IPV4_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f\\]")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class FetchResult:
    """What one successful fetch brought back."""

    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    encoding: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class CheckedURL:
    """A URL the guard accepted, with the addresses a connection to it may use."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    allowlisted: bool


def parse_allowlist(setting: str | Iterable[str] | None) -> frozenset[str]:
    """Normalise the FETCH_ALLOWLIST setting ("host" or "host:port" entries, comma-separated).

    Raises ConfigError if an entry is not a host name, an IP address or host:port.
    """
    if setting is None:
        return frozenset()
    items = re.split(r"[,\s]+", setting) if isinstance(setting, str) else list(setting)
    entries = set()
    for item in items:
        item = item.strip()
        if not item:
            continue
        invalid = ConfigError(f"FETCH_ALLOWLIST entry {item!r} is not a host or host:port.")
        try:
            parts = urlsplit(f"http://{item}/")
            port = parts.port
            host = _normalise_host(parts.hostname or "")
        except ValueError:
            raise invalid from None
        if parts.netloc != item or "@" in item:
            raise invalid
        entries.add(_allowlist_key(host, port))
    return frozenset(entries)


def is_web_address(url: str) -> bool:
    """Tell (without any lookup) whether a stored URL is a plain http(s) address with a host,
    no credentials and nothing invisible in it, i.e. one that may be shown as a link."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        return False
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        return False
    try:
        parts = urlsplit(url)
        return (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and not (parts.username or parts.password)
        )
    except ValueError:
        return False


def check_url(url: str, allowlist: frozenset[str] = frozenset()) -> CheckedURL:
    """Check a URL against the fetch rules and resolve its host once.

    Raises FetchRefusedError if the scheme, port, credentials or length are not allowed, the host
    cannot be resolved, or any address it resolves to is not public (unless allow-listed).
    """
    if not isinstance(url, str) or not url:
        raise _refuse(MALFORMED, "not a non-empty string", url)
    if len(url) > MAX_URL_LENGTH:
        raise _refuse(TOO_LONG, f"{len(url)} characters", url[:100])
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise _refuse(MALFORMED, f"unparsable: {exc}", url) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise _refuse(NOT_HTTP, f"scheme {scheme!r}", url)
    if "@" in parts.netloc:
        raise _refuse(CREDENTIALS, "user info in the authority", url)
    if _UNSAFE_CHARS.search(url):
        raise _refuse(MALFORMED, "whitespace, control character or backslash", url)
    try:
        explicit_port = parts.port
        host = _normalise_host(parts.hostname or "")
    except ValueError as exc:
        raise _refuse(MALFORMED, f"bad host or port: {exc}", url) from None
    port = explicit_port if explicit_port is not None else DEFAULT_PORTS[scheme]
    allowlisted = _allowlist_key(host, port) in allowlist or _allowlist_key(host, None) in allowlist
    if port not in DEFAULT_PORTS.values() and not allowlisted:
        raise _refuse(BAD_PORT, f"port {port}", url)
    addresses = _resolve(host, port, url)
    if not allowlisted:
        for address in addresses:
            reason = _forbidden_reason(ipaddress.ip_address(address))
            if reason:
                raise _refuse(INTERNAL, f"{host} resolves to {address} ({reason})", url)
    return CheckedURL(
        url=_canonical_url(parts, scheme, host, explicit_port),
        scheme=scheme,
        host=host,
        port=port,
        addresses=addresses,
        allowlisted=allowlisted,
    )


def fetch(
    url: str,
    *,
    allowlist: frozenset[str] = frozenset(),
    connect_timeout: float = 5,
    read_timeout: float = 10,
    deadline: float = 20,
    max_bytes: int = 5 * 1024 * 1024,
    max_redirects: int = 5,
) -> FetchResult:
    """Fetch an http(s) URL (web page, plain text or PDF) through the guard, redirects checked.

    Raises FetchRefusedError if the guard refuses the URL or a redirect; FetchFailedError if the
    site errs, is slower than `deadline` seconds in all, is too large, or is of another type.
    """
    expires = time.monotonic() + deadline
    target = check_url(url, allowlist)
    with _new_session() as session, _Watchdog(expires - time.monotonic()) as watchdog:
        for redirects in range(max_redirects + 1):
            response = _get(session, target, watchdog, expires, connect_timeout, read_timeout)
            try:
                location = session.get_redirect_target(response)
                if location is None:
                    return _read(url, target, response, watchdog, max_bytes)
            finally:
                response.close()
            if redirects == max_redirects:
                log.warning("fetch failed: more than %d redirects from %r", max_redirects, url)
                raise FetchFailedError(TOO_MANY_REDIRECTS)
            following = check_url(urljoin(target.url, location), allowlist)
            if target.scheme == "https" and following.scheme == "http":
                raise _refuse(DOWNGRADE, f"redirect from {target.url!r}", following.url)
            target = following
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _refuse(message: str, detail: str, url: object) -> FetchRefusedError:
    log.warning("fetch refused: %s: %r", detail, url)
    return FetchRefusedError(message)


def _allowlist_key(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def _normalise_host(host: str) -> str:
    """The host in the form it is resolved and sent: lower-case ASCII, IDNA-encoded.

    Raises ValueError if it is not a valid host name or IP address.
    """
    if not host or "%" in host:
        raise ValueError("empty host or percent sign / zone id in the host")
    if ":" in host:
        return str(ipaddress.IPv6Address(host))
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise ValueError(f"not a valid international host name: {exc}") from None
    host = host.lower()
    if _ends_in_number(host):
        return str(_parse_ipv4(host))
    if not _HOST_NAME.match(host):
        raise ValueError("not a valid host name")
    return host


def _ends_in_number(host: str) -> bool:
    # The WHATWG URL rule: a host whose last label is numeric is an IPv4 address or invalid,
    # whatever the resolver would do with it (2130706433, 0x7f.1, 0177.0.0.1, 127.1, 0).
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    return bool(_IPV4_PART.match(labels[-1]))


def _parse_ipv4(host: str) -> ipaddress.IPv4Address:
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    if len(labels) > 4 or not all(_IPV4_PART.match(label) for label in labels):
        raise ValueError("not a valid IPv4 address")
    numbers = []
    for label in labels:
        if label[:2].lower() == "0x":
            numbers.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            numbers.append(int(label, 8))
        else:
            numbers.append(int(label))
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise ValueError("IPv4 address out of range")
    value = last
    for i, n in enumerate(leading):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _resolve(host: str, port: int, url: str) -> tuple[str, ...]:
    try:
        return (str(ipaddress.ip_address(host)),)
    except ValueError:
        pass
    try:
        rows = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise _refuse(UNRESOLVED, f"{host} does not resolve: {exc}", url) from None
    addresses: list[str] = []
    for family, _, _, _, sockaddr in rows:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = str(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _refuse(UNRESOLVED, f"{host} has no IPv4 or IPv6 address", url)
    return tuple(addresses)


def _forbidden_reason(address: IPAddress) -> str | None:
    """Why an address must not be fetched, or None if it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64:
            # A NAT64 gateway reaches whatever IPv4 address is embedded; judge that one.
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            reason = _forbidden_reason(embedded)
            return f"NAT64 of {embedded}: {reason}" if reason else None
        if address.sixtofour is not None:
            reason = _forbidden_reason(address.sixtofour)
            if reason:
                return f"6to4 of {address.sixtofour}: {reason}"
        if address.teredo is not None:
            return "Teredo"
        if address.ipv4_mapped is not None:
            return f"IPv4-mapped {address.ipv4_mapped}"
        if address.is_site_local:
            return "site-local"
        denied: tuple[ipaddress.IPv4Network, ...] | tuple[ipaddress.IPv6Network, ...] = _DENIED_V6
    else:
        denied = _DENIED_V4
    for flag in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{flag}"):
            return flag
    if not address.is_global:
        return "not global"
    for network in denied:
        if address in network:
            return f"in {network}"
    return None


def _canonical_url(parts: SplitResult, scheme: str, host: str, port: int | None) -> str:
    # Rebuilt from what was checked, so the HTTP client cannot read a different host from the
    # original spelling; the fragment never leaves the browser anyway.
    shown = f"[{host}]" if ":" in host else host
    netloc = shown if port is None or port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{parts.path or '/'}{query}"


@dataclass(frozen=True)
class _Pin:
    host: str
    port: int
    addresses: tuple[str, ...]
    watchdog: _Watchdog


_PIN: contextvars.ContextVar[_Pin | None] = contextvars.ContextVar("claims_fetch_pin", default=None)


@contextmanager
def _pinned(target: CheckedURL, watchdog: _Watchdog) -> Iterator[None]:
    token = _PIN.set(_Pin(target.host, target.port, target.addresses, watchdog))
    try:
        yield
    finally:
        _PIN.reset(token)


class _Watchdog:
    """Shuts down the fetch's sockets when the wall-clock deadline passes.

    Socket timeouts bound each read, not the whole response: a server trickling one byte at a
    time would never trip them.
    """

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._finished = False
        self.expired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._finished = True
            self._sockets.clear()

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket method, also on an SSLSocket: it ends the blocked read with EOF without
    # tearing down the SSL object under the reading thread.
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _PinnedHTTPConnection(HTTPConnection):
    """Connects to the addresses the guard checked, never to a fresh DNS answer."""

    def _new_conn(self) -> socket.socket:
        pin = _PIN.get()
        if pin is None or self.host != pin.host.rstrip(".") or self.port != pin.port:
            raise RuntimeError(f"connection to {self.host}:{self.port} is not pinned by the guard")
        error: OSError | None = None
        for address in pin.addresses:
            ip = ipaddress.ip_address(address)
            family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            pin.watchdog.register(sock)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if isinstance(self.timeout, int | float):
                    sock.settimeout(self.timeout)
                sock.connect((address, self.port))
            except TimeoutError as exc:
                sock.close()
                raise urllib3.exceptions.ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out."
                ) from exc
            except OSError as exc:
                sock.close()
                error = exc
                continue
            except BaseException:
                sock.close()
                raise
            return sock
        raise urllib3.exceptions.NewConnectionError(
            self, f"Failed to establish a new connection: {error}"
        )


class _PinnedHTTPSConnection(_PinnedHTTPConnection, HTTPSConnection):
    """The pinned connection with TLS; SNI and certificate checks use the host name."""

    def connect(self) -> None:
        super().connect()
        pin = _PIN.get()
        if pin is not None and self.sock is not None:
            pin.watchdog.register(self.sock)


class _PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class _PinnedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PinnedHTTPConnectionPool,
            "https": _PinnedHTTPSConnectionPool,
        }

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        raise RuntimeError("the fetcher never uses a proxy")


def _new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies, netrc credentials or CA bundle from the environment
    session.proxies = {}
    session.verify = _CA_BUNDLE or True
    session.cookies = RequestsCookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    session.headers.clear()
    session.headers.update(
        {"User-Agent": USER_AGENT, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"}
    )
    adapter = _PinnedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _get(
    session: requests.Session,
    target: CheckedURL,
    watchdog: _Watchdog,
    expires: float,
    connect_timeout: float,
    read_timeout: float,
) -> requests.Response:
    remaining = expires - time.monotonic()
    if remaining <= 0 or watchdog.expired:
        raise FetchFailedError(SLOW)
    timeout = (min(connect_timeout, remaining), min(read_timeout, remaining))
    with _failures_reported(target.url, watchdog), _pinned(target, watchdog):
        response = session.get(target.url, stream=True, allow_redirects=False, timeout=timeout)
    if watchdog.expired:
        # Headers cut short by the watchdog can look complete: never act on them.
        response.close()
        raise FetchFailedError(SLOW)
    return response


def _read(
    url: str,
    target: CheckedURL,
    response: requests.Response,
    watchdog: _Watchdog,
    max_bytes: int,
) -> FetchResult:
    status = response.status_code
    if not 200 <= status < 300:
        log.info("fetch failed: HTTP %s from %r", status, target.url)
        raise FetchFailedError(f"The site answered with HTTP status {status}.", http_status=status)
    content_type, charset = _content_type(response.headers.get("Content-Type"))
    if content_type not in ALLOWED_CONTENT_TYPES:
        log.info("fetch failed: content type %r from %r", content_type, target.url)
        raise FetchFailedError(UNSUPPORTED)
    too_large = FetchFailedError(f"The source is larger than the {_size(max_bytes)} limit.")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        log.info("fetch failed: Content-Length %s from %r", declared, target.url)
        raise too_large
    body = bytearray()
    with _failures_reported(target.url, watchdog):
        # Decoded chunks: a gzip or deflate body counts at its inflated size.
        for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
            if len(body) + len(chunk) > max_bytes:
                log.info("fetch failed: body over %d bytes from %r", max_bytes, target.url)
                raise too_large
            body += chunk
    if watchdog.expired:
        # A body without a length ends at EOF, which is also what the watchdog causes.
        raise FetchFailedError(SLOW)
    return FetchResult(
        url=url,
        final_url=target.url,
        status=status,
        content_type=content_type,
        body=bytes(body),
        encoding=charset,
        fetched_at=datetime.now(UTC).replace(tzinfo=None),
    )


@contextmanager
def _failures_reported(url: str, watchdog: _Watchdog) -> Iterator[None]:
    """Turn what requests, urllib3 and the sockets raise into FetchFailedError."""
    try:
        yield
    except FetchFailedError:
        raise
    except Exception as exc:
        if watchdog.expired or _is_timeout(exc):
            message = SLOW
        elif isinstance(exc, requests.exceptions.SSLError):
            message = UNVERIFIED
        elif isinstance(exc, requests.ConnectionError):
            message = UNREACHABLE
        elif isinstance(
            exc,
            requests.RequestException | urllib3.exceptions.HTTPError | OSError | ValueError,
        ):
            message = BROKEN
        else:
            raise
        log.info("fetch failed: %s for %r: %r", message, url, exc)
        raise FetchFailedError(message) from None


def _is_timeout(exc: BaseException) -> bool:
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.NewConnectionError):
            # urllib3 files a refused connection under its timeout errors; it is not one.
            continue
        if isinstance(current, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError):
            return True
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)
    return False


def _content_type(header: str | None) -> tuple[str, str | None]:
    """The media type (lower-case, "" if absent or malformed) and the charset Python knows."""
    media_type = (header or "").split(";", 1)[0].strip().lower()
    if not _MEDIA_TYPE.match(media_type):
        return "", None
    message = Message()
    message["Content-Type"] = header or ""
    charset = message.get_param("charset")
    if not isinstance(charset, str):
        return media_type, None
    try:
        return media_type, codecs.lookup(charset.strip()).name
    except LookupError:
        return media_type, None


def _size(limit: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("kB", 1024)):
        if limit >= factor:
            return f"{limit / factor:g} {unit}"
    return f"{limit} bytes"
