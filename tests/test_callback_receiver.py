"""The loopback callback receiver records POSTs per path, waits boundedly and closes promptly."""

from __future__ import annotations

import socket
import threading
import time

import httpx

from oaproc_testkit.callback_receiver import CallbackReceiver


def test_records_a_post_to_its_unique_path() -> None:
    with CallbackReceiver() as rx:
        ok, bad = rx.uri("success"), rx.uri("failed")
        assert ok != bad and ok.startswith("http://127.0.0.1:")
        resp = httpx.post(ok, json={"out": 1}, timeout=5)
        assert resp.status_code == 204
        post = rx.wait_for(ok, timeout=2)
        assert post is not None and post.json() == {"out": 1} and post.media_type == "application/json"
        assert rx.posts_to(bad) == [] and rx.wait_for(bad, timeout=0.2) is None


def test_a_post_arriving_later_wakes_the_waiter() -> None:
    with CallbackReceiver() as rx:
        url = rx.uri("success")
        timer = threading.Timer(0.3, lambda: httpx.post(url, content=b"late", timeout=5))
        timer.start()
        start = time.monotonic()
        post = rx.wait_for(url, timeout=5)
        timer.join()
        assert post is not None and post.body == b"late"
        assert time.monotonic() - start < 3


def test_chunked_body_is_reassembled() -> None:
    with CallbackReceiver() as rx:
        url = rx.uri("success")

        def gen():
            yield b'{"a":'
            yield b"1}"

        httpx.post(url, content=gen(), headers={"content-type": "application/json"}, timeout=5)
        post = rx.wait_for(url, timeout=2)
        assert post is not None and post.json() == {"a": 1} and not post.problem


def test_get_of_a_callback_path_is_404_and_not_recorded() -> None:
    with CallbackReceiver() as rx:
        url = rx.uri("success")
        assert httpx.get(url, timeout=5).status_code == 404
        assert rx.posts == []


def test_close_is_prompt_even_with_an_idle_connection_open() -> None:
    rx = CallbackReceiver()
    host, port = rx.base_url.removeprefix("http://").split(":")
    idle = socket.create_connection((host, int(port)), timeout=5)
    try:
        start = time.monotonic()
        rx.close()
        assert time.monotonic() - start < 3
        rx.close()  # idempotent
        assert rx.wait_for("/x", timeout=5) is None  # no waiting once closed
    finally:
        idle.close()
