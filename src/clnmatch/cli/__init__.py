"""The ``clnmatch`` command line (contract sections 4 and 8-11).

``app`` is the Typer application; each module below registers its commands on it.
"""

import io
import os
import signal
import sys
from typing import TextIO

# importing a module registers its commands, listed by --help in this order: the matching
# day's first, the researchers' last
# isort: off
from clnmatch.cli import match, checking, mapping, day, event, breakouts, research  # noqa: F401

# isort: on
from clnmatch.cli.common import (
    EXIT_BREACH,
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_INVALID,
    EXIT_OK,
    app,
    sample_paths,
    say_stopped_unless_said,
)
from clnmatch.interrupt import WRITTEN, note_interrupt

__all__ = [
    "EXIT_BREACH",
    "EXIT_ERROR",
    "EXIT_INFEASIBLE",
    "EXIT_INVALID",
    "EXIT_OK",
    "app",
    "main",
    "sample_paths",
]


class _StdoutOnceReadersLeave(io.TextIOBase):
    """stdout that, once its reader has gone (``clnmatch ... | head -1``), drops what is
    left to print, so the command still ends with its own exit code (click's answer to a
    closed pipe is a silent 1, even after every output was written)."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._drop()
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._drop()

    def _drop(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.stream.fileno())  # the interpreter's own last flush too
        os.close(devnull)

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding


def main() -> None:  # pragma: no cover - console entry
    if isinstance(sys.stdout, io.TextIOWrapper):  # as the app's callback does (common.py)
        sys.stdout.reconfigure(errors="replace")
    sys.stdout = _StdoutOnceReadersLeave(sys.stdout)
    signal.signal(signal.SIGINT, note_interrupt)  # a swallowed Ctrl-C still stops the writing
    WRITTEN.clear()
    try:
        app()
    except KeyboardInterrupt:  # before typer took over: no traceback
        say_stopped_unless_said()
        raise SystemExit(130) from None
    except SystemExit as done:  # typer's own 130 for a Ctrl+C before the command's handling
        if done.code == 130:
            say_stopped_unless_said()
        raise
