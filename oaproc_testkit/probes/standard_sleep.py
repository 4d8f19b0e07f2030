"""A one-file pygeoapi sleep processor, as a pygeoapi user would write it (the "standard configuration").

Imports only pygeoapi and the standard library. Input ``seconds`` (number 0..600, required) and ``tag``
(string, optional); output ``slept``, an object. Sync and async. Used by
``oaproc_testkit.servers.pygeoapi.running_pygeoapi(standard=True)`` to measure the suites' speed on pygeoapi
without the toolkit's own probes.
"""

from __future__ import annotations

import time
from typing import Any

from pygeoapi.process.base import BaseProcessor, ProcessorExecuteError

METADATA = {
    "version": "1.0.0", "id": "sleep", "title": "Sleep", "description": "Waits the given number of seconds.",
    "jobControlOptions": ["sync-execute", "async-execute"], "keywords": ["sleep"],
    "inputs": {
        "seconds": {"title": "Seconds", "description": "How long to wait", "minOccurs": 1, "maxOccurs": 1,
                    "schema": {"type": "number", "minimum": 0, "maximum": 600}},
        "tag": {"title": "Tag", "description": "Returned as given", "minOccurs": 0, "maxOccurs": 1,
                "schema": {"type": "string"}},
    },
    "outputs": {"slept": {"title": "Slept", "description": "seconds and tag",
                          "schema": {"type": "object", "contentMediaType": "application/json"}}},
    "example": {"inputs": {"seconds": 1}},
}


class SleepProcessor(BaseProcessor):
    def __init__(self, processor_def: dict[str, Any]) -> None:
        super().__init__(processor_def, METADATA)

    def execute(self, data: dict[str, Any], outputs: dict[str, Any] | None = None) -> tuple[str, Any]:
        seconds = data.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 600:
            raise ProcessorExecuteError("seconds must be a number from 0 to 600")
        time.sleep(float(seconds))
        return "application/json", {"slept": {"seconds": seconds, "tag": data.get("tag")}}
