"""Loaded by the burst subprocesses of tests/test_burst_hostile.py (PYTHONPATH): log every outgoing
connection attempt, from the C socket layer's audit event, before it is made, to $OAPROC_CONNECT_LOG."""

import os
import sys

_LOG = os.environ.get("OAPROC_CONNECT_LOG")

if _LOG:
    def _audit(event: str, args: tuple) -> None:
        if event == "socket.connect" and isinstance(args[1], tuple):
            with open(_LOG, "a", encoding="utf-8") as fh:
                fh.write(f"{args[1][0]} {args[1][1]}\n")

    sys.addaudithook(_audit)
