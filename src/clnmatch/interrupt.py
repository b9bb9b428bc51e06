"""Ctrl-C while the outputs are written (no heavy imports: the command line sets it up
at start-up)."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

__all__ = ["INTERRUPTED", "STOPPED", "WRITTEN", "note_interrupt", "stopped_message"]

STOPPED = "Stopped (Ctrl+C): no output was written or changed."  # every command's word

# the output folders this command has moved its files into (whole): a Ctrl+C after that,
# while the process ends, must not say that nothing was written (the last few only: an app
# that writes results all day keeps no growing list)
WRITTEN: deque[str] = deque(maxlen=8)


def stopped_message() -> str:
    """What a stopped run says: ``STOPPED``, unless its outputs are in place already."""
    if not WRITTEN:
        return STOPPED
    return f"Stopped (Ctrl+C) after every output was written, whole, to {', '.join(WRITTEN)}."


# Set by the command line's Ctrl-C handler (``note_interrupt``): a KeyboardInterrupt raised
# inside a C callback (the compiled kernels' cache, a logging lock) is printed as "ignored"
# and the run went on to write every output; a stopped run must leave the folder as it was.
INTERRUPTED = threading.Event()


def note_interrupt(signum: int, frame: Any) -> None:
    """A SIGINT handler: remember the interrupt, then raise it as Python's own does."""
    INTERRUPTED.set()
    raise KeyboardInterrupt
