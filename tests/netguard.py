"""Network fixtures for tests that fetch: a socket guard and an offline resolver.

`no_network` (after Advocate's `CheckedSocket`) lets a socket connect only to 127.0.0.1 on a port a
test opened, and records every attempt. `fake_dns` answers name lookups without a query leaving the
machine: numeric hosts are parsed locally (AI_NUMERICHOST), the /etc/hosts loopback names resolve
locally, the names of shared/payloads/ssrf-needs-resolution.tsv resolve as the payload README says,
and every other name fails with gaierror.

Test modules import these fixtures by name (`from tests.netguard import fake_dns, no_network`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

PAYLOADS = Path(__file__).resolve().parents[2] / "shared" / "payloads"
LOOPBACK = "127.0.0.1"
# A public (global) address for names whose lookup the payloads want to succeed: the rebinding row
# names it itself. The README suggests a TEST-NET address for the redirect rows, but TEST-NET is
# not global, so the guard would refuse it before the redirect the row is about could happen.
PUBLIC_ADDRESS = "1.2.3.4"
# The TSV gives no address for rancher-metadata; the README says to use any non-global one.
UNSTATED_INTERNAL = "169.254.169.254"
# Debian's /etc/hosts names for loopback, resolved locally by glibc.
HOSTS_FILE_NAMES = {
    "localhost": ("127.0.0.1", "::1"),
    "ip6-localhost": ("::1",),
    "ip6-loopback": ("::1",),
}


class NetworkGuardError(AssertionError):
    """A test tried to connect somewhere other than its own loopback server.

    An AssertionError, not an OSError, so that no HTTP library mistakes it for a network failure
    and swallows it.
    """


@dataclass
class NetworkGuard:
    """What the socket guard allows, and every connect it saw."""

    allowed_ports: set[int] = field(default_factory=set)
    attempts: list[tuple[str, int]] = field(default_factory=list)
    blocked: list[tuple[str, int]] = field(default_factory=list)
    reroutes: dict[tuple[str, int], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow_port(self, port: int) -> None:
        """Let connects to 127.0.0.1:port through (a server the test started)."""
        self.allowed_ports.add(port)

    def reroute(self, host: str, port: int, to_port: int) -> None:
        """Send a connect to the public IPv4 host:port to 127.0.0.1:to_port instead (a fake site)."""
        assert ipaddress.ip_address(host).is_global, "reroute only public addresses"
        self.reroutes[(host, port)] = to_port

    def take_blocked(self) -> list[tuple[str, int]]:
        """The blocked attempts so far, forgotten afterwards (the test expected them)."""
        with self._lock:
            blocked, self.blocked = self.blocked, []
        return blocked

    def destination(self, family: int, address: Any) -> Any:
        """The address to really connect to, or NetworkGuardError if the target is not allowed."""
        if family == getattr(socket, "AF_UNIX", object()):
            return address
        host, port = (str(address[0]), int(address[1])) if isinstance(address, tuple) else ("?", 0)
        with self._lock:
            self.attempts.append((host, port))
            if (host, port) in self.reroutes and family == socket.AF_INET:
                return (LOOPBACK, self.reroutes[(host, port)])
            if host == LOOPBACK and port in self.allowed_ports:
                return address
            self.blocked.append((host, port))
        raise NetworkGuardError(f"test tried to connect to {address!r} (family {family})")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Fail any connect except to 127.0.0.1 on a port the test opened; record every attempt."""
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def checked(sock: socket.socket, address: Any) -> Any:
        try:
            return guard.destination(sock.family, address)
        except NetworkGuardError:
            sock.close()  # the caller's failure path may not expect this error and leak it
            raise

    def connect(sock: socket.socket, address: Any) -> None:
        real_connect(sock, checked(sock, address))

    def connect_ex(sock: socket.socket, address: Any) -> int:
        return real_connect_ex(sock, checked(sock, address))

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        # Checked before it resolves anything; the socket's own connect records the attempt.
        host, port = str(address[0]), int(address[1])
        if host != LOOPBACK or port not in guard.allowed_ports:
            with guard._lock:
                guard.attempts.append((host, port))
                guard.blocked.append((host, port))
            raise NetworkGuardError(f"test tried to create a connection to {address!r}")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield guard
    assert not guard.blocked, f"unexpected connects were blocked: {guard.blocked}"


