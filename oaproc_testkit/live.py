"""The terminal's live line while a run waits on jobs: ``oaproc: waiting on 3 jobs: sleep (12 s), echo (6 s)``.

On a terminal the line is drawn below pytest's progress and redrawn in place (ANSI: erase line, cursor
up), then removed so pytest's own output goes on where it was. Anywhere else (CI logs, pipes) nothing is
redrawn: a plain line is printed once a wait has lasted ``PLAIN_AFTER_S`` and then every ``PLAIN_EVERY_S``,
so a log never shows a silent minute and never gets control characters. Only the main thread draws, with
pytest's output capture suspended.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from .runstate import WaitBoard

SHOW_AFTER_S = 1.0  # a wait shorter than this is not worth a line
REDRAW_S = 0.5
PLAIN_AFTER_S = 10.0
PLAIN_EVERY_S = 15.0


class LiveLine:
    """Draws ``board.describe()`` on pytest's terminal; ``tick()`` from the waiting main thread."""

    def __init__(self, terminal: Any, capture: Any, board: WaitBoard, clock: Callable[[], float]) -> None:
        self.tw = getattr(terminal, "_tw", None)
        self.capture = capture
        self.board = board
        self.clock = clock
        self.tty = bool(self.tw is not None and getattr(self.tw, "hasmarkup", False) and _isatty(terminal))
        self.terminal = terminal
        self.shown = False
        self.column = 0
        self.last_draw = 0.0
        self.last_plain: float | None = None

    def _write(self, text: str) -> None:
        guard = self.capture.global_and_fixture_disabled() if self.capture is not None else nullcontext()
        with guard:
            self.tw.write(text)  # type: ignore[union-attr]
            self.tw.flush()  # type: ignore[union-attr]

    def tick(self) -> None:
        if self.tw is None:
            return
        now = self.clock()
        if self.tty:
            text = self.board.describe(now, min_age=SHOW_AFTER_S)
            if not text:
                self.clear()
                return
            if now - self.last_draw < REDRAW_S:
                return
            self.last_draw = now
            width = max(20, getattr(self.tw, "fullwidth", 80) - 1)
            line = ("oaproc: " + text)[:width]
            if not self.shown:
                self.column = getattr(self.tw, "width_of_current_line", 0)
                self._write("\n" + line)
                self.shown = True
            else:
                self._write("\r\x1b[K" + line)
            return
        text = self.board.describe(now, min_age=PLAIN_AFTER_S)
        if text and (self.last_plain is None or now - self.last_plain >= PLAIN_EVERY_S):
            self.last_plain = now
            guard = self.capture.global_and_fixture_disabled() if self.capture is not None else nullcontext()
            with guard:
                self.terminal.write_line("oaproc: " + text)
        elif not text:
            self.last_plain = None

    def clear(self) -> None:
        """Remove the live line (terminal only) and put the cursor back where pytest left it."""
        if not self.shown:
            return
        self.shown = False
        self._write("\r\x1b[K\x1b[1A" + (f"\x1b[{self.column}C" if self.column else ""))


def _isatty(terminal: Any) -> bool:
    value = getattr(terminal, "isatty", False)
    return bool(value() if callable(value) else value)
