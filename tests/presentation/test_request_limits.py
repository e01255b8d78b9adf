"""The ini files bound the request body waitress reads, to the limit the app enforces itself."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import plaster
import pytest
import waitress

from shop.presentation.untrusted import MAX_UPLOAD_BYTES

ROOT = Path(__file__).resolve().parents[2]


def body_length_app(environ, start_response):
    """Answers with the length of the body it read: reached only if waitress let it through."""
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(len(body)).encode()]


def post(port: int, size: int) -> int:
    """The status of a POST announcing ``size`` bytes; the body follows only if asked for."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: {size}\r\n"
                           f"Connection: close\r\n\r\n".encode())
        connection.settimeout(0.5)
        try:  # a refusal comes at once, before any of the body
            first = connection.recv(64)
        except TimeoutError:
            connection.sendall(b"x" * size)
            connection.settimeout(10)
            first = connection.recv(64)
    return int(first.split()[1])


@pytest.mark.parametrize("ini", ["development.ini", "production.ini"])
def test_waitress_refuses_a_body_over_the_limit(ini):
    options = dict(plaster.get_settings(str(ROOT / ini), "server:main"))
    # The largest body any route takes: an image upload's (the others refuse less themselves).
    assert int(options["max_request_body_size"]) == MAX_UPLOAD_BYTES
    options = {k: v for k, v in options.items() if k not in ("use", "listen")}
    server = waitress.create_server(body_length_app, host="127.0.0.1", port=0, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert post(server.effective_port, MAX_UPLOAD_BYTES - 1) == 200
        assert post(server.effective_port, MAX_UPLOAD_BYTES) == 413
    finally:
        server.close()
        thread.join(timeout=10)
