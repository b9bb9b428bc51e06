"""The master LP of column generation: set partitioning over the columns, relaxed.

    max  sum_c c_c lambda_c
    s.t. sum_{c covers u} lambda_c = 1                 for every unit u        (dual pi_u)
         sum_{c in class g} lambda_c = n_g              for every class g       (dual mu_g)
         sum_{c has theme k} lambda_c <= cap            for every theme k, when
                                                        max_teams_per_theme < T (dual rho_k >= 0)
         sum_c floor(|c & S| / k) lambda_c <= floor(|S| / k)  for each rank-1 cut (S, k)
                                                        (dual sigma >= 0)
         lambda >= 0

Uncovered units and missing teams have slack columns at a large penalty, so every LP is
feasible. Scipy's HiGHS binding is kept warm (new columns are appended, columns a node
excludes get upper bound 0); ``linprog`` from scratch when that binding is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog

from clnmatch.colgen.cuts import Cuts, cut_rows
from clnmatch.colgen.model import Column, ColumnModel

try:  # scipy's own HiGHS binding: a persistent, warm-started master LP
    # (not the highspy package: it clashes with the HiGHS inside ortools at import)
    from scipy.optimize._highspy import _core as _highs_core

    HAVE_HIGHS_CORE = hasattr(_highs_core, "_Highs")
    _STATUS = {int(s): s for s in _highs_core.HighsBasisStatus.__members__.values()}
except ImportError:  # pragma: no cover - older scipy: linprog from scratch instead
    _highs_core = None
    HAVE_HIGHS_CORE = False
    _STATUS = {}

__all__ = [
    "AT_LOWER",
    "BASIC",
    "HAVE_HIGHS_CORE",
    "HighsMaster",
    "MasterLP",
    "ScipyMaster",
    "cut_row0",
    "master_columns",
    "rows_of",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
AT_LOWER, BASIC = 0, 1  # HiGHS's basis status codes (kLower, kBasic)


@dataclass
class MasterLP:
    value: float
    lam: FloatArray  # over the active columns
    pi: FloatArray
    mu: FloatArray
    rho: FloatArray
    slack: float  # total uncovered units and missing teams (0 for a true LP solution)
    sigma: FloatArray = field(default_factory=lambda: np.zeros(0))  # rank-1 cuts, >= 0


def cut_row0(model: ColumnModel) -> int:
    """The first rank-1 cut's row: after the units, the classes and the theme caps."""
    return model.n_units + len(model.classes) + (model.n_themes if model.cap is not None else 0)


def rows_of(model: ColumnModel, col: Column, cuts: Cuts) -> tuple[list[int], list[float]]:
    """Master rows a column enters, and its coefficients: 1 in its units, its class and its
    theme's cap row, floor(|team & S| / k) in its cuts."""
    rows = [*col.members, model.n_units + col.cls]
    if model.cap is not None:
        rows.append(model.n_units + len(model.classes) + col.theme)
    values = [1.0] * len(rows)
    row0 = cut_row0(model)
    for q, coef in cut_rows(col.members, cuts):
        rows.append(row0 + q)
        values.append(float(coef))
    return rows, values


def master_columns(
    model: ColumnModel, inside: BoolArray, cls: IntArray, theme: IntArray, cuts: Cuts
) -> sparse.csr_matrix:
    """``rows_of`` for many teams at once (``inside``: teams x units): their master LP
    columns as the rows of a (teams, master rows) matrix."""
    n = len(inside)
    arange = np.arange(n)
    blocks = [
        sparse.csr_matrix(inside, dtype=np.float64),
        sparse.csr_matrix((np.ones(n), (arange, cls)), shape=(n, len(model.classes))),
    ]
    if model.cap is not None:
        blocks.append(sparse.csr_matrix((np.ones(n), (arange, theme)), shape=(n, model.n_themes)))
    if len(cuts):
        sets = sparse.csc_matrix(
            (
                np.ones(sum(len(s) for s in cuts.sets)),
                (
                    [u for s in cuts.sets for u in s],
                    [q for q, s in enumerate(cuts.sets) for _ in s],
                ),
            ),
            shape=(model.n_units, len(cuts)),
        )
        held = (blocks[0] @ sets).tocsr()  # units of each cut's set a team holds
        held.data = np.floor(held.data / np.asarray(cuts.divisors, dtype=np.float64)[held.indices])
        held.eliminate_zeros()
        blocks.append(held)
    out = sparse.hstack(blocks, format="csr")
    out.sort_indices()
    return out


