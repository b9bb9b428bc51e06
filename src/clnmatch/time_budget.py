"""One time limit for a whole command: the match gets what writing the outputs leaves.

``clnmatch solve --time-limit L`` (and ``demo``, ``rematch``, ``breakouts``) promises every output
within L (plus start-up: starting Python and importing the command line). Before this
module the match alone took L and the outputs came after: at region scale (500
establishments, 80 teams) a 20 s limit took 138 s, two thirds of it explaining each
placement by re-evaluating every move. Now:

* the command's clock starts when the command does (``Deadline.after``); reading the
  survey and loading the compiled kernels count;
* ``plan_call`` gives the match what is left minus an estimate of the outputs' cost
  (``OutputCosts.estimate``); the optional outputs (the report's explanations, then
  handouts.pdf) are reserved for only while the match keeps at least ``MATCH_SHARE`` of
  what is left;
* when writing, ``clnmatch.publish`` checks the clock again before each optional output
  (a match that proved its answer early leaves time after all) and gives each a hard
  stop: explanations a deadline, Chromium (last of all) exactly what is left. What is left out is named, with
  why, on the terminal, in summary.json (``left_out``) and in the report.

The estimates are wall seconds measured on the project's 2-core machine while shared
with other work (about one core free), CLN (50 establishments / 8 teams, 98 participants),
region (500 / 80, 990) and stress (5,000 / 1,000, 9,900), times ``SAFETY``: tables,
workbook, mail-merge and handouts.html 0.23 / 0.31 / 3.8 s; report.html 0.9 / 0.6 /
1.0 s (per-team charts up to 24 teams); explanations (``clnmatch.explain_deltas``)
0.01 / 0.14 / 5.5 s; handouts.pdf 0.8 / 1.7 / 13.9 s. With the machine fully busy they
took up to twice as long. So the estimates are scaled by how busy the machine is (``Pace.slowdown``:
wall time over the CPU time of this process and its ended children since the command's
clock started, 1 when the process had a core to itself): measured over reading the survey for the plan, and over
the whole command so far (mostly the match) for the optional outputs.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

__all__ = [
    "EXPLANATIONS",
    "MATCH_SHARE",
    "PDF",
    "SAFETY",
    "CallPlan",
    "Deadline",
    "OutputCosts",
    "Pace",
    "breakout_output_seconds",
    "left_out_reason",
    "plan_call",
]

SAFETY = 1.5  # estimates are one machine's figures; a busier one is slower
MATCH_SHARE = 0.5  # optional outputs never leave the match less than this share
MIN_MATCH_S = 0.5  # the match gets at least this, whatever the estimates say
MAX_SLOWDOWN = 3.0  # beyond this the measure says more about waiting on disk than on CPU
MIN_PACE_S = 0.2  # shorter spans tell nothing about the machine
EXPLANATIONS = "explanations"
PDF = "handouts.pdf"


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (a portfolio's racers
    search in processes of their own while this one waits for them)."""
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


class Pace:
    """How busy the machine is: wall time over the CPU time this process and its children
    got since ``start``."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = _cpu_seconds()

    def slowdown(self) -> float:
        """1 with a core to ourselves, 2 when we got half of one (up to ``MAX_SLOWDOWN``)."""
        wall = time.perf_counter() - self.wall
        cpu = _cpu_seconds() - self.cpu
        if wall < MIN_PACE_S or cpu <= 0:
            return 1.0
        return min(MAX_SLOWDOWN, max(1.0, wall / cpu))


class Deadline:
    """An instant on ``time.perf_counter``'s clock (None: no limit) and what is left of it."""

    def __init__(self, at: float | None, limit: float | None = None) -> None:
        self.at = at
        self.limit = limit  # the seconds it was set with, for messages
        self.pace = Pace()
        self.extended = 0.0  # seconds added by ``extend``

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        if seconds is None:
            return cls(None)
        return cls(time.perf_counter() + float(seconds), float(seconds))

    def remaining(self) -> float:
        return math.inf if self.at is None else self.at - time.perf_counter()

    def extend(self, seconds: float) -> None:
        """Move the deadline later (one-off work the limit should not pay for)."""
        if self.at is not None:
            self.at += seconds
            self.extended += seconds

    def elapsed(self) -> float:
        """Seconds since the deadline was set."""
        return time.perf_counter() - self.pace.wall

    def allows(self, seconds: float) -> bool:
        return self.remaining() >= seconds


@dataclass(frozen=True)
class OutputCosts:
    """Estimated seconds of each part of writing the outputs (``SAFETY`` included)."""

    files: float  # teams.csv, facilitators.csv, summary.json, teams.xlsx, mailmerge, handouts
    report: float  # report.html without explanations
    explanations: float  # clnmatch.explain for the report (0 when the report has none)
    pdf: float  # handouts.pdf with Chromium (0 when not asked for)

    @classmethod
    def estimate(
        cls,
        *,
        establishments: int,
        participants: int,
        teams: int,
        explain: bool,
        pdf: bool,
        slowdown: float = 1.0,
    ) -> OutputCosts:
        """Seconds for a cohort of this size; ``slowdown`` (``Pace``) scales them all."""
        scale = SAFETY * max(1.0, slowdown)
        charts = 0.04 * teams if teams <= 24 else 0.04e-3 * participants  # matplotlib
        return cls(
            files=scale * (0.15 + 0.37e-3 * participants),
            report=scale * (0.6 + charts),
            explanations=(
                scale * (0.01 + 2e-4 * establishments + 1.1e-6 * establishments * teams)
                if explain
                else 0.0
            ),
            pdf=scale * (0.7 + 0.013 * teams) if pdf else 0.0,
        )

    @property
    def core(self) -> float:
        """What is always written."""
        return self.files + self.report


@dataclass(frozen=True)
class CallPlan:
    """The match's share of a command's time limit, and what the reserve was made for."""

    match_s: float
    reserved: tuple[str, ...]  # optional outputs the reserve has room for
    reserve_s: float


def plan_call(remaining: float, costs: OutputCosts) -> CallPlan:
    """Split ``remaining`` seconds between the match and writing the outputs.

    The core outputs are always reserved for; then the explanations and then the PDF,
    each only while the match keeps at least ``MATCH_SHARE`` of ``remaining``.
    """
    reserve = costs.core
    reserved = []
    for name, cost in ((EXPLANATIONS, costs.explanations), (PDF, costs.pdf)):
        if cost and remaining - reserve - cost >= MATCH_SHARE * remaining:
            reserve += cost
            reserved.append(name)
    match = max(MIN_MATCH_S, remaining - reserve)
    return CallPlan(match_s=match, reserved=tuple(reserved), reserve_s=reserve)


def breakout_output_seconds(people: int, rounds: int, slowdown: float = 1.0) -> float:
    """Estimated seconds to write a breakout plan's outputs, rooms.xlsx most of it
    (measured: 0.4 s for 100 people x 5 rounds, 2.2 s for 1,000 x 12, 7.7 s for 2,000 x 20)."""
    return SAFETY * max(1.0, slowdown) * (0.3 + 0.18e-3 * people * (rounds + 1))


def left_out_reason(deadline: Deadline, needed: float) -> str:
    """Why an optional output was left out, in words for the lead officer."""
    limit = f" ({deadline.limit:g} s)" if deadline.limit is not None else ""
    left = max(0.0, deadline.remaining())
    return (
        f"the time limit{limit} left {left:.1f} s and it needs about {needed:.1f} s; "
        "a longer time limit, or `clnmatch report` on this folder, writes it"
    )
