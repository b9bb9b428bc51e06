"""What moving one establishment to another team would change, from team totals.

``clnmatch.explain`` needs, for every establishment and every other team, the objective
change of the move and how many rules it would newly break. Running the evaluator on
every moved assignment did that (23,818 evaluations at region scale, 500 establishments x
80 teams: about two minutes). Here the same numbers come from the teams' totals:

* ``move_deltas``: the objective change of every move, in the evaluator's milli-points
  (pair terms summed per team, focus ratings with each team's focus chosen again, SIMD
  mix);
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

__all__ = ["FacilitatorLoads", "MoveBreaches", "MoveDeltas", "breach_key", "move_deltas"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def breach_key(b: Breach) -> tuple[object, ...]:
    """Two breaches are the same when rule, team, subject and message are."""
    return (b.rule, b.team, b.subject, b.message)


def move_deltas(problem: Problem, unit_team: IntArray) -> IntArray:
    """(U, T) objective change in milli-points of moving each unit alone to each team.

    Each team's focus theme is chosen again after the move, as the evaluator (and the
    event's board) chooses it: a school joining can change its new team's focus, and the
    team it left. Equals ``evaluate``'s change for the move (tests hold it to that). 0 for
    a unit's own team. ``MoveDeltas`` gives the same lazily (``explain`` needs the best
    move of each unit, not every move exactly).
    """
    deltas = MoveDeltas(problem, unit_team)
    for u, t in zip(*np.nonzero(~deltas.exact), strict=True):
        deltas.refine(int(u), int(t))
    return deltas.upper


class MoveDeltas:
    """Every move's objective change (as ``move_deltas``), exact except where
    max_teams_per_theme holds back the teams' own best focus themes after the move: there
    ``upper`` is an upper bound (the themes chosen without the cap), made exact by
    ``refine`` (the evaluator's choice over all teams: a few per cohort, each costly at
    80 teams)."""

    def __init__(self, problem: Problem, unit_team: IntArray) -> None:
        U, T = problem.n_units, problem.n_teams
        self.problem, self.unit_team = problem, np.asarray(unit_team, dtype=np.int64)
        rows = np.arange(U)
        with_team = np.zeros((U, T), dtype=np.int64)  # pair terms with each team's units
        for t in range(T):
            members = np.flatnonzero(self.unit_team == t)
            if members.size:
                with_team[:, t] = problem.pair_milli[:, members].sum(axis=1)
        self.upper = with_team - with_team[rows, self.unit_team][:, None]
        self.exact = np.ones((U, T), dtype=bool)
        if problem.n_themes and problem.theme_milli.any():
            self._add_focus()
        if problem.simd_milli:
            self.upper += problem.simd_milli * _mix_changes(problem, self.unit_team)
        self.upper[rows, self.unit_team] = 0
        self.exact[rows, self.unit_team] = True

    def _add_focus(self) -> None:
        problem, unit_team = self.problem, self.unit_team
        U, T, K = problem.n_units, problem.n_teams, problem.n_themes
        ratings = problem.theme_milli.astype(np.int64)  # (U, K)
        totals = np.zeros((T, K), dtype=np.int64)
        np.add.at(totals, unit_team, ratings)
        focus = problem.best_focus(unit_team)
        self._totals, self._ratings = totals, ratings
        self._now = _focus_total(totals, focus)
        best = totals.max(axis=1)  # each team's own best theme, cap or not
        left = totals[unit_team] - ratings  # (U, K): each unit's team without it
        # the teams' own best themes after the move, less the focus part now
        shift = int(best.sum()) - self._now + left.max(axis=1) - best[unit_team]  # (U,)
        cap = problem.max_teams_per_theme
        capped = cap is not None and cap < T
        if capped:
            assert cap is not None
            # the capped choice after a move is at most the bound of the theme prices that
            # price the choice now (only the two teams' terms change)
            price = _theme_prices(totals, cap)
            keep = np.maximum(0.0, (totals - price).max(axis=1))  # (T,)
            rest = float(keep.sum() + cap * price.sum())
            after_left = rest - keep[unit_team] + np.maximum(0.0, (left - price).max(axis=1))
            own = totals.argmax(axis=1)
            count = np.bincount(own, minlength=K)
            eye = np.eye(K, dtype=np.int64)
            count_left = count[None, :] - eye[own[unit_team]] + eye[left.argmax(axis=1)]
        self._focus = np.zeros((U, T), dtype=np.int64)
        for t in range(T):
            joined = totals[t][None, :] + ratings
            part = shift + joined.max(axis=1) - best[t]
            if capped:
                dual = after_left - keep[t] + np.maximum(0.0, (joined - price).max(axis=1))
                part = np.minimum(part, np.ceil(dual - 1e-6).astype(np.int64) - self._now)
                # the teams' own best themes within the cap: the capped choice too
                after = count_left + eye[joined.argmax(axis=1)]
                after[:, own[t]] -= 1
                self.exact[:, t] = after.max(axis=1) <= cap
            self._focus[:, t] = part
        self.upper += self._focus

    def refine(self, u: int, t: int) -> int:
        """The exact change of moving unit ``u`` to team ``t`` (kept for later calls)."""
        if not self.exact[u, t]:
            a, problem = int(self.unit_team[u]), self.problem
            moved = self.unit_team.copy()
            moved[u] = t
            totals = self._totals.copy()
            totals[a] -= self._ratings[u]
            totals[t] += self._ratings[u]
            focus = _focus_total(totals, problem.best_focus(moved)) - self._now
            self.upper[u, t] += focus - self._focus[u, t]
            self._focus[u, t] = focus
            self.exact[u, t] = True
        return int(self.upper[u, t])

    def best(self, u: int, others: IntArray, new: IntArray | None = None) -> int:
        """Of teams ``others``, the move of unit ``u`` with the fewest ``new`` breaches (when
        given), then the greatest change, then the lowest team: bounds are made exact
        until the first is exact (no bound is below its exact change)."""
        while True:
            keys = (others, -self.upper[u, others], *(() if new is None else (new[others],)))
            t = int(others[np.lexsort(keys)[0]])
            if self.exact[u, t]:
                return t
            self.refine(u, t)


def _focus_total(totals: IntArray, focus: IntArray) -> int:
    """The focus part of teams of theme ``totals`` (T, K) with these foci (-1: none)."""
    chosen = totals[np.arange(len(focus)), np.maximum(focus, 0)]
    return int(np.where(focus >= 0, chosen, 0).sum())


def _theme_prices(totals: IntArray, cap: int) -> NDArray[np.float64]:
    """Prices of the themes (0 or more) for the bound of the teams' capped focus choice:
    the dual of the choice's linear programme (each team's best theme less its price, and
    cap times the prices, bound the choice), or 0 (no better bound) if it fails."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    T, K = totals.shape
    pairs = np.arange(T * K)
    rows = np.concatenate([pairs, pairs])
    columns = np.concatenate([pairs // K, T + pairs % K])  # y_team + price_theme >= total
    a = coo_array((-np.ones(2 * T * K), (rows, columns)), shape=(T * K, T + K))
    cost = np.concatenate([np.ones(T), np.full(K, float(cap))])
    bound = -totals.ravel().astype(float)
    found = linprog(cost, A_ub=a, b_ub=bound, bounds=(0, None), method="highs")
    return np.maximum(found.x[T:], 0.0) if found.status == 0 else np.zeros(K)


def _mix_changes(problem: Problem, unit_team: IntArray) -> IntArray:
    """(U, T) change in the number of teams mixing SIMD bands when each unit moves."""
    T = problem.n_teams
    ch = problem.unit_challenge.astype(np.int64)
    af = problem.unit_affluent.astype(np.int64)
    ch_n = np.bincount(unit_team, weights=ch, minlength=T).astype(np.int64)
    af_n = np.bincount(unit_team, weights=af, minlength=T).astype(np.int64)
    mixed = ((ch_n > 0) & (af_n > 0)).astype(np.int64)
    home_after = ((ch_n[unit_team] - ch) > 0) & ((af_n[unit_team] - af) > 0)  # (U,)
    dest_after = ((ch_n[None, :] + ch[:, None]) > 0) & ((af_n[None, :] + af[:, None]) > 0)
    change = home_after.astype(np.int64)[:, None] - mixed[unit_team][:, None]
    return change + dest_after.astype(np.int64) - mixed[None, :]


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
