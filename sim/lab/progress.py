"""A one-line progress bar on stderr, shown only on a terminal unless forced."""

from __future__ import annotations

import sys
import time
from typing import Self, TextIO


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class Progress:
    """``done/total`` with a bar, elapsed time and an estimate of the time left.

    ``enabled=None`` shows it only when `stream` is a terminal.  Redraws at most ten
    times a second; `close` ends the line.  Usable as a context manager.
    """

    def __init__(self, total: int, label: str = "", stream: TextIO | None = None,
                 enabled: bool | None = None, width: int = 30) -> None:
        self.total, self.label, self.width = max(0, total), label, width
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self._isatty() if enabled is None else enabled
        self.done = 0
        self._start = time.monotonic()
        self._drawn = 0.0
        self._open = False

    def _isatty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError):
            return False

    def line(self, now: float | None = None) -> str:
        """The text of the bar as it stands."""
        elapsed = (now if now is not None else time.monotonic()) - self._start
        share = self.done / self.total if self.total else 1.0
        filled = round(share * self.width)
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        left = "" if eta is None else f"  about {_clock(eta)} left"
        return (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                f"{100 * share:3.0f} %  {_clock(elapsed)}{left}")

    def update(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn >= 0.1 or self.done >= self.total:
            self._drawn = now
            self.stream.write("\r" + self.line(now) + "\033[K")
            self.stream.flush()
            self._open = True

    def close(self) -> None:
        if self.enabled and self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