@dataclass(frozen=True)
class ResolutionRow:
    """One row of ssrf-needs-resolution.tsv, with the host its input names."""

    line: int
    input: str
    mechanism: str
    target: str
    source: str

    @property
    def host(self) -> str:
        """The host name of the input (a bare entry is a host)."""
        url = self.input if "://" in self.input else f"http://{self.input}/"
        return urlsplit(url).hostname or ""

    @property
    def url(self) -> str:
        """The input as a URL (bare hosts as http://<host>/)."""
        return self.input if "://" in self.input else f"http://{self.input}/"

    @property
    def answers(self) -> list[tuple[str, ...]]:
        """What the resolver answers on the first, second, ... lookup (the last one repeats)."""
        if self.mechanism == "redirect":
            return [(PUBLIC_ADDRESS,)]
        found = re.findall(r"[0-9a-fA-F:.]+", self.target)
        addresses = [a for a in found if _is_ip(a)]
        if self.mechanism == "rebinding":
            return [(a,) for a in addresses]
        return [tuple(addresses) or (UNSTATED_INTERNAL,)]

    @property
    def redirect(self) -> tuple[int, str]:
        """For a redirect row: the status and Location the redirecting site answers with."""
        status, location = (part.strip() for part in self.target.split("->", 1))
        return int(status), location


def payload_lines(name: str) -> list[str]:
    """A payload file's lines, split on "\\n" only (payloads/README.md rule 1)."""
    lines = (PAYLOADS / name).read_text(encoding="utf-8").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def resolution_rows() -> list[ResolutionRow]:
    """The rows of ssrf-needs-resolution.tsv (header skipped)."""
    rows = []
    for number, line in enumerate(payload_lines("ssrf-needs-resolution.tsv")[1:], start=2):
        input_, mechanism, target, source = line.split("\t")
        rows.append(ResolutionRow(number, input_, mechanism, target, source))
    return rows


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class FakeDNS:
    """An offline getaddrinfo: nothing it answers needed a query to leave the machine."""

    def __init__(self, real_getaddrinfo: Any) -> None:
        self._real = real_getaddrinfo
        self._lock = threading.Lock()
        self.names: dict[str, list[tuple[str, ...]]] = {}
        self.lookups: dict[str, int] = {}
        self.calls: list[str] = []
        for name, addresses in HOSTS_FILE_NAMES.items():
            self.add(name, *addresses)
        for row in resolution_rows():
            self.names[row.host] = row.answers

    def add(self, name: str, *addresses: str) -> None:
        """Make `name` resolve to these addresses on every lookup."""
        self.names[name.lower().rstrip(".")] = [tuple(addresses)]

    def add_sequence(self, name: str, answers: Sequence[Sequence[str]]) -> None:
        """Make `name` resolve to answers[0], then answers[1], ... (the last one repeats)."""
        self.names[name.lower().rstrip(".")] = [tuple(a) for a in answers]

    def count(self, name: str) -> int:
        """How many times `name` was looked up by name (numeric hosts are not counted)."""
        return self.lookups.get(name.lower().rstrip("."), 0)

    def getaddrinfo(
        self,
        host: Any,
        port: Any,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[Any]:
        """socket.getaddrinfo, answered from the table above."""
        numeric = flags | socket.AI_NUMERICHOST
        with self._lock:
            self.calls.append(str(host))
        try:
            return list(self._real(host, port, family, type, proto, numeric))
        except socket.gaierror:
            pass
        name = (host.decode() if isinstance(host, bytes) else str(host)).lower().rstrip(".")
        with self._lock:
            if name not in self.names:
                raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known: {name}")
            answers = self.names[name]
            count = self.lookups.get(name, 0)
            self.lookups[name] = count + 1
        rows: list[Any] = []
        for address in answers[min(count, len(answers) - 1)]:
            try:
                rows.extend(self._real(address, port, family, type, proto, numeric))
            except socket.gaierror:
                continue  # the caller asked for the other address family
        if not rows:
            raise socket.gaierror(socket.EAI_ADDRFAMILY, f"No address of that family: {name}")
        return rows


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Patch socket.getaddrinfo with the offline resolver (payloads/README.md rule 4)."""
    resolver = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver.getaddrinfo)
    return resolver
