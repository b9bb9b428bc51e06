"""Whether processes a test started (or their children) still run, zombies counted as ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from clnmatch.io.safe import process_alive


def running(pid: int) -> bool:
    """Whether ``pid`` runs (``process_alive``) and is not a zombie: an orphan's zombie may
    wait a while to be reaped where the container's first process does not reap."""
    if not process_alive(pid):
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def left_running(pids: Iterable[int], within: float = 20.0) -> list[int]:
    """Wait up to ``within`` seconds for ``pids`` to end; those still running are killed
    (so a failing test leaves nothing behind) and returned."""
    pids = list(pids)
    deadline = time.monotonic() + within
    while any(map(running, pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in pids if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def kill_after_first_line(script: Path, settle: float) -> list[int]:
    """Run ``script`` in a new Python, read the process ids it prints on its first line, let
    it run ``settle`` seconds more, then kill -9 it (no chance to end its children itself)."""
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pids = [int(pid) for pid in parent.stdout.readline().split()]
    time.sleep(settle)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    return pids
