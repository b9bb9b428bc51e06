"""Other tools that form teams, run beside clnmatch's strategies in the benchmarks.

Each peer takes a cohort, its rules, a time limit and a seed, and returns a
``PeerAnswer``: a practitioner -> team (1..T) assignment and the establishment -> team
mapping by majority of each establishment's nominees. The harness scores the
practitioner-level assignment with clnmatch's own ``check``, so a peer that splits an
establishment's nominees is charged a ``nominees_together`` breach, and every other
rule the peer does not know about (authority share, sectors, facilitators) is counted
as well. A peer never scores itself.

Peers (optional packages; ``pip install clnmatch[bench]``):

* ``team-formation`` (Harvard Business School, PyPI ``team-formation``): a CP-SAT model
  of equal-sized teams with weighted ``diversify`` / ``cluster`` goals on categorical
  attributes. We ask it to diversify authority, sector and SIMD band and to cluster
  on top-rated themes (a list-valued attribute), with CP-SAT on one worker and our
  seed, as clnmatch's own CP-SAT runs. Its teams hold floor(n/T) or ceil(n/T) members
  (we hand it these T sizes: its own target-size rule cannot always make exactly T
  teams). Building its model is not bounded by the time limit.
* ``k-means-constrained`` (PyPI ``k-means-constrained``): k-means whose cluster sizes
  lie in [size_min, size_max] (a min-cost flow per iteration), on interest vectors
  centred on the cohort's mean rating of each theme. It has no time limit: it runs its
  ``n_init=10`` restarts to the end.

Each comes at two levels. The plain name works on establishments (members are whole
establishments, their nominees together; team sizes are even in establishments, so the
participant counts may stray). The ``-practitioners`` variant works on practitioners
(team sizes within the participant bounds of the rules, nominees possibly split).

A peer that is not installed, or whose model is too large to build here, raises
``PeerUnavailable`` with the reason; the harness records such a run as failed.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Literal, Protocol
from unittest import mock

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import ClnmatchError, InvalidParameterError
from clnmatch.models import Cohort, Rules

__all__ = [
    "Peer",
    "PeerAnswer",
    "PeerUnavailable",
    "PeerFailed",
    "TeamFormationPeer",
    "KMeansConstrainedPeer",
    "available_peers",
    "get_peer",
    "peer_versions",
    "majority_teams",
]

Level = Literal["establishment", "practitioner"]

# team-formation builds one CP-SAT variable per (member, team, attribute value) in a
# Python loop: past this many the model alone takes minutes and gigabytes.
TEAM_FORMATION_MAX_VARIABLES = 3_000_000
# k-means-constrained solves a min-cost flow on members x clusters arcs per iteration.
KMEANS_MAX_ARCS = 2_000_000
TOP_THEMES = 3  # themes a member "has" for team-formation's cluster goal
_TEAM_SIZES_LOCK = threading.Lock()  # the size patch below is module-wide: one build at a time


class PeerUnavailable(ClnmatchError):
    """The peer's package is not installed, or the peer cannot run on this cohort here."""


class PeerFailed(ClnmatchError):
    """The peer ran but returned no assignment (for example, none within its time limit)."""


@dataclass(frozen=True)
class PeerAnswer:
    """A peer's teams: practitioner -> team (1..T) and establishment -> team by majority."""

    assignment: dict[str, int]
    establishment_team: dict[str, int]
    notes: tuple[str, ...] = ()


class Peer(Protocol):
    """Another tool's team formation, adapted: ``assign(cohort, rules, time_limit, seed)``."""

    name: str
    package: str

    def assign(self, cohort: Cohort, rules: Rules, time_limit: float, seed: int) -> PeerAnswer: ...


def majority_teams(cohort: Cohort, assignment: Mapping[str, int]) -> dict[str, int]:
    """Each establishment's team: the one most of its nominees are in (lowest team on a tie)."""
    out: dict[str, int] = {}
    for est in cohort.establishments:
        teams = Counter(assignment[p.id] for p in cohort.nominees[est.id] if p.id in assignment)
        if teams:
            top = max(teams.values())
            out[est.id] = min(t for t, n in teams.items() if n == top)
    return out


def _answer(cohort: Cohort, assignment: dict[str, int], notes: tuple[str, ...] = ()) -> PeerAnswer:
    return PeerAnswer(assignment, majority_teams(cohort, assignment), notes)


def _spread(cohort: Cohort, establishment_team: Mapping[str, int]) -> dict[str, int]:
    """Practitioner -> team from establishment -> team (nominees follow their establishment)."""
    return {p.id: establishment_team[p.establishment_id] for p in cohort.practitioners}


