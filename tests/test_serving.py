"""gunicorn's settings (claims/serving.py): how a worker closes a connection it has answered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from gunicorn import util
from gunicorn.http.body import Body, LengthReader

from claims import serving

HEAD = b"POST /claims/1/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 6000\r\n\r\n"
BODY = b"x" * 6000
RESPONSE = (
    b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big."
)


@pytest.fixture
def close(monkeypatch: pytest.MonkeyPatch) -> Callable[[socket.socket], None]:
    """gunicorn's close as a worker has it, put back as it was after the test."""
    monkeypatch.setattr(util, "close_graceful", util.close_graceful)
    assert serving.close_promptly()
    assert not serving.close_promptly(), "installed once"
    return util.close_graceful


def connected() -> tuple[socket.socket, socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    client.settimeout(10)
    return client, server


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += sock.recv(size - len(data))
    return data


def read_to_end(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def answered(server: socket.socket, body_left: int = 0) -> None:
    """What gunicorn does after the app answered: the post_request hook sees the request, whose
    body has `body_left` bytes nobody read."""
    request = SimpleNamespace(
        unreader=SimpleNamespace(sock=server), body=Body(LengthReader(None, body_left))
    )
    serving.post_request(None, request, {}, None)
    server.sendall(RESPONSE)


def closing(server: socket.socket, close: Callable[[socket.socket], None]) -> threading.Thread:
    closer = threading.Thread(target=close, args=(server,), daemon=True)
    closer.start()
    return closer


def waits_for_the_client(
    client: socket.socket,
    server: socket.socket,
    close: Callable[[socket.socket], None],
    why: str,
    then_send: bytes = b"",
) -> None:
    """The worker's close of `server` waits until the client (having sent `then_send`) has read
    the whole response and closed its end."""
    closer = closing(server, close)
    closer.join(timeout=0.3)
    assert closer.is_alive(), why
    client.sendall(then_send)
    assert read_to_end(client) == RESPONSE
    client.close()
    closer.join(timeout=5)
    assert not closer.is_alive()


def test_a_worker_closes_at_once_when_it_read_everything_the_client_sent(close):
    client, server = connected()
    client.sendall(HEAD + BODY)
    assert read_exactly(server, len(HEAD + BODY)) == HEAD + BODY
    answered(server)

    closer = closing(server, close)
    # gunicorn's own close would wait here, up to 2 s, for the client to close its end.
    closer.join(timeout=1)
    assert not closer.is_alive(), "the worker waited for the client instead of its next request"
    assert read_to_end(client) == RESPONSE
    client.close()


def test_a_worker_waits_for_the_client_when_its_request_was_not_all_read(close):
    client, server = connected()
    client.sendall(HEAD + BODY)
    assert read_exactly(server, len(HEAD)) == HEAD  # refused on its headers: the body unread
    answered(server)  # as if read through: the bytes waiting in the socket are enough

    # Closed now, the unread body would make the kernel answer with a reset, which can cut
    # the response off before the client reads it.
    waits_for_the_client(client, server, close, "the worker closed with the request's body unread")


def test_a_worker_waits_for_the_client_when_a_body_is_still_on_its_way(close):
    client, server = connected()
    client.sendall(HEAD)  # the body not sent yet: nothing waits in the socket
    assert read_exactly(server, len(HEAD)) == HEAD
    answered(server, body_left=len(BODY))

    # Closed now, the body arriving next would make the kernel answer with a reset.
    waits_for_the_client(
        client, server, close, "the worker closed before the request's body arrived", BODY
    )


def test_a_connection_no_request_was_answered_on_is_closed_as_gunicorn_does(close):
    client, server = connected()
    client.sendall(b"NOT HTTP\r\n\r\n")  # refused before it was parsed: no post_request
    assert read_exactly(server, 12) == b"NOT HTTP\r\n\r\n"
    server.sendall(RESPONSE)

    waits_for_the_client(client, server, close, "closed at once with nothing known of the request")
