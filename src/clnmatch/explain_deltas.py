"""What moving one establishment to another team would change, from team totals.

``clnmatch.explain`` needs, for every establishment and every other team, the objective
change of the move and how many rules it would newly break. Running the evaluator on
every moved assignment did that (23,818 evaluations at region scale, 500 establishments x
80 teams: about two minutes). Here the same numbers come from the teams' totals:

* ``move_deltas``: the objective change of every move, in the evaluator's milli-points
  (pair terms summed per team, focus ratings, SIMD mix);
* ``MoveBreaches``: the new breaches of a move touch only the team left, the team joined
  and the establishment's own locks; ``FacilitatorLoads`` adds those of the facilitators
  (their links stay): one of the team joined, and not of the team left, then supports
  one establishment more. The team left is checked once per establishment
  (``clnmatch.rules.check.team_breaches``, the evaluator's own per-team check); the team
  joined depends on the establishment only through its amounts and labels (participants,
  sector, authority), so every team is counted once per such profile, in numpy, walking
  the rule table's shapes (SumBound, MinDistinct, MaxShare); locks are counted per pair.
  A breach counts as new as the evaluator counts it: unless the same breach, with the same
  numbers, was there before the move.

``tests/test_explain_deltas.py`` holds both to the evaluator on random cohorts and
assignments (with rules broken before the move, pins, forbids, together and apart pairs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.evaluate import load_breach
from clnmatch.problem import Problem
from clnmatch.rules.breach import Breach
from clnmatch.rules.check import lock_breaches, team_breaches
from clnmatch.rules.spec import CompiledRules, compile_rules

__all__ = ["FacilitatorLoads", "MoveBreaches", "breach_key", "move_deltas"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def breach_key(b: Breach) -> tuple[object, ...]:
    """Two breaches are the same when rule, team, subject and message are."""
    return (b.rule, b.team, b.subject, b.message)


def move_deltas(problem: Problem, unit_team: IntArray, team_focus: IntArray) -> IntArray:
    """(U, T) objective change in milli-points of moving each unit alone to each team.

    Team focus themes stay fixed; 0 for a unit's own team. Equals the change ``evaluate``
    reports for the move (tests hold it to that).
    """
    U, T = problem.n_units, problem.n_teams
    rows = np.arange(U)
    with_team = np.zeros((U, T), dtype=np.int64)  # pair terms with each team's units
    for t in range(T):
        members = np.flatnonzero(unit_team == t)
        if members.size:
            with_team[:, t] = problem.pair_milli[:, members].sum(axis=1)
    delta = with_team - with_team[rows, unit_team][:, None]
    if problem.n_themes:
        k = np.maximum(team_focus, 0)
        gain = np.where(team_focus[None, :] >= 0, problem.theme_milli[:, k], 0)
        delta += gain - gain[rows, unit_team][:, None]
    if problem.simd_milli:
        ch = problem.unit_challenge.astype(np.int64)
        af = problem.unit_affluent.astype(np.int64)
        ch_n = np.bincount(unit_team, weights=ch, minlength=T).astype(np.int64)
        af_n = np.bincount(unit_team, weights=af, minlength=T).astype(np.int64)
        mixed = ((ch_n > 0) & (af_n > 0)).astype(np.int64)
        home_after = ((ch_n[unit_team] - ch) > 0) & ((af_n[unit_team] - af) > 0)  # (U,)
        dest_after = ((ch_n[None, :] + ch[:, None]) > 0) & ((af_n[None, :] + af[:, None]) > 0)
        change = home_after.astype(np.int64)[:, None] - mixed[unit_team][:, None]
        change = change + dest_after.astype(np.int64) - mixed[None, :]
        delta += problem.simd_milli * change
    delta[rows, unit_team] = 0
    return delta


@dataclass(frozen=True)
class _Reported:
    """What the per-team rules report for every team in some state, with the numbers."""

    sums: list[BoolArray]  # per SumBound (T,): reported broken
    distinct: list[BoolArray]  # per MinDistinct (T,)
    shares: list[BoolArray]  # per MaxShare (T, labels): label over its cap


class MoveBreaches:
    """New breaches of moving one unit of ``unit_team`` (all placed) to another team."""

    def __init__(self, problem: Problem, unit_team: IntArray, known: set[tuple[object, ...]]):
        self.rules: CompiledRules = compile_rules(problem)
        self.unit_team = np.asarray(unit_team, dtype=np.int64)
        self.known = known  # keys of the breaches before any move
        rules, T = self.rules, problem.n_teams
        self.totals = [
            np.bincount(self.unit_team, weights=s.amount, minlength=T).astype(np.int64)
            for s in rules.sums
        ]
        self.counts = [
            np.bincount(
                self.unit_team * kind.n_labels + kind.labels,
                minlength=T * kind.n_labels,
            ).reshape(T, kind.n_labels)
            for kind in rules.kinds
        ]
        self.members = [np.flatnonzero(self.unit_team == t) for t in range(T)]
        self.base = self._reported(self.totals, self.counts)
        self._home_cache: dict[int, list[Breach]] = {}

    # ----------------------------------------------------------------- counting
    def _reported(self, totals: list[IntArray], counts: list[IntArray]) -> _Reported:
        rules = self.rules
        gated = np.zeros(self.rules.n_teams, dtype=bool)
        sums = []
        for s, rule in enumerate(rules.sums):
            broken = (totals[s] < rule.low) | (totals[s] > rule.high)
            sums.append(broken & ~gated)
            if rule.spec.gates_team:
                gated = gated | broken
        distinct = [~gated & ((counts[d.kind] > 0).sum(axis=1) < d.minimum) for d in rules.distinct]
        shares = []
        for h in rules.shares:
            n = totals[h.of]
            cap = (h.share.numerator * n) // h.share.denominator
            shares.append(~gated[:, None] & (counts[h.kind] > cap[:, None]))
        return _Reported(sums, distinct, shares)

    def _joined(self, amounts: tuple[int, ...], labels: tuple[int, ...]) -> IntArray:
        """(T,) new breaches of each team after a unit with these amounts and labels joins."""
        rules = self.rules
        totals = [self.totals[s] + a for s, a in enumerate(amounts)]
        counts = []
        for k, label in enumerate(labels):
            c = self.counts[k].copy()
            c[:, label] += 1
            counts.append(c)
        after, base = self._reported(totals, counts), self.base
        new = np.zeros(rules.n_teams, dtype=np.int64)
        for s in range(len(rules.sums)):  # same message only with the same total
            new += after.sums[s] & ~(base.sums[s] & (amounts[s] == 0))
        for d, distinct in enumerate(rules.distinct):  # same labels present: same message
            present = self.counts[distinct.kind][:, labels[distinct.kind]] > 0
            new += after.distinct[d] & ~(base.distinct[d] & present)
        for h, share in enumerate(rules.shares):  # same count, team units and cap
            unchanged = np.ones_like(after.shares[h])
            unchanged[:, labels[share.kind]] = False
            if amounts[share.of] != 0:
                unchanged[:] = False
            new += (after.shares[h] & ~(base.shares[h] & unchanged)).sum(axis=1)
        return new

    def counts_all(self) -> IntArray:
        """(U, T) how many breaches each move adds (the evaluator's count); 0 at home."""
        rules, U = self.rules, self.rules.n_units
        out = np.zeros((U, rules.n_teams), dtype=np.int64)
        amounts = np.array([s.amount for s in rules.sums], dtype=np.int64).reshape(-1, U)
        labels = np.array([k.labels for k in rules.kinds], dtype=np.int64).reshape(-1, U)
        profiles = np.concatenate([amounts, labels]).T
        unique, inverse = np.unique(profiles, axis=0, return_inverse=True)
        S = len(rules.sums)
        for p, row in enumerate(unique):
            joined = self._joined(tuple(int(x) for x in row[:S]), tuple(int(x) for x in row[S:]))
            out[inverse.reshape(-1) == p] = joined
        out += np.array([len(self.home_breaches(u)) for u in range(U)])[:, None]
        out += self._lock_counts()
        out[np.arange(U), self.unit_team] = 0
        return out

    def _lock_counts(self) -> IntArray:
        """(U, T) pin / forbid / together / apart breaches a move adds (all new: they name
        the unit's new team)."""
        rules, team = self.rules, self.unit_team
        out = np.zeros((rules.n_units, rules.n_teams), dtype=np.int64)
        if rules.allowed is not None:
            out += ~rules.allowed
        teams = np.arange(rules.n_teams)
        for a, b in rules.together.tolist():
            out[a] += teams != team[b]
            out[b] += teams != team[a]
        for a, b in rules.apart.tolist():
            out[a] += teams == team[b]
            out[b] += teams == team[a]
        return out

    # ----------------------------------------------------------------- the breaches
    def home_breaches(self, u: int) -> list[Breach]:
        """New breaches of the unit's own team once it leaves (the same wherever it goes)."""
        if u not in self._home_cache:
            home = int(self.unit_team[u])
            left = self.members[home][self.members[home] != u]
            self._home_cache[u] = self._team(home, left, u, -1)
        return self._home_cache[u]

    def _team(self, t: int, members: IntArray, u: int, sign: int) -> list[Breach]:
        totals = []
        for s, rule in enumerate(self.rules.sums):
            column = self.totals[s].copy()
            column[t] += sign * int(rule.amount[u])
            totals.append(column)
        found = team_breaches(self.rules, t, members, totals)
        return [b for b in found if breach_key(b) not in self.known]

    def _locks(self, u: int, t: int) -> list[Breach]:
        """New lock breaches of the unit in team ``t``: the evaluator's lock check over the
        unit and its partners only (their own breaches are unchanged, hence known)."""
        rules = self.rules
        pairs_t = rules.together[(rules.together == u).any(axis=1)]
        pairs_a = rules.apart[(rules.apart == u).any(axis=1)]
        locked = rules.allowed is not None and not rules.allowed[u].all()
        if not locked and not len(pairs_t) and not len(pairs_a):
            return []
        local = np.unique(np.concatenate([[u], pairs_t.ravel(), pairs_a.ravel()]))
        index = {int(v): i for i, v in enumerate(local)}
        team = self.unit_team[local].copy()
        team[index[u]] = t
        restricted = dataclasses.replace(
            rules,
            n_units=len(local),
            allowed=None if rules.allowed is None else rules.allowed[local],
            unit_pin=None if rules.unit_pin is None else rules.unit_pin[local],
            together=np.vectorize(index.__getitem__, otypes=[np.int64])(pairs_t).reshape(-1, 2),
            apart=np.vectorize(index.__getitem__, otypes=[np.int64])(pairs_a).reshape(-1, 2),
            unit_ids=tuple(rules.unit_ids[int(v)] for v in local),
        )
        return [b for b in lock_breaches(restricted, team) if breach_key(b) not in self.known]

    def breaches(self, u: int, t: int) -> list[Breach]:
        """The new breaches of moving unit ``u`` to team ``t`` (0-based), in the evaluator's
        order: per team in team order, then locks."""
        home = int(self.unit_team[u])
        if t == home:
            return []
        joined = self._team(t, np.sort(np.append(self.members[t], u)), u, +1)
        left = self.home_breaches(u)
        per_team = left + joined if home < t else joined + left
        return per_team + self._locks(u, t)


class FacilitatorLoads:
    """New facilitator-load breaches of moving one unit (an establishment) of ``unit_team``
    to another team, the facilitator ``links`` (id, team 1..T) kept."""

    def __init__(
        self,
        links: Iterable[tuple[str, int]],
        unit_team: IntArray,
        n_teams: int,
        limit: int,
    ):
        self.unit_team = np.asarray(unit_team, dtype=np.int64)
        self.n_teams, self.limit = n_teams, limit
        sizes = np.bincount(self.unit_team, minlength=n_teams)
        # per facilitator, how many of their links name each team (the evaluator counts
        # a team's establishments once a link)
        self.links: dict[str, IntArray] = {}
        for fid, team in links:
            row = self.links.setdefault(fid, np.zeros(n_teams, dtype=np.int64))
            if 1 <= int(team) <= n_teams:
                row[int(team) - 1] += 1
        self.load = {fid: int(row @ sizes) for fid, row in self.links.items()}

    def breaches(self, u: int, t: int) -> list[Breach]:
        """The new breaches of moving unit ``u`` to team ``t`` (0-based): a load over the
        limit, unless the same load was over it before (as the evaluator counts new ones)."""
        home = int(self.unit_team[u])
        out = []
        for fid, row in self.links.items():
            n = self.load[fid] + int(row[t] - row[home])
            if t != home and n > self.limit and n != self.load[fid]:
                out.append(load_breach(fid, n, self.limit))
        return out

    def counts_all(self) -> IntArray:
        """(U, T) how many breaches each move adds (0 at home)."""
        out = np.zeros((self.unit_team.size, self.n_teams), dtype=np.int64)
        for fid, row in self.links.items():
            after = self.load[fid] + row[None, :] - row[self.unit_team][:, None]
            out += (after > self.limit) & (after != self.load[fid])
        return out
