from __future__ import annotations

import shlex

from oaproc_testkit.curl import curl_command
from oaproc_testkit.settings import Settings


def test_curl_is_copy_pasteable_and_keeps_secrets_out() -> None:
    s = Settings(server_url="http://127.0.0.1:5000", headers=(("Authorization", "Bearer topsecret-123"),))
    cmd = curl_command("POST", "http://127.0.0.1:5000/processes/echo/execution", settings=s,
                       headers={"Content-Type": "application/json", "Prefer": "respond-async"},
                       body={"inputs": {"text": "it's"}})
    assert "topsecret" not in cmd
    argv = shlex.split(cmd)
    assert argv[:5] == ["curl", "-sS", "-i", "-X", "POST"]
    assert "Authorization: ${OAPROC_HEADER_1}" in argv
    assert argv[argv.index("-d") + 1] == '{"inputs":{"text":"it\'s"}}'
    assert "Prefer: respond-async" in argv