def _ratings(cohort: Cohort) -> NDArray[np.float64]:
    return np.array([p.interests for p in cohort.practitioners], dtype=np.float64).reshape(
        len(cohort.practitioners), len(cohort.themes)
    )


def _member_table(cohort: Cohort, level: Level) -> tuple[list[str], NDArray[np.float64], list[int]]:
    """Member ids, interest vectors (centred per theme) and establishment index per member."""
    ratings = _ratings(cohort)
    centred = ratings - ratings.mean(axis=0, keepdims=True) if len(ratings) else ratings
    est_index = {e.id: i for i, e in enumerate(cohort.establishments)}
    if level == "practitioner":
        ids = [p.id for p in cohort.practitioners]
        owner = [est_index[p.establishment_id] for p in cohort.practitioners]
        return ids, centred, owner
    vectors = np.zeros((len(cohort.establishments), len(cohort.themes)))
    counts = np.zeros(len(cohort.establishments))
    for row, p in enumerate(cohort.practitioners):
        vectors[est_index[p.establishment_id]] += centred[row]
        counts[est_index[p.establishment_id]] += 1
    vectors /= np.maximum(counts, 1)[:, None]
    return [e.id for e in cohort.establishments], vectors, list(range(len(cohort.establishments)))


def _simd_band(quintile: int | None) -> str:
    if quintile is None:
        return "unknown"
    return "challenge" if quintile <= 2 else ("affluent" if quintile >= 4 else "middle")


