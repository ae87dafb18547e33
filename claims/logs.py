"""The service log: one line per record, whatever a user typed into a name or an address.

Messages are escaped, so that a carriage return, a line feed, a Unicode line separator (U+2028,
U+2029, U+0085) or any other control character in a logged value cannot start a forged record. A
traceback keeps its lines, each marked as a continuation ("  | ") so that a reader or a parser
never takes one for a record of its own.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from typing import Any

LOGGER = "claims"
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the backslash itself
# (so that an escape written by a user cannot pass for one written here).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def escape(text: str) -> str:
    """The text on one line: control characters and line separators written as escapes."""

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(replace, text)


class OneLineFormatter(logging.Formatter):
    """Formats a record as one escaped line, plus a traceback's lines marked as continuations."""

    def __init__(self) -> None:
        super().__init__(FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.request_id = _request_id()
        return escape(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return _continuation(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _continuation(super().formatStack(stack_info))


def _continuation(text: str) -> str:
    return "\n".join("  | " + escape(line) for line in text.splitlines())


def _no_request() -> str:
    return "-"


# Set by the web layer (claims/views/access.py) to the current request's id.
_request_id: Callable[[], str] = _no_request


def set_request_id_source(source: Callable[[], str]) -> None:
    """Where the formatter finds the id of the request being served ("-" outside requests)."""
    global _request_id
    _request_id = source


class _Handler(logging.StreamHandler):
    """Writes to the current sys.stderr (gunicorn and test runners may replace it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(OneLineFormatter())

    @property
    def stream(self) -> Any:
        return self._stream if self._stream is not None else sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        self._stream = None if value is sys.stderr else value


def security_event(who: str | None, ip: str | None, action: str, details: Any = None) -> None:
    """A security event (also recorded in the audit trail) as one line of the service log."""
    logging.getLogger(f"{LOGGER}.security").warning(
        "%s by %s from %s %s",
        action,
        who or "anonymous",
        ip or "-",
        " ".join(f"{key}={value!s}" for key, value in (details or {}).items()),
    )


def configure(level: int = logging.INFO) -> logging.Logger:
    """Give the app's logger ("claims", which is also Flask's app.logger) the one-line handler,
    unless the operator configured one. Idempotent."""
    logger = logging.getLogger(LOGGER)
    if not logger.handlers:
        logger.addHandler(_Handler())
        if logger.level == logging.NOTSET:
            logger.setLevel(level)
    return logger