class ScipyMaster:
    """The master LP solved from scratch by scipy's HiGHS each time (no warm start)."""

    def __init__(self, model: ColumnModel, big_m: float) -> None:
        self.model = model
        self.big_m = big_m
        self.nit = 0

    def iterations(self) -> int:
        return self.nit

    def basis(self) -> object:
        return None  # every solve starts from scratch

    def solve(
        self, columns: list[Column], active: list[int], cuts: Cuts, start: object = None
    ) -> MasterLP | None:
        m = self.model
        n_u, n_g = m.n_units, len(m.classes)
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        for j, ci in enumerate(active):
            r, v = rows_of(m, columns[ci], cuts)
            rows.extend(r)
            values.extend(v)
            cols.extend([j] * len(r))
        n_a = len(active)
        # slacks: an uncovered unit or a missing team costs big_m (keeps every LP feasible)
        rows.extend(range(n_u + n_g))
        cols.extend(range(n_a, n_a + n_u + n_g))
        values.extend([1.0] * (n_u + n_g))
        n_caps = m.n_themes if m.cap is not None else 0
        n_rows = n_u + n_g + n_caps + len(cuts)
        a = sparse.csr_matrix((values, (rows, cols)), shape=(n_rows, n_a + n_u + n_g))
        b_eq = np.concatenate([np.ones(n_u), [len(c.teams) for c in m.classes]])
        cost = np.concatenate(
            [[-columns[ci].value for ci in active], np.full(n_u + n_g, self.big_m)]
        )
        kwargs: dict[str, object] = {}
        if n_rows > n_u + n_g:
            kwargs["A_ub"] = a[n_u + n_g :]
            caps = np.full(n_caps, float(m.cap or 0))
            kwargs["b_ub"] = np.concatenate([caps, cuts.rhs()])
        res = linprog(
            cost, A_eq=a[: n_u + n_g], b_eq=b_eq, bounds=(0, None), method="highs", **kwargs
        )
        self.nit = int(getattr(res, "nit", 0))
        if res.status != 0:
            return None
        y = -np.asarray(res.eqlin.marginals)
        ub = np.maximum(0.0, -np.asarray(res.ineqlin.marginals)) if n_rows > n_u + n_g else []
        rho = np.zeros(max(1, m.n_themes))
        if m.cap is not None:
            rho = np.asarray(ub[:n_caps])
        x = np.asarray(res.x)
        return MasterLP(
            -float(res.fun),
            x[:n_a],
            y[:n_u],
            y[n_u:],
            rho,
            float(x[n_a:].sum()),
            np.asarray(ub[n_caps:], dtype=float),
        )