# --------------------------------------------------------------------------- team-formation
class TeamFormationPeer:
    """``team_formation.TeamAssignment`` on establishments (default) or practitioners."""

    package = "team-formation"

    def __init__(self, level: Level = "establishment", weights: Mapping[str, int] | None = None):
        self.level = level
        self.name = "team-formation" + ("-practitioners" if level == "practitioner" else "")
        self.weights = dict(weights or {"authority": 1, "sector": 1, "simd": 1, "themes": 1})

    def assign(self, cohort: Cohort, rules: Rules, time_limit: float, seed: int) -> PeerAnswer:
        started = time.perf_counter()
        try:
            import pandas as pd
            from ortools.sat.python import cp_model
            from team_formation import team_assignment
            from team_formation.team_assignment import TeamAssignment

            from clnmatch.cpsolver import cp_solver
        except ImportError as exc:
            raise PeerUnavailable(
                f"peer {self.name!r} needs the 'team-formation' package "
                f"(pip install team-formation): {exc}"
            ) from exc

        ids, vectors, owner = _member_table(cohort, self.level)
        n, teams = len(ids), rules.teams
        if teams < 1 or n < teams:
            raise PeerFailed(f"team-formation cannot make {teams} teams of {n} members")
        sizes = [n // teams + (1 if t < n % teams else 0) for t in range(teams)]
        establishments = cohort.establishments
        themes = np.array(cohort.themes, dtype=object)
        top = np.argsort(-vectors, axis=1, kind="stable")[:, :TOP_THEMES]
        frame = pd.DataFrame(
            {
                "id": ids,
                "authority": [establishments[o].authority_key for o in owner],
                "sector": [str(establishments[o].sector) for o in owner],
                "simd": [_simd_band(establishments[o].simd_quintile) for o in owner],
                "themes": [list(themes[row]) for row in top],
            }
        )
        constraints = pd.DataFrame(
            [
                ("authority", "diversify", self.weights["authority"]),
                ("sector", "diversify", self.weights["sector"]),
                ("simd", "diversify", self.weights["simd"]),
                ("themes", "cluster", self.weights["themes"]),
            ],
            columns=["attribute", "type", "weight"],
        )
        values = sum(int(frame[c].nunique()) for c in ("authority", "sector", "simd")) + len(themes)
        size = n * teams * values
        if size > TEAM_FORMATION_MAX_VARIABLES:
            raise PeerUnavailable(
                f"peer {self.name!r} would build about {size:,} CP-SAT variables "
                f"({n} members x {teams} teams x {values} attribute values); more than "
                f"{TEAM_FORMATION_MAX_VARIABLES:,}, which takes minutes and gigabytes to build"
            )
        # team-formation derives the team count from a target size and cannot always make
        # exactly T teams (500 into 80 gives 83 or 72): hand it our T sizes instead
        with (
            _TEAM_SIZES_LOCK,
            mock.patch.object(team_assignment, "calc_team_sizes", lambda *_: list(sizes)),
        ):
            model = TeamAssignment(frame, constraints, sizes[-1], less_than_target=False)
        # solve as TeamAssignment.solve does, but seeded and on one worker like clnmatch's CP-SAT
        built = time.perf_counter() - started
        solver = cp_solver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit - built)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = int(seed) % (2**31 - 1)
        status = solver.Solve(model.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise PeerFailed(
                f"peer {self.name!r}: CP-SAT found no team assignment "
                f"({solver.StatusName(status)}) within the {time_limit:g} s limit "
                f"(building its model took {built:.1f} s)"
            )
        member_team = [
            next(t for t in range(model.num_teams) if solver.Value(model.parti_vars[i]["team"][t]))
            for i in range(n)
        ]
        notes = (
            f"team-formation sizes {sorted(set(model.team_sizes))} {self.level}s per team; "
            f"status {solver.StatusName(status)}",
        )
        return self._to_answer(cohort, ids, member_team, notes)

    def _to_answer(
        self, cohort: Cohort, ids: list[str], member_team: list[int], notes: tuple[str, ...]
    ) -> PeerAnswer:
        if self.level == "practitioner":
            by_person = {pid: t + 1 for pid, t in zip(ids, member_team, strict=True)}
            return _answer(cohort, by_person, notes)
        est_team = {eid: t + 1 for eid, t in zip(ids, member_team, strict=True)}
        return _answer(cohort, _spread(cohort, est_team), notes)


# ---------------------------------------------------------------------- k-means-constrained
class KMeansConstrainedPeer:
    """``k_means_constrained.KMeansConstrained`` on interest vectors, T clusters, sizes bounded."""

    package = "k-means-constrained"

    def __init__(self, level: Level = "establishment", n_init: int = 10):
        self.level = level
        self.n_init = n_init
        self.name = "k-means-constrained" + ("-practitioners" if level == "practitioner" else "")

    def assign(self, cohort: Cohort, rules: Rules, time_limit: float, seed: int) -> PeerAnswer:
        try:
            from k_means_constrained import KMeansConstrained
        except ImportError as exc:
            raise PeerUnavailable(
                f"peer {self.name!r} needs the 'k-means-constrained' package "
                f"(pip install k-means-constrained): {exc}"
            ) from exc
        ids, vectors, _ = _member_table(cohort, self.level)
        n, teams = len(ids), rules.teams
        if n < teams:
            raise PeerFailed(f"k-means-constrained cannot make {teams} clusters of {n} members")
        if self.level == "practitioner":
            size_min, size_max = rules.size_bounds(n)
            size_min = max(1, size_min)
        else:
            size_min, size_max = n // teams, math.ceil(n / teams)
        if size_min * teams > n or size_max * teams < n:
            raise PeerFailed(
                f"k-means-constrained: sizes {size_min}..{size_max} cannot split "
                f"{n} members into {teams} clusters"
            )
        if n * teams > KMEANS_MAX_ARCS:
            raise PeerUnavailable(
                f"peer {self.name!r} would solve a min-cost flow with {n * teams:,} arcs "
                f"({n} members x {teams} clusters) per iteration, {self.n_init} restarts; more "
                f"than {KMEANS_MAX_ARCS:,}, too slow to finish here"
            )
        model = KMeansConstrained(
            n_clusters=teams,
            size_min=size_min,
            size_max=size_max,
            n_init=self.n_init,
            random_state=int(seed),
        )
        labels = np.asarray(model.fit_predict(vectors), dtype=np.int64)
        notes = (
            f"k-means-constrained on {self.level} interest vectors, sizes "
            f"{size_min}..{size_max}; no time limit (ran {self.n_init} restarts)",
        )
        if self.level == "practitioner":
            by_person = {pid: int(t) + 1 for pid, t in zip(ids, labels, strict=True)}
            return _answer(cohort, by_person, notes)
        est_team = {eid: int(t) + 1 for eid, t in zip(ids, labels, strict=True)}
        return _answer(cohort, _spread(cohort, est_team), notes)


# --------------------------------------------------------------------------- registry
PEERS: dict[str, Callable[[], Peer]] = {
    "team-formation": lambda: TeamFormationPeer("establishment"),
    "team-formation-practitioners": lambda: TeamFormationPeer("practitioner"),
    "k-means-constrained": lambda: KMeansConstrainedPeer("establishment"),
    "k-means-constrained-practitioners": lambda: KMeansConstrainedPeer("practitioner"),
}


def available_peers() -> list[str]:
    """Names ``get_peer`` knows (whether or not their packages are installed)."""
    return sorted(PEERS)


def get_peer(name: str) -> Peer:
    """The peer adapter called ``name``; an unknown name is an error listing the choices."""
    if name not in PEERS:
        raise InvalidParameterError.for_value(
            "peer", "bench", "one of " + ", ".join(repr(n) for n in sorted(PEERS)), name
        )
    return PEERS[name]()


def peer_versions() -> dict[str, str | None]:
    """Installed version of each peer's package (None when not installed)."""
    out: dict[str, str | None] = {}
    for package in ("team-formation", "k-means-constrained"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out
