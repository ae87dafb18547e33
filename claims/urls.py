"""The identity of a web address: two spellings of one page normalize to one key, so that the
same source added twice is one source (issue 5). Pure: no lookups, no Flask."""

from __future__ import annotations

import re
import string
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that track the reader, not the page.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src"}
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def _path(path: str) -> str:
    """RFC 3986 normalization: non-ASCII encoded as UTF-8, escapes of unreserved characters
    decoded, other escapes upper-cased ("%2f" stays an escaped slash: it may name another page)."""
    path = quote(path, safe="/:@!$&'()*+,;=~-._%")

    def unify(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _ESCAPE.sub(unify, path)


def _tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """The key of an http(s) address: scheme and host lower-cased, default port, fragment and
    tracking parameters dropped, remaining parameters sorted, path escapes unified, and a
    trailing slash removed (except for the site root).

    Raises ValueError if it is not an http(s) address with a host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("not an http or https address with a host")
    host = parts.hostname.rstrip(".").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _path(parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode(
        sorted(
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)
        )
    )
    return urlunsplit((scheme, netloc, path, query, ""))
