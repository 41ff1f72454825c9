"""Hostile servers behave as advertised over real sockets (bounded waits, no sleeps asserted)."""

from __future__ import annotations

import http.client
import socket
import ssl

import pytest

from launchready.world.hostile import HostileServers
from launchready.world.probe import http_get


@pytest.fixture(scope="module")
def hostile():
    with HostileServers(trickle_interval=0.01, huge_bytes=5 * 1024 * 1024) as servers:
        yield servers


def raw(port, payload=b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", timeout=2.0, limit=4096):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        data = b""
        while len(data) < limit:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def test_ports_are_distinct_and_loopback(hostile):
    ports = [e.port for e in hostile.endpoints.values()]
    assert len(set(ports)) == len(ports) == 10
    assert hostile.stall.address.startswith("127.0.0.1:")


def test_stall_never_answers(hostile):
    with pytest.raises(TimeoutError):
        raw(hostile.stall.port, timeout=0.3)


def test_trickle_sends_a_valid_response_byte_by_byte(hostile):
    with socket.create_connection(("127.0.0.1", hostile.trickle.port), timeout=2) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        first = sock.recv(100)
        assert len(first) == 1 and first == b"H"
        data = first
        while b"\r\n\r\n" not in data:
            data += sock.recv(100)
        assert data.startswith(b"HTTP/1.1 200 OK\r\n")


def test_huge_body_is_streamed_in_full(hostile):
    with socket.create_connection(("127.0.0.1", hostile.huge.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert int(response.headers["Content-Length"]) == 5 * 1024 * 1024
        total = 0
        while chunk := response.read(1 << 20):
            total += len(chunk)
        assert total == 5 * 1024 * 1024


def test_redirect_loop_and_endless_redirect(hostile):
    a = http_get(hostile.redirect_loop.port, "h", "/a")
    b = http_get(hostile.redirect_loop.port, "h", a.headers["Location"])
    assert (a.status, a.headers["Location"], b.headers["Location"]) == (302, "/b", "/a")
    hops = ["/r/1"]
    for _ in range(5):
        hops.append(http_get(hostile.endless_redirect.port, "h", hops[-1]).headers["Location"])
    assert hops == ["/r/1", "/r/2", "/r/3", "/r/4", "/r/5", "/r/6"]


def test_malformed_status_line_and_garbage(hostile):
    with pytest.raises(http.client.HTTPException):
        http_get(hostile.malformed.port, "h")
    data = raw(hostile.garbage.port)
    assert data.startswith(b"\x00\xff") and b"HTTP/" not in data


def test_tls_port_speaking_plaintext(hostile):
    ctx = ssl.create_default_context()
    with pytest.raises(ssl.SSLError):
        http_get(hostile.plaintext_tls.port, "h", tls=ctx, timeout=2)


def test_reset_and_close(hostile):
    with pytest.raises(ConnectionResetError):
        raw(hostile.reset.port)
    assert raw(hostile.close.port) == b""


def test_stop_closes_open_stalled_connections():
    servers = HostileServers().start()
    thread = servers._loop._thread
    sock = socket.create_connection(("127.0.0.1", servers.stall.port), timeout=2)
    sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
    servers.stop()
    servers.stop()
    try:
        assert sock.recv(10) == b""
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    assert not thread.is_alive()
