"""The receiver (callbacks and by-reference values) against a hostile sender (issue 12): POSTs to made-up
paths, a 3 GiB Content-Length, an endless chunked body, a trickle. Bounds stated here: the whole test ends
within 30 s and the receiver keeps at most MAX_TOTAL_BYTES (16 MiB) of bodies; the process's peak RSS grows
by less than 64 MiB although far more than that is sent."""

from __future__ import annotations

import resource
import socket
import time

import httpx

from oaproc_testkit import callback_receiver as cr
from oaproc_testkit.callback_receiver import CallbackReceiver

MEMORY_CEILING_MB = 64
TIME_BOUND_S = 30.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _raw(rx: CallbackReceiver, head: bytes, body_pieces: int = 0, piece: bytes = b"", pause: float = 0.0) -> bytes:
    host, port = rx.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as s:
        s.sendall(head)
        try:
            for _ in range(body_pieces):
                s.sendall(piece)
                if pause:
                    time.sleep(pause)
        except OSError:
            pass  # the receiver hung up: what we want
        s.settimeout(15)
        try:
            return s.recv(200)
        except OSError:
            return b""


def _trickle(rx: CallbackReceiver, path: str) -> None:
    """Send a byte every 2 s until the receiver hangs up (at most 30 s)."""
    host, port = rx.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=2.5) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".encode())
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                s.sendall(b"x")
                if s.recv(200) == b"":
                    return
            except TimeoutError:
                continue  # no answer yet: keep trickling
            except OSError:
                return
            return


def test_hostile_sender_is_bounded_in_memory_and_time() -> None:
    start, before = time.monotonic(), _peak_mb()
    with CallbackReceiver() as rx:
        ok = rx.uri("success")
        path = ok.removeprefix(rx.base_url)
        mib = b"x" * (1024 * 1024)
        # sixty 15 MiB bodies to made-up paths: 404, never read (the connection closes)
        for i in range(60):
            answer = _raw(rx, f"POST /made-up/{i} HTTP/1.1\r\nHost: x\r\nContent-Length: {15 * 2**20}\r\n\r\n".encode(),
                          body_pieces=1, piece=mib)
            assert answer.startswith(b"HTTP/1.1 404"), answer
        # a 3 GiB Content-Length to a real path: 413 unread
        answer = _raw(rx, f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {3 * 2**30}\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.1 413"), answer
        # an endless chunked body: cut off at the cap (sends 40 MiB before giving up)
        chunk = b"100000\r\n" + mib + b"\r\n"
        answer = _raw(rx, f"POST {rx.uri('success').removeprefix(rx.base_url)} HTTP/1.1\r\nHost: x\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n".encode(), body_pieces=40, piece=chunk)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        # a trickle (a byte every 2 s, under the socket timeout): ended by the per-request deadline
        t0 = time.monotonic()
        _trickle(rx, rx.uri("success").removeprefix(rx.base_url))
        assert time.monotonic() - t0 < cr.REQUEST_DEADLINE_S + 4
        kept = sum(len(p.body) for p in rx.posts)
        assert kept <= cr.MAX_TOTAL_BYTES
        assert all(p.path != "/made-up/0" for p in rx.posts)
        # still answers its own path afterwards
        assert httpx.post(ok, json={"a": 1}, timeout=5).status_code == 204
    assert time.monotonic() - start < TIME_BOUND_S
    assert _peak_mb() - before < MEMORY_CEILING_MB


def test_served_values_are_counted_and_other_paths_404() -> None:
    with CallbackReceiver() as rx:
        url = rx.serve(b"hello", "text/plain")
        got = httpx.get(url, timeout=5)
        assert got.status_code == 200 and got.text == "hello" and got.headers["content-type"] == "text/plain"
        assert rx.fetches_of(url) == 1
        assert httpx.get(rx.base_url + "/guess/value", timeout=5).status_code == 404
