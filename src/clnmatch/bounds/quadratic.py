"""The quadratic majorant bound, for pair-only grouping problems (MDGPLIB).

For weights that are distances (MDGPLIB's Geo set: Euclidean distances between points),
the within-group sum of *squared* weights is nearly fixed by each element's spread:
for any symmetric Q with zero diagonal, K = -1/2 J Q J (J the centring matrix) gives

    sum_{i<j in g} Q_ij = s_g * sum_{i in g} K_ii - 1_g' K 1_g <= s_g * sum_{i in g} K_ii - lambda s_g,

with lambda the least eigenvalue of K (about 0 when Q holds squared Euclidean distances,
whatever their rounding). So any majorant M_ij = alpha Q_ij + beta_i + beta_j + gamma >= P_ij
(alpha >= 0; Q = P*P here, P the weights) bounds a grouping's value by a sum over
elements and groups that depends only on the group sizes:

    sum_g sum_{i<j in g} P_ij <= sum_i [s(i) (alpha K_ii + beta_i) - beta_i]
                                 + sum_g [gamma s_g (s_g - 1) / 2 - alpha lambda s_g].

Group sizes are handled by the size classes of ``clnmatch.bounds.sizes`` (an LP over how
many elements sit in groups of each size), and (alpha, beta, gamma) with their prices by
one LP (n(n-1)/2 majorant rows). The solver's alpha and beta are kept; gamma is recomputed
so the majorant holds exactly, lambda is taken below numpy's eigenvalue by a backward
error margin, and the bound is recomputed by weak duality from the data.

Why it is tight on Geo: with one alpha the majorant is the tangent d <= d^2/(2t) + t/2 of
the distance, exact for the typical distance t; what is lost is the spread of distances
around t (mean over root-mean-square of within-group distances, 0.94-0.99 on Geo), and the
per-element beta_i take up elements that lie far from or close to the rest. Measured on
MDGPLIB Geo n=120 (same sizes): 0.8-4.2% above the published best values, in 1-2 s
(0.9-1.1% with the spectral floor below).
On random weights (RanReal, RanInt) lambda is far below 0 and the bound is weak (then
the other bounds win).

The spectral floor. ``lambda s_g`` per group bounds sum_g 1_g' K 1_g by n lambda, about
0; a grouping's value is lost exactly there (its groups' centroids in the embedding of
K are not all at the origin). With u_g = 1_g / sqrt(s_g) orthonormal,

    sum_g 1_g' K 1_g = sum_g s_g u_g' (K + diag(v)) u_g - sum_i v_i
                     >= sum_i w_i lambda_i(K + diag(v)) - sum_i v_i

for any v (Ky Fan, weighted: the sizes sorted from largest, w_1 >= w_2 >= ..., against
the eigenvalues from least), and every size vector is bounded below by the least sum
over sorted sizes a grouping may have (between the i-th largest least and most sizes
of the groups, summing to n). The shift v is improved by subgradient steps while time
is left. With the distances themselves as the base (alpha on P alone) this lowers the
Geo n=120 bounds by up to 1.3% of the objective: the LP is solved for both base sets and
the least bound kept.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog

from clnmatch.bounds.sizes import size_classes
from clnmatch.problem import Problem

__all__ = ["MAX_ELEMENTS", "applies", "eigenvalue_margin", "quadratic_bound_milli"]

FloatArray = NDArray[np.float64]
MAX_ELEMENTS = 1000  # the LP has n(n-1)/2 rows; beyond this it is left out
SHIFT_STEPS = 300  # subgradient steps of the spectral floor's shift (it settles by then)


def applies(problem: Problem) -> bool:
    """Pair-only problems of single elements: no focus, no SIMD term, weights 1."""
    return (
        2 <= problem.n_units <= MAX_ELEMENTS
        and not problem.has_focus
        and not problem.simd_milli
        and bool((problem.unit_weight == 1).all())
        and bool(problem.pair_milli.any())
    )


def quadratic_bound_milli(problem: Problem, time_limit: float = 60.0) -> int | None:
    """The quadratic majorant bound (milli-points), or None when it does not apply."""
    if not applies(problem) or not size_classes(problem).complete:
        return None
    deadline = time.perf_counter() + time_limit
    pair = problem.pair_milli.astype(np.float64)
    scale = float(np.abs(pair).max())
    p = pair / scale  # weights of order 1 keep the LP well conditioned
    distances = _base(p)
    found: list[int] = []
    # the LP's choice of bases first; then the distances alone, where the floor gains most
    for bases in ([distances, _base(p * p)], [distances]):
        left = deadline - time.perf_counter()
        if found and left <= 0:
            break
        solved = _solve(problem, p, bases, max(0.1, left))
        if solved is None:
            continue
        alpha, beta, nu = solved
        found.append(_certify(problem, p, bases, alpha, beta, nu, scale))
        combined = sum(max(0.0, float(a)) * base.k for a, base in zip(alpha, bases, strict=True))
        floor = _spectral_floor(problem, np.asarray(combined, dtype=np.float64), deadline)
        if floor is not None:
            found.append(_certify(problem, p, bases, alpha, beta, nu, scale, floor))
    return min(found, default=None)


class _Base:
    """A base matrix Q, K = -1/2 J Q J, its diagonal and a certified floor of its least
    eigenvalue."""

    def __init__(self, q: FloatArray, k: FloatArray, lam: float) -> None:
        self.q, self.k, self.a, self.lam = q, k, np.diag(k).copy(), lam


def _base(q: FloatArray) -> _Base:
    centred = q - q.mean(axis=0, keepdims=True)
    k = -0.5 * (centred - centred.mean(axis=1, keepdims=True))
    k = (k + k.T) / 2
    lam = float(np.linalg.eigvalsh(k)[0]) - eigenvalue_margin(k)
    return _Base(q, k, lam)


def eigenvalue_margin(m: FloatArray) -> float:
    """eigh is backward stable: n * eps * ||M||_F (with room) covers its error."""
    return 64 * m.shape[0] * np.finfo(float).eps * float(np.linalg.norm(m))


def _least_size_sum(problem: Problem) -> FloatArray | None:
    """Weights w minimising sum_i w_i x_i for any ascending x over the sorted size vectors
    a grouping may have: the i-th largest size lies between the i-th largest least and
    most sizes of the groups, and the sizes sum to n; so the largest allowed go first.
    None when no size vector fits."""
    classes = size_classes(problem)
    weights = classes.weights.astype(np.float64)
    least = np.sort([weights[ok].min() for ok in classes.team_ok])[::-1]
    most = np.sort([weights[ok].max() for ok in classes.team_ok])[::-1]
    # at most n groups hold anyone: the sorted sizes after the n-th are 0
    if least[problem.n_units :].any():
        return None
    least, most = least[: problem.n_units], most[: problem.n_units]
    n = float(problem.n_units)
    if least.sum() > n or most.sum() < n:
        return None
    w = least.copy()
    rest = n - least.sum()
    for i in range(len(w)):
        grow = min(most[i] - least[i], rest)
        w[i] += grow
        rest -= grow
    return w


def _spectral_floor(problem: Problem, k: FloatArray, deadline: float) -> float | None:
    """A lower bound of sum_g 1_g' K 1_g over every grouping (module docstring), or None
    when no step ran or the sizes do not allow one."""
    w = _least_size_sum(problem)
    if w is None:
        return None
    t = len(w)
    shift = np.zeros(k.shape[0])
    best: float | None = None
    step = None
    for i in range(SHIFT_STEPS):
        if time.perf_counter() > deadline:  # none at all past it: the floor is optional
            break
        m = k + np.diag(shift)
        values, vectors = np.linalg.eigh(m)
        low = values[:t] - eigenvalue_margin(m)
        value = float(w @ low) - float(shift.sum())
        value -= 1e-9 * (float(np.abs(w * low).sum()) + float(np.abs(shift).sum()))
        best = value if best is None else max(best, value)
        grad = (vectors[:, :t] ** 2) @ w - 1.0  # a subgradient of the floor in the shift
        norm = float(np.linalg.norm(grad))
        if norm < 1e-12:
            break
        if step is None:
            step = 0.3 * max(float(np.abs(values[:t]).mean()), 1e-9)
        shift += step / (1 + i / 20) * grad / norm
    return best


def _certify(
    problem: Problem,
    p: FloatArray,
    bases: list[_Base],
    alpha: FloatArray,
    beta: FloatArray,
    nu: FloatArray,
    scale: float,
    spectral_floor: float | None = None,
) -> int:
    """Weak duality from (alpha, beta, nu); gamma makes the majorant hold exactly. With a
    ``spectral_floor`` of sum_g 1_g' K 1_g it replaces the groups' lambda s_g."""
    alpha = np.maximum(alpha, 0.0)
    n = problem.n_units
    iu, ju = np.triu_indices(n, 1)
    major = beta[iu] + beta[ju]
    spread = np.zeros(n)
    floor = 0.0
    for b, base in zip(alpha, bases, strict=True):
        major = major + b * base.q[iu, ju]
        spread += b * base.a
        floor += b * base.lam
    if spectral_floor is not None:
        floor = 0.0
    gamma = float((p[iu, ju] - major).max())
    gamma += 1e-12 * (1.0 + abs(gamma))
    classes = size_classes(problem)
    s = classes.weights.astype(np.float64)
    unit = s[None, :] * (spread + beta)[:, None] - beta[:, None] - nu[None, :]
    units = np.where(classes.unit_ok, unit, -np.inf).max(axis=1).sum()
    team = gamma * s * (s - 1) / 2 - floor * s + s * nu
    teams = np.where(classes.team_ok, team[None, :], -np.inf).max(axis=1).sum()
    total = float(units) + float(teams) - (spectral_floor or 0.0)
    total = total * scale + float(problem.constant_milli)
    return math.ceil(total + 1e-9 * abs(total) + 1e-6)


def _solve(
    problem: Problem, p: FloatArray, bases: list[_Base], time_limit: float
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """(alpha, beta, nu) minimising the bound: one LP.

    Variables [alpha (B), beta (n), gamma, nu (S), pi (n), tau (T)]; minimise sum pi +
    sum tau subject to the majorant rows and the size-class dual rows (module docstring).
    """
    n, n_t, n_b = problem.n_units, problem.n_teams, len(bases)
    classes = size_classes(problem)
    s_all = classes.weights.astype(np.float64)
    n_s = len(s_all)
    o_beta = n_b
    o_gamma = o_beta + n
    o_nu = o_gamma + 1
    o_pi = o_nu + n_s
    o_tau = o_pi + n
    n_var = o_tau + n_t
    iu, ju = np.triu_indices(n, 1)
    m = len(iu)
    r = np.arange(m)
    # majorant: -(sum_b alpha_b q_b + beta_i + beta_j + gamma) <= -p
    rows = [r, r, r] + [r] * n_b
    cols = [o_beta + iu, o_beta + ju, np.full(m, o_gamma)]
    cols += [np.full(m, b) for b in range(n_b)]
    vals = [-np.ones(m), -np.ones(m), -np.ones(m)] + [-base.q[iu, ju] for base in bases]
    rhs = [-p[iu, ju]]
    r0 = m
    # elements: s (sum_b alpha_b a_bi) + (s-1) beta_i - nu_s - pi_i <= 0
    ei, si = np.nonzero(classes.unit_ok)
    k = len(ei)
    r = np.arange(r0, r0 + k)
    rows += [r, r, r] + [r] * n_b
    cols += [o_beta + ei, o_nu + si, o_pi + ei] + [np.full(k, b) for b in range(n_b)]
    vals += [s_all[si] - 1, -np.ones(k), -np.ones(k)]
    vals += [s_all[si] * base.a[ei] for base in bases]
    rhs.append(np.zeros(k))
    r0 += k
    # groups: gamma s(s-1)/2 - (sum_b alpha_b lam_b) s + s nu_s - tau_g <= 0
    gi, si = np.nonzero(classes.team_ok)
    k = len(gi)
    r = np.arange(r0, r0 + k)
    rows += [r, r, r] + [r] * n_b
    cols += [np.full(k, o_gamma), o_nu + si, o_tau + gi] + [np.full(k, b) for b in range(n_b)]
    vals += [s_all[si] * (s_all[si] - 1) / 2, s_all[si], -np.ones(k)]
    vals += [-base.lam * s_all[si] for base in bases]
    rhs.append(np.zeros(k))
    r0 += k
    a_ub = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(r0, n_var),
    )
    cost = np.zeros(n_var)
    cost[o_pi:] = 1.0
    bounds = [(0.0, None)] * n_b + [(None, None)] * (n_var - n_b)
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.concatenate(rhs),
        bounds=bounds,
        method="highs",
        options={"time_limit": max(0.1, time_limit)},
    )
    if res.status != 0 or res.x is None:
        return None
    x = np.asarray(res.x, dtype=np.float64)
    return x[:n_b].copy(), x[o_beta:o_gamma].copy(), x[o_nu:o_pi].copy()
