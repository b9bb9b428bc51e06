"""The CP-SAT backend of the objective terms: focus, pairs (cohesion and travel), SIMD mix.

A mixin of the one model builder (``clnmatch.cpmodel``); every term appends (variable,
coefficient) pairs to ``terms`` and its auxiliaries to ``aux`` (so a hint can set them).

* **Focus.** ``y[t, k]``, one theme per team. Default form ``"v"``: ``v[u, k]`` = "unit u's
  team has focus k", exact by clauses ``x[u, t] & y[t, k] -> v[u, k]`` (one k per unit),
  gain ``theme_milli[u, k] * v[u, k]``, plus every team rule summed over the teams of one
  focus. That aggregate is almost the whole optimum (it was tight on 3 of 5 cohorts, 1
  point off on 2), and it proves optimality 3-10x faster than the classic ``"z"`` form
  (``z[u, t, k] <= x, <= y``, ``sum_k z <= x``, deterministic time 7-15 to proof versus
  1-4.4). ``"zv"`` has both; ``"compact"`` (large models) is one integer gain per team
  bounded by ``sum_u theme_milli[u, k] x[u, t]`` when ``y[t, k]``.
* **Pairs** (cohesion and travel): ``w[u, v, t]`` with ``w -> x[u, t] & x[v, t]`` for a
  positive weight and ``x[u, t] & x[v, t] -> w`` for a negative one, plus star cuts
  ``sum_v w[u, v, t] <= (most units per team - 1) x[u, t]``. Pairs kept together by the
  rules are a constant; pairs kept apart or with no common team are dropped. Beyond
  ``pair_var_limit`` variables only each unit's strongest partners are modelled and the
  bound adds the positive weight of every left-out pair that could share a team.
* **SIMD mix**: one Boolean per team, true only if it holds a challenge and an affluent unit.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.problem import Problem
from clnmatch.rules.cpsat import add_focus_aggregates
from clnmatch.rules.spec import compile_rules

__all__ = ["FOCUS_FORMS", "PAIR_MODES", "FocusForm", "ObjectiveTerms", "PairMode"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
PairMode = Literal["auto", "all", "none"]
FocusForm = Literal["auto", "z", "zv", "v", "compact"]
FOCUS_FORMS: tuple[str, ...] = ("auto", "z", "zv", "v", "compact")
PAIR_MODES: tuple[str, ...] = ("auto", "all", "none")


class ObjectiveTerms:
    """The objective terms of the model being built (mixed into its builder)."""

    p: Problem
    m: cp_model.CpModel
    x: list[list[cp_model.IntVar]]
    y: list[list[cp_model.IntVar]] | None
    possible: BoolArray
    guarded: bool
    large: bool
    aux: Any
    terms: list[tuple[cp_model.IntVar, int]]
    constant: int
    focus_form: str
    v: list[list[cp_model.IntVar]] | None
    pairs_total: int
    pairs_modelled: int
    excluded_positive: int

    def enforce(self, ct: cp_model.Constraint, rule: str) -> None:
        raise NotImplementedError

    def objective(
        self, pair_terms: PairMode, pair_var_limit: int, focus_form: FocusForm, focus_var_limit: int
    ) -> None:
        if self.p.has_focus and self.y is not None:
            self._focus(focus_form, focus_var_limit)
        self._pairs(pair_terms, pair_var_limit)
        self._simd()
        # written straight into the proto (CP-SAT minimises: maximise f = minimise -f, reported
        # back through scaling_factor -1); the Python expression path is slow for 10^5 terms
        merged: dict[int, int] = {}
        for var, coef in self.terms:
            merged[var.index] = merged.get(var.index, 0) + coef
        obj = self.m.proto.objective
        obj.vars.extend(list(merged))
        obj.coeffs.extend([-c for c in merged.values()])
        obj.offset = -float(self.constant)
        obj.scaling_factor = -1.0

    def _focus(self, form: FocusForm, limit: int) -> None:
        p, m, x, y = self.p, self.m, self.x, self.y
        assert y is not None
        theme = p.theme_milli
        positive = theme > 0
        n_z = int((positive.sum(axis=1) * self.possible.sum(axis=1)).sum())
        if form == "auto":
            form = "v" if n_z <= limit and not self.large else "compact"
        self.focus_form = form
        if form in ("v", "zv"):
            self._theme_aggregate(objective=form == "v")
        if form in ("z", "zv"):
            for u in range(p.n_units):
                ks = np.flatnonzero(positive[u]).tolist()
                for t in np.flatnonzero(self.possible[u]).tolist():
                    zs = []
                    for k in ks:
                        z = m.new_bool_var(f"z[{u},{t},{k}]")
                        m.add_implication(z, x[u][t])
                        m.add_implication(z, y[t][k])
                        zs.append(z)
                        self.aux.z.append((z, u, int(t), int(k)))
                        self.terms.append((z, int(theme[u, k])))
                    if len(zs) > 1:
                        m.add(cp_model.LinearExpr.sum(zs) <= x[u][t])
            if self.v is not None:  # a unit's gain from theme k, over all teams, is at most v[u, k]
                by_uk: dict[tuple[int, int], list[cp_model.IntVar]] = {}
                for z, u, _, k in self.aux.z:
                    by_uk.setdefault((u, k), []).append(z)
                for (u, k), zs in by_uk.items():
                    m.add(cp_model.LinearExpr.sum(zs) <= self.v[u][k])
            return
        if form == "v":
            return
        best = theme.max(axis=1)
        for t in range(p.n_teams):
            units = np.flatnonzero(self.possible[:, t])
            col = [x[u][t] for u in units]
            g = m.new_int_var(0, int(best[units].sum()), f"g[{t}]")
            m.add(g <= cp_model.LinearExpr.weighted_sum(col, [int(best[u]) for u in units]))
            for k in range(p.n_themes):
                gain = cp_model.LinearExpr.weighted_sum(col, [int(theme[u, k]) for u in units])
                m.add(g <= gain).only_enforce_if(y[t][k])
            self.aux.g.append((g, t))
            self.terms.append((g, 1))

    def _theme_aggregate(self, objective: bool) -> None:
        """Units grouped by their team's focus: an exact map plus the rules summed per theme.

        ``v[u, k]``: unit u's team has focus k (exact: ``x[u, t] & y[t, k] -> v[u, k]``, one k
        per unit). Each team rule summed over the teams of one focus
        (``clnmatch.rules.cpsat.add_focus_aggregates``) holds for every assignment and makes
        the LP see that a theme's units must fill whole teams (the source of most of the
        focus gap).
        """
        p, m, x, y = self.p, self.m, self.x, self.y
        assert y is not None
        n_units, n_themes = p.n_units, p.n_themes
        v = [[m.new_bool_var(f"v[{u},{k}]") for k in range(n_themes)] for u in range(n_units)]
        self.v = v
        for u in range(n_units):
            m.add_exactly_one(v[u])
            for k in range(n_themes):
                self.aux.v.append((v[u][k], u, k))
                for t in np.flatnonzero(self.possible[u]).tolist():
                    m.add_bool_or([x[u][t].Not(), y[t][k].Not(), v[u][k]])
                    m.add_implication(v[u][k], y[t][k]).only_enforce_if(x[u][t])
        for k in range(n_themes):
            add_focus_aggregates(self, compile_rules(p), v, k)
        if objective:
            for u in range(n_units):
                for k in np.flatnonzero(p.theme_milli[u] > 0).tolist():
                    self.terms.append((v[u][k], int(p.theme_milli[u, k])))

    def _pairs(self, mode: PairMode, limit: int) -> None:
        p, m, x = self.p, self.m, self.x
        n_units = p.n_units
        if n_units < 2 or not p.pair_milli.any():
            return
        iu, iv = np.triu_indices(n_units, 1)
        wt = p.pair_milli[iu, iv].astype(np.int64)
        keep = wt != 0
        comp = p.together_labels()
        same = comp[iu] == comp[iv]
        self.constant += int(wt[keep & same].sum())  # kept together by the rules: a constant
        keep &= ~same
        if len(p.apart):
            apart = np.zeros((n_units, n_units), dtype=bool)
            apart[p.apart[:, 0], p.apart[:, 1]] = True
            apart[p.apart[:, 1], p.apart[:, 0]] = True
            keep &= ~apart[iu, iv]
        common = (self.possible[iu] & self.possible[iv]).sum(axis=1)
        keep &= common > 0
        iu, iv, wt, common = iu[keep], iv[keep], wt[keep], common[keep]
        self.pairs_total = len(wt)
        if mode == "none":
            chosen = np.zeros(len(wt), dtype=bool)
        elif mode == "all" or int(common.sum()) <= limit:
            chosen = np.ones(len(wt), dtype=bool)
        else:
            chosen = self._strongest(iu, iv, wt, common, limit)
        self.pairs_modelled = int(chosen.sum())
        self.excluded_positive = int(np.clip(wt[~chosen], 0, None).sum())
        star: dict[tuple[int, int], list[cp_model.IntVar]] = {}  # (unit, team) -> its positive w
        for u, v, c in zip(iu[chosen], iv[chosen], wt[chosen], strict=True):
            for t in np.flatnonzero(self.possible[u] & self.possible[v]).tolist():
                w = m.new_bool_var(f"w[{u},{v},{t}]")
                if c > 0:  # maximising pushes w up: cap it by both memberships
                    m.add_bool_and([x[u][t], x[v][t]]).only_enforce_if(w)
                else:  # maximising pushes w down: force it when both are in t
                    m.add_bool_or([x[u][t].Not(), x[v][t].Not(), w])
                self.aux.w.append((w, int(u), int(v), int(t)))
                self.terms.append((w, int(c)))
                if c > 0:
                    star.setdefault((int(u), int(t)), []).append(w)
                    star.setdefault((int(v), int(t)), []).append(w)
        # star cuts: a unit has at most (most units a team can hold - 1) team mates, which the
        # LP otherwise ignores (it would let every positive pair count)
        most = [self._most_units(t) for t in range(p.n_teams)]
        for (u, t), ws in star.items():
            if len(ws) > most[t] - 1:
                m.add(cp_model.LinearExpr.sum(ws) <= (most[t] - 1) * x[u][t])

    def _most_units(self, t: int) -> int:
        """Most units team t can hold within its largest total weight."""
        weights = np.sort(self.p.unit_weight[self.possible[:, t]])
        return int(np.searchsorted(np.cumsum(weights), int(self.p.team_max[t]), side="right"))

    def _strongest(
        self, iu: IntArray, iv: IntArray, wt: IntArray, common: IntArray, limit: int
    ) -> BoolArray:
        """Each unit's k strongest pairs (by |weight|), k as large as the variable limit allows."""
        n_units = self.p.n_units
        strength = np.zeros((n_units, n_units))
        strength[iu, iv] = strength[iv, iu] = np.abs(wt)
        order = np.argsort(-strength, axis=1, kind="stable")
        pair_id = np.full((n_units, n_units), -1, dtype=np.int64)
        pair_id[iu, iv] = pair_id[iv, iu] = np.arange(len(wt))
        start = max(1, 2 * limit // max(1, int(common.mean()) * n_units))
        for k in range(min(start, n_units - 1), 0, -1):
            ids = pair_id[np.arange(n_units)[:, None], order[:, :k]]
            chosen = np.zeros(len(wt), dtype=bool)
            chosen[ids[ids >= 0]] = True
            if int(common[chosen].sum()) <= limit:
                return chosen
        return np.zeros(len(wt), dtype=bool)

    def _simd(self) -> None:
        p, m, x = self.p, self.m, self.x
        if not p.simd_milli or not p.unit_challenge.any() or not p.unit_affluent.any():
            return
        for t in range(p.n_teams):
            challenge = [x[u][t] for u in np.flatnonzero(p.unit_challenge & self.possible[:, t])]
            affluent = [x[u][t] for u in np.flatnonzero(p.unit_affluent & self.possible[:, t])]
            if not challenge or not affluent:
                continue
            b = m.new_bool_var(f"simd[{t}]")
            m.add_bool_or(challenge).only_enforce_if(b)
            m.add_bool_or(affluent).only_enforce_if(b)
            self.aux.simd.append((b, t))
            self.terms.append((b, int(p.simd_milli)))
