"""A maximisation LP kept warm in HiGHS, and its bound certified by weak duality.

The bounds solve LPs (``pairs``, ``themed``) whose optimal value is the bound. A
solver's value is only as good as its tolerances, so the bound is never read from it:
for ANY row prices d (d >= 0 on rows with only an upper limit), every v with
``low <= A v <= up`` and ``0 <= v <= cap`` satisfies

    c'v <= sum_r (d_r up_r if d_r > 0 else d_r low_r) + sum_j cap_j max(0, c_j - (A'd)_j),

which ``certify`` evaluates from the data with a margin for float64 sums. Columns must
have finite caps (every LP here bounds its variables). Rows can be added between solves
(cutting planes); each solve starts from the previous basis.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

try:  # scipy's own HiGHS binding (as clnmatch.colgen.master uses it)
    from scipy.optimize._highspy import _core as _highs_core

    HAVE_HIGHS = hasattr(_highs_core, "_Highs")
except ImportError:  # pragma: no cover - older scipy
    _highs_core = None
    HAVE_HIGHS = False

__all__ = ["HAVE_HIGHS", "WarmLP"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class WarmLP:
    """max c'v s.t. low <= A v <= up, 0 <= v <= cap; rows may be added between solves."""

    def __init__(
        self,
        cost: FloatArray,
        cap: FloatArray,
        rows: sparse.csr_matrix,
        low: FloatArray,
        up: FloatArray,
    ) -> None:
        assert _highs_core is not None
        if not np.isfinite(cap).all():
            raise ValueError("every column needs a finite cap")
        self.cost = np.asarray(cost, dtype=np.float64)
        self.cap = np.asarray(cap, dtype=np.float64)
        self.matrix = sparse.csr_matrix(rows, dtype=np.float64)
        self.low = np.asarray(low, dtype=np.float64)
        self.up = np.asarray(up, dtype=np.float64)
        self.inf = float(_highs_core.kHighsInf)
        h = _highs_core._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        n = len(self.cost)
        h.addCols(
            n,
            -self.cost,  # HiGHS minimises
            np.zeros(n),
            self.cap,
            0,
            np.zeros(n + 1, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self.h = h
        self._add_to_solver(self.matrix, self.low, self.up)
        self.row_price = np.zeros(self.matrix.shape[0])
        self.value = math.nan
        self.x = np.zeros(n)

    def _add_to_solver(self, rows: sparse.csr_matrix, low: FloatArray, up: FloatArray) -> None:
        k = rows.shape[0]
        if not k:
            return
        lo = np.where(np.isfinite(low), low, -self.inf)
        hi = np.where(np.isfinite(up), up, self.inf)
        self.h.addRows(
            k,
            lo,
            hi,
            int(rows.nnz),
            rows.indptr[:-1].astype(np.int32),
            rows.indices.astype(np.int32),
            rows.data.astype(np.float64),
        )

    def add_rows(self, rows: sparse.csr_matrix, low: FloatArray, up: FloatArray) -> None:
        rows = sparse.csr_matrix(rows, dtype=np.float64)
        self.matrix = sparse.vstack([self.matrix, rows], format="csr")
        self.low = np.concatenate([self.low, low])
        self.up = np.concatenate([self.up, up])
        self.row_price = np.concatenate([self.row_price, np.zeros(rows.shape[0])])
        self._add_to_solver(rows, low, up)

    def solve(self, time_limit: float) -> bool:
        """Solve (warm); False when HiGHS stops short of optimal."""
        self.h.setOptionValue("time_limit", float(max(0.05, time_limit)))
        self.h.run()
        if self.h.getModelStatus() != _highs_core.HighsModelStatus.kOptimal:
            return False
        solution = self.h.getSolution()
        self.x = np.asarray(solution.col_value, dtype=np.float64)
        self.row_price = -np.asarray(solution.row_dual, dtype=np.float64)
        self.value = float(self.cost @ self.x)
        return True

    def certify(self) -> float:
        """The weak-duality bound for the current row prices (module docstring), rounded
        up past float64's error on these sums; +inf when a price has no finite limit."""
        d = self.row_price.copy()
        d = np.where(np.isfinite(self.up), d, np.minimum(d, 0.0))  # rows with no upper limit
        d = np.where(np.isfinite(self.low), d, np.maximum(d, 0.0))  # rows with no lower limit
        limit = np.where(d > 0, self.up, self.low)
        used = d != 0
        rows = float((d[used] * limit[used]).sum())
        reduced = self.cost - self.matrix.T @ d
        cols = float((self.cap * np.maximum(reduced, 0.0)).sum())
        total = rows + cols
        spread = abs(self.matrix).T @ np.abs(d)  # what rounding in A'd can reach
        scale = float(
            np.abs(d[used] * limit[used]).sum() + (self.cap * (np.abs(self.cost) + spread)).sum()
        )
        return total + 1e-9 * scale + 1e-6