class HighsMaster:
    """The master LP kept in one HiGHS model: new columns are appended and columns a node
    excludes get upper bound 0, so every solve starts from the previous basis. A caller
    may instead hold its own columns (``drop_pool``, ``append``, ``run``: the listed
    teams' LP, whose nodes each hold only the teams they admit)."""

    def __init__(self, model: ColumnModel, big_m: float) -> None:
        assert _highs_core is not None
        self.model = model
        self.inf = float(_highs_core.kHighsInf)
        h = _highs_core._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        n_u, n_g = model.n_units, len(model.classes)
        lower = np.concatenate([np.ones(n_u), [len(c.teams) for c in model.classes]])
        upper = lower.copy()
        if model.cap is not None:
            lower = np.concatenate([lower, np.full(model.n_themes, -self.inf)])
            upper = np.concatenate([upper, np.full(model.n_themes, float(model.cap))])
        n_rows = len(lower)
        h.addRows(
            n_rows,
            lower,
            upper,
            0,
            np.zeros(n_rows + 1, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        n_slack = n_u + n_g
        # minimise -value; slacks for an uncovered unit or a missing team cost big_m
        h.addCols(
            n_slack,
            np.full(n_slack, big_m),
            np.zeros(n_slack),
            np.full(n_slack, self.inf),
            n_slack,
            np.arange(n_slack, dtype=np.int32),
            np.arange(n_slack, dtype=np.int32),
            np.ones(n_slack),
        )
        self.h = h
        self.n_slack = n_slack
        self.n_rows = n_rows
        self.n_cols = 0  # columns of the pool already in the model
        self.n_cuts = 0  # rank-1 cuts already in the model
        self.upper = np.zeros(0)  # current upper bound of each pool column

    def _restart(self, basis: Any) -> None:
        """Start from ``basis`` (from ``basis()``), columns added since it nonbasic at 0."""
        status = list(basis.col_status)
        n_model = self.n_slack + self.n_cols
        if len(status) > n_model or len(basis.row_status) != self.n_rows + self.n_cuts:
            return  # not a basis of this model
        at_zero = _highs_core.HighsBasisStatus.kLower
        basis.col_status = status + [at_zero] * (n_model - len(status))
        self.h.setBasis(basis)

    @staticmethod
    def status_codes(basis: Any) -> tuple[IntArray, IntArray]:
        """A basis (from ``basis()``) as status codes: its columns' and its rows'."""
        cols = np.array([int(c) for c in basis.col_status], dtype=np.int64)
        return cols, np.array([int(r) for r in basis.row_status], dtype=np.int64)

    @staticmethod
    def basis_of(col_status: IntArray, row_status: IntArray) -> object:
        """A basis of this model from status codes (``status_codes``), for ``run``'s
        ``start``."""
        basis = _highs_core.HighsBasis()
        basis.col_status = [_STATUS[int(c)] for c in col_status]
        basis.row_status = [_STATUS[int(c)] for c in row_status]
        basis.valid = True
        return basis

    def add_cuts(self, columns: list[Column], cuts: Cuts) -> None:
        """Rows of the cuts found since the last solve, over the pool's columns."""
        new = range(self.n_cuts, len(cuts))
        entries: dict[int, list[tuple[int, float]]] = {q: [] for q in new}
        for j, col in enumerate(columns[: self.n_cols]):
            for q, coef in cut_rows(col.members, cuts):
                if q in entries:
                    entries[q].append((self.n_slack + j, float(coef)))
        starts = np.cumsum([0] + [len(entries[q]) for q in new])[:-1].astype(np.int32)
        index = np.array([c for q in new for c, _ in entries[q]], dtype=np.int32)
        value = np.array([v for q in new for _, v in entries[q]], dtype=float)
        k = len(new)
        upper = cuts.rhs()[self.n_cuts :]
        self.h.addRows(k, np.full(k, -self.inf), upper, len(index), starts, index, value)
        self.n_cuts = len(cuts)

    def iterations(self) -> int:
        """Simplex iterations of the last solve."""
        return int(self.h.getInfo().simplex_iteration_count)

    def basis(self) -> object:
        """The last solve's basis (``solve``'s ``start``: a child node starts from its
        parent's, not from whichever node was solved last)."""
        return self.h.getBasis()

    def solve(
        self, columns: list[Column], active: list[int], cuts: Cuts, start: object = None
    ) -> MasterLP | None:
        m = self.model
        if len(cuts) > self.n_cuts:
            self.add_cuts(columns, cuts)
        if len(columns) > self.n_cols:
            starts: list[int] = []
            index: list[int] = []
            values: list[float] = []
            for col in columns[self.n_cols :]:
                starts.append(len(index))
                r, v = rows_of(m, col, cuts)
                index.extend(r)
                values.extend(v)
            self.append(
                np.array([c.value for c in columns[self.n_cols :]], dtype=float),
                np.array(starts, dtype=np.int32),
                np.array(index, dtype=np.int32),
                np.array(values, dtype=float),
            )
        return self.run(active, start)

    def append(
        self,
        value: FloatArray,
        starts: NDArray[np.int32],
        index: NDArray[np.int32],
        coef: FloatArray,
    ) -> None:
        """Columns at the end of the pool, compressed by column (their master rows and
        coefficients, as ``rows_of`` gives them), each worth ``value``; inactive until a
        solve names them."""
        k = len(value)
        if not k:
            return
        self.h.addCols(k, -value, np.zeros(k), np.zeros(k), len(index), starts, index, coef)
        self.upper = np.concatenate([self.upper, np.zeros(k)])
        self.n_cols += k

    def drop_pool(self) -> None:
        """Every pool column out of the model (the rows and slacks stay)."""
        if self.n_cols:
            gone = np.arange(self.n_slack, self.n_slack + self.n_cols, dtype=np.int32)
            self.h.deleteCols(len(gone), gone)
        self.n_cols = 0
        self.upper = np.zeros(0)

    def run(self, active: list[int] | IntArray, start: object = None) -> MasterLP | None:
        """The LP over the ``active`` pool columns (indices into the pool), from the basis
        ``start`` if given."""
        m, h = self.model, self.h
        want = np.zeros(self.n_cols)
        want[np.asarray(active, dtype=np.int64)] = self.inf
        changed = np.flatnonzero(want != self.upper)
        if len(changed):
            h.changeColsBounds(
                len(changed),
                (changed + self.n_slack).astype(np.int32),
                np.zeros(len(changed)),
                want[changed],
            )
            self.upper = want
        if start is not None:
            self._restart(start)
        h.run()
        if h.getModelStatus() != _highs_core.HighsModelStatus.kOptimal:
            # the warm start can stall in numerical trouble (seen with many cut rows): once
            # more from scratch before giving up
            h.clearSolver()
            h.run()
        if h.getModelStatus() != _highs_core.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        y = -np.asarray(sol.row_dual)
        n_u, n_g = m.n_units, len(m.classes)
        rho = np.zeros(max(1, m.n_themes))
        row0 = cut_row0(m)
        if m.cap is not None:
            rho = np.maximum(0.0, y[n_u + n_g : row0])
        lam = x[self.n_slack + np.asarray(active, dtype=np.int64)] if len(active) else np.zeros(0)
        value = -float(h.getInfo().objective_function_value)
        return MasterLP(
            value,
            lam,
            y[:n_u],
            y[n_u : n_u + n_g],
            rho,
            float(x[: self.n_slack].sum()),
            np.maximum(0.0, y[row0:]),
        )
