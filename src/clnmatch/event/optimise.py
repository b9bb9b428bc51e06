"""Re-optimise the rest in a child process, so that the page can watch it and cancel it.

``clnmatch.solve`` runs in a child Python process: its progress reports come back as JSON lines
(the page shows them live), and cancel ends the process at once, which a solver in a
thread cannot do. The time limit is the search's: starting the child, importing clnmatch
and a first small match (2-4 s; a first match in a process is slower, and one of 2 s
proposed the board it started from, barely repaired) are done before it, ahead of need:
the page keeps one ``SolverProcess`` started. A re-optimise asked before it is ready (one
right after another) waits for it; the parent stops waiting a moment after the deadline
whatever happens. Only plain data crosses the pipes.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from clnmatch.lifetime import end_with_parent
from clnmatch.models import Cohort, Rules

__all__ = ["Solved", "SolverProcess", "SolverTimeout", "child_main", "solve_in_child"]

# after the deadline the parent waits this long for the answer before giving up
_GRACE_S = 10.0
_START_S = 120.0  # a child still not ready by then: the computer is too busy
_POLL_S = 0.05


class SolverTimeout(RuntimeError):
    """The child gave no answer by the deadline and the grace after it (a busy computer)."""


@dataclass(frozen=True)
class Solved:
    """What the child found: establishment -> team (1..T), links and the proof."""

    status: str
    teams: dict[str, int]
    links: list[tuple[str, int]]
    objective: float | None
    bound: float | None
    notes: list[str]


def child_main() -> None:
    """The child process: import, match once untimed, say ready, read the pickled problem
    on stdin, solve, answer."""
    end_with_parent()  # the server may be killed outright: solve on for nobody
    from clnmatch.event.words import plain_reason
    from clnmatch.generate import generate_cohort
    from clnmatch.precompile import load_kernels
    from clnmatch.solve import solve

    load_kernels(rooms=False)
    with contextlib.suppress(Exception):  # the first match's costs; a fault shows in the real one
        solve(generate_cohort(50, seed=0), time_limit=0.3, seed=0)

    out = sys.stdout

    def send(kind: str, data: object) -> None:
        out.write(json.dumps([kind, data]) + "\n")
        out.flush()

    send("ready", None)
    try:
        payload = pickle.loads(sys.stdin.buffer.read())
    except (EOFError, pickle.UnpicklingError):
        return  # the parent went away (or was killed) before it needed this process

    def progress(p: Any) -> None:
        send("progress", {"elapsed_s": p.elapsed_s, "objective": p.objective, "bound": p.bound})

    try:
        result = solve(
            payload["cohort"],
            payload["rules"],
            objective=payload["objective"],
            time_limit=max(0.5, payload["deadline"] - time.time()),
            seed=payload["seed"],
            progress=progress,
            warm_start=payload["warm_start"] or None,
        )
        notes = list(result.notes)
        if not result.feasible:  # first, why, in the room's words (no rule ids, no options)
            notes.insert(0, plain_reason(result))
        send(
            "done",
            {
                "status": str(result.status),
                "teams": result.establishment_team() if result.feasible else {},
                "links": [(f, int(t)) for f, t in result.facilitator_links],
                "objective": result.objective,
                "bound": result.bound,
                "notes": notes,
            },
        )
    except Exception as exc:  # reported to the parent, which raises it as an EventError
        send("error", f"{type(exc).__name__}: {exc}")


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


class SolverProcess:
    """A solver process started ahead of need, so that importing clnmatch in it (1-3 s)
    is done before a re-optimise's time limit starts. Unused, it ends with its parent."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from clnmatch.event.optimise import child_main; child_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(
            target=_pump, args=(iter(self.process.stdout.readline, b""), self.lines), daemon=True
        ).start()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def _next_message(
    child: SolverProcess, cancel: threading.Event | None, gives_up: float, late: str, ended: str
) -> tuple[str, Any] | None:
    """The child's next message (kind, data); None when cancelled first. Raises
    SolverTimeout saying ``late`` after ``gives_up``, RuntimeError saying ``ended``."""
    while True:
        if cancel is not None and cancel.is_set():
            return None
        if time.time() > gives_up:
            raise SolverTimeout(late)
        try:
            line = child.lines.get(timeout=_POLL_S)
        except queue.Empty:
            continue
        if line is None:
            raise RuntimeError(ended)
        kind, data = json.loads(line)
        return kind, data


def _wait_until_ready(child: SolverProcess, cancel: threading.Event | None) -> bool:
    """Wait for the child's "ready" (False when cancelled first)."""
    gives_up = time.time() + _START_S
    late = f"the solver process did not start within {_START_S:g} s"
    ended = "the solver process ended as it started"
    while message := _next_message(child, cancel, gives_up, late, ended):
        if message[0] == "ready":
            return True
    return False


def solve_in_child(
    cohort: Cohort,
    rules: Rules,
    *,
    objective: str,
    time_limit: float,
    seed: int,
    warm_start: Mapping[str, int],
    progress: Callable[[dict[str, Any]], None] | None = None,
    cancel: threading.Event | None = None,
    child: SolverProcess | None = None,
) -> Solved | None:
    """Solve in a child process (``child``, else a new one); None when cancelled.

    Raises RuntimeError on failure (SolverTimeout past the deadline). The child is ended
    before returning.
    """
    child = child or SolverProcess()
    try:
        if not _wait_until_ready(child, cancel):
            return None
        deadline = time.time() + float(time_limit)
        payload = pickle.dumps(
            {
                "cohort": cohort,
                "rules": rules,
                "objective": objective,
                "seed": int(seed),
                "warm_start": dict(warm_start),
                "deadline": deadline,
            }
        )
        assert child.process.stdin is not None
        try:
            child.process.stdin.write(payload)
            child.process.stdin.close()
        except OSError as exc:
            raise RuntimeError(f"the solver process could not start ({exc})") from exc
        late = f"no answer within {time_limit:g} s and {_GRACE_S:g} s more"
        ended = "the solver process ended without an answer"
        while message := _next_message(child, cancel, deadline + _GRACE_S, late, ended):
            kind, data = message
            if kind == "progress":
                if progress is not None:
                    progress(data)
            elif kind == "error":
                raise RuntimeError(str(data))
            elif kind == "done":
                return Solved(
                    status=data["status"],
                    teams={str(k): int(v) for k, v in data["teams"].items()},
                    links=[(str(f), int(t)) for f, t in data["links"]],
                    objective=data["objective"],
                    bound=data["bound"],
                    notes=list(data["notes"]),
                )
        return None  # cancelled
    finally:
        child.close()
