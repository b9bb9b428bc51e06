"""Processes that end with the process that started them.

A parent killed outright (``kill -9``, a cancelled re-optimise) cannot end its children,
and a solver left running for nobody holds a core the next search needs. A child that
calls ``end_with_parent`` watches its parent and ends (with any workers of its own) once
the parent has gone.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

__all__ = ["end_with_parent"]

_WATCH_S = 0.5


def end_with_parent() -> None:
    """End this process, and its multiprocessing children, once its parent has gone."""
    parent = os.getppid()
    if os.name == "nt":  # a Windows process keeps its parent's id: ask whether it runs
        from clnmatch.io.safe import process_alive

        def parent_runs() -> bool:
            return process_alive(parent)
    else:  # an orphan is adopted (its parent id changes); that id may be reused later

        def parent_runs() -> bool:
            return os.getppid() == parent

    def watch() -> None:
        while parent_runs():
            time.sleep(_WATCH_S)
        for worker in multiprocessing.active_children():
            worker.kill()
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
