"""The ``clnmatch`` console script: the command line, with a Ctrl+C while it is still
being imported (its first half second) said as every other stop is, not a traceback."""

from __future__ import annotations

import signal
import sys

from clnmatch.interrupt import STOPPED

__all__ = ["main"]


def main() -> None:
    try:
        from clnmatch.cli import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write(STOPPED + "\n")
        raise SystemExit(130) from None
    try:
        command_line()
    finally:  # the command has ended, and said how: Python closing down (a second) is not
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # stopped (it printed a traceback)
