"""Root column enumeration: every team that can belong to an assignment beating the incumbent.

Take the prices of an exact pricing round (``Search.last_pricing``): pi, rho, sigma, each
class's maximum D_g, and the bound Z they make (``search.py``). For any assignment,
term by term in that proof,

    objective <= constant + Z + sum_t [(v(S_t) - r_t) - D_g(t)],

with v the pricing value of team t (its units' prices and cut duals taken off), r_t its
focus theme's price, and every bracket <= 0. An assignment worth at least the incumbent
plus one objective step therefore holds only teams whose bracket is at least
-G = incumbent + step - constant - Z. When the root's gap is small those teams are few:
pricing lists them all (its branch and bound with the incumbent held at the threshold).

Branch and price then prices nodes by scanning that list instead of solving the pricing
problem: every listed team a node admits is in its LP, and the node's Lagrangian bound is
taken over them (exact, as in ``Search.lagrangian``). That bound holds for the node's
assignments that beat the incumbent, which is all a node must answer for: a node whose
bound falls to the incumbent holds nothing better. Each node's LP holds only teams it
admits (and, at 0, its parent's basic teams it leaves out), starts from its parent's
basis, and passes to its children only the listed teams its reduced costs leave in
(reduced-cost fixing, the same proof with the node's prices). Measured on the 12-theme
family's cohesion cohort 0 (root gap 1%): 13,419 teams listed in 0.2 s, the optimum proven
in 13-15 s, where pricing every node had not proven it in 120 s.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from clnmatch.colgen.cover import CoverPrices, CoverTeams, best_cover
from clnmatch.colgen.master import (
    AT_LOWER,
    BASIC,
    HighsMaster,
    MasterLP,
    cut_row0,
    master_columns,
)
from clnmatch.colgen.model import GRID, TOL, ColumnModel
from clnmatch.colgen.search import Node, NodeOutcome, Pricing, Search, theme_price
from clnmatch.evaluate import evaluate
from clnmatch.jit import HAVE_NUMBA

__all__ = ["Enumerated", "enumerate_root"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
MARGIN = 1e-6  # milli-points: float sums of grid prices are exact; this only adds teams
RELIABLE = 1  # strong branching tries of a unit pair before its mean falls score it
COLUMNS_PER_SCAN = 50  # improving listed teams a node's LP takes in at a time
ENUMERATION_NODES = 4_000_000  # per pricing problem: about 2 s (else branch and price prices)
COVER_TEAMS = 200_000  # a node's teams below which its covers are searched (``colgen.cover``)
COVER_NODES = 3_000_000  # a cover search's nodes at most (about 6 s), else the node branches


@dataclass
class Enumerated:
    """The listed teams: column indices, units (columns x units), classes, values and each
    team's column in the master LP (its rows as ``rows_of`` gives them; the cuts are the
    root's, fixed from now on)."""

    index: IntArray
    inside: BoolArray
    cls: IntArray
    value: FloatArray
    lp_columns: sparse.csr_matrix  # (teams, master rows)
    # an LP of its own holding only the node's teams: columns a node leaves out would cost
    # every simplex iteration (measured: 125 against 20 us with 3,300 columns against 100)
    master: HighsMaster
    entered: BoolArray  # teams that entered an LP (a node's LP starts with those it admits)
    pool: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # LP's teams
    active: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # in pool
    # a unit pair's children's LP falls in strong branching: together's, apart's, tries
    falls: dict[tuple[int, int], list[float]] = field(default_factory=dict)
    theme: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # (part, parts) of a cover search's first level while the tree is not shared out: the
    # parts make the same tree, each searching its share of every node's covers, and
    # hold back what they find (an incumbent of its own would change a part's tree)
    share: tuple[int, int] = (0, 1)
    shared_searches: int = 0
    held: IntArray | None = None
    held_value: int = 0
    alone: bool = False  # a shared search gave up: this part now searches all that is left
    # a node's admitted teams a cover search takes at most (read when listed: tests set it)
    cover_limit: int = field(default_factory=lambda: COVER_TEAMS)

    def admitted(self, node: Node) -> IntArray:
        """The listed teams (ascending) the node's branching pairs and its parent's fixing
        allow."""
        keep = (
            np.arange(len(self.index))
            if node.allowed is None
            else allowed_teams(node.allowed, len(self.index))
        )
        for a, b in node.together:
            keep = keep[self.inside[keep, a] == self.inside[keep, b]]
        for a, b in node.apart:
            keep = keep[~(self.inside[keep, a] & self.inside[keep, b])]
        return keep

    def solve_node(self, search: Search, node: Node) -> NodeOutcome:
        """Column generation over the listed teams the node admits, priced by scanning them:
        the LP holds the teams that entered earlier LPs, and those the scan finds improving.
        Every scan gives a Lagrangian bound (the least is kept). Deep in the tree a node
        admits a few hundredths of the list: only those are read."""
        m = search.model
        keep = self.admitted(node)
        cls = self.cls[keep]
        if (
            not self.inside[keep].any(axis=0).all()
            or (np.bincount(cls, minlength=len(m.classes)) == 0).any()
        ):
            # a unit or a team class has no listed team left: nothing here beats the incumbent
            return NodeOutcome(-math.inf, None, [], converged=True, infeasible=True)
        in_lp = self.entered[keep]  # of ``keep``, the teams in the LP
        rows = keep[in_lp]
        start = self.load(node, keep, rows)
        columns, values = self.lp_columns[keep], self.value[keep]
        active = np.arange(len(rows))  # the LP's columns of ``rows`` (lam follows them)
        bound, lp = math.inf, None
        while not search.out_of_time():
            lp = self.solve_master(search, active, start)
            start = None
            search.stats.iterations += 1
            search.checkpoint()
            if lp is None:
                break
            pi, mu, rho, sigma = (
                np.round(v * GRID) / GRID for v in (lp.pi, lp.mu, lp.rho, lp.sigma)
            )
            if m.cap is None:
                rho = np.zeros_like(rho)  # no theme rows: their prices are 0
            # each team's value less its units', theme's and cuts' prices (its class's left
            # out; sums of grid prices: exact in float64); a sparse product, single-threaded
            d = values - columns @ self.prices(m, pi, rho, sigma)
            z, best = self.bound(search, keep, cls, d, pi, rho, sigma)
            bound = min(bound, z)
            if search.cannot_beat(bound):
                # nothing in this node beats the incumbent: no need to converge
                return NodeOutcome(bound, lp, [], converged=True, pruned=True)
            gain = np.where(in_lp, -np.inf, d - mu[cls])
            new = np.flatnonzero(gain > TOL)
            if not len(new):
                # reduced-cost fixing: a team is in an assignment of this subtree worth at
                # most constant + z + (d - D_g); the node's children leave out those below
                # the incumbent's next step
                if search.best_obj is not None:
                    slack = gap_slack(search, z)
                    fits = d - best[cls] >= -slack - MARGIN
                    node.allowed = allowed_set(keep[fits], len(self.index))
                    if self.settle(search, keep[fits], (best[cls] - d)[fits], slack, rho, sigma):
                        return NodeOutcome(bound, lp, [], converged=True, pruned=True)
                node.basis = (self.pool.copy(), *self.master.status_codes(self.master.basis()))
                self.active = active
                return NodeOutcome(bound, lp, [int(i) for i in self.index[rows]], converged=True)
            new = new[np.argsort(-gain[new], kind="stable")[:COLUMNS_PER_SCAN]]
            in_lp[new] = True
            self.entered[keep[new]] = True
            active = np.concatenate([active, np.arange(len(new)) + len(self.pool)])
            self.add(keep[new])
            rows = np.concatenate([rows, keep[new]])
        return NodeOutcome(bound, lp, [int(i) for i in self.index[rows]], converged=False)

    def strong_pair(
        self, search: Search, lp: MasterLP, candidates: list[tuple[int, int]], most_drop: float
    ) -> tuple[int, int]:
        """Of unit pairs to branch on, the one whose two children's LPs (over the last
        node's LP teams, from its basis) fall furthest (the product of the two falls,
        each at most ``most_drop``: a fall that prunes is as good as any larger). A pair
        tried ``RELIABLE`` times is scored by its mean falls instead of new LPs."""
        basis = self.master.basis()
        members = self.inside[self.pool[self.active]]
        best, arg = -math.inf, candidates[0]
        for a, b in candidates:
            seen = self.falls.setdefault((a, b), [0.0, 0.0, 0])
            if seen[2] < RELIABLE:
                for side, keep in enumerate(
                    (members[:, a] == members[:, b], ~(members[:, a] & members[:, b]))
                ):
                    child = self.run_lp(search, self.active[keep], basis)
                    search.stats.strong_lps += 1
                    seen[side] += most_drop if child is None else lp.value - child.value
                seen[2] += 1
            falls = [min(max(f / seen[2], 1e-3), most_drop) for f in seen[:2]]
            if falls[0] * falls[1] > best:
                best, arg = falls[0] * falls[1], (a, b)
        return arg

    def settle(
        self,
        search: Search,
        teams: IntArray,
        deficit: FloatArray,
        slack: float,
        rho: FloatArray,
        sigma: FloatArray,
    ) -> bool:
        """Whether a cover search over the node's ``teams`` (``colgen.cover``) settled it,
        its best assignment offered (``slack``: the node's ``gap_slack``). A search that
        does not end within its nodes halves the teams later nodes may have for one."""
        if search.best_obj is None or not 0 < len(teams) <= self.cover_limit:
            return False
        m = search.model
        t0 = time.perf_counter()
        row0 = cut_row0(m)
        n_cuts = self.lp_columns.shape[1] - row0  # the root's cuts, fixed here
        result = best_cover(
            CoverTeams(
                self.inside[teams],
                self.cls[teams],
                self.theme[teams],
                self.value[teams].astype(np.int64),
                self.lp_columns[teams][:, row0:],
                deficit,
            ),
            CoverPrices(
                search.cuts.sets[:n_cuts],
                search.cuts.divisors[:n_cuts],
                sigma[:n_cuts],
                m.cap,
                rho,
                np.array([len(c.teams) for c in m.classes], dtype=np.int64),
            ),
            slack,
            search.best_obj - search.constant,
            share=self.share,
            most_nodes=COVER_NODES,
            should_stop=search.out_of_time,
        )
        search.stats.cover_seconds += time.perf_counter() - t0
        if result is None:
            self.cover_limit = min(self.cover_limit, len(teams) // 2)
            if self.share[1] > 1:
                # the other part may have settled its share of the node: this part branches
                # on it, and searches the rest of the tree whole (it never splits), so that
                # together they leave nothing out
                self.alone = True
                self.release(search)
            return False
        search.stats.cover_searches += 1
        search.stats.cover_nodes += result.nodes
        search.stats.cover_scans += result.scans
        self.shared_searches += self.share[1] > 1
        if result.chosen is not None:
            unit_team = np.full(m.n_units, -1, dtype=np.int64)
            free = {g: list(c.teams) for g, c in enumerate(m.classes)}
            for t in teams[result.chosen]:
                unit_team[self.inside[t]] = free[int(self.cls[t])].pop(0)
            self.found(search, unit_team)
        return True

    def found(self, search: Search, unit_team: IntArray) -> None:
        """A cover search's best assignment (better than the incumbent, or a bug): offered,
        or held back while the search is shared."""
        if self.share[1] == 1:
            if not search.offer(unit_team, "cover search at a node"):
                search.suspect = "a node's best cover is not what it is worth"  # a bug
            return
        ev = evaluate(search.problem, unit_team)
        known = search.best_obj
        if not ev.feasible or (known is not None and ev.objective_milli <= known):
            search.suspect = "a node's best cover is not what it is worth"  # a bug
        elif self.held is None or ev.objective_milli > self.held_value:
            self.held, self.held_value = unit_team, ev.objective_milli

    def release(self, search: Search) -> None:
        """Offer what shared cover searches held back; from now on nothing is held."""
        self.share = (0, 1)
        if self.held is not None:
            search.offer(self.held, "cover search at a node (a share of it)")
            self.held = None

    def load(self, node: Node, keep: IntArray, rows: IntArray) -> object:
        """The LP's teams for a node: ``rows``, then the teams basic in its parent's LP
        that it leaves out (at bound 0: the parent's basis stays a basis); that basis."""
        self.master.drop_pool()
        self.pool = np.zeros(0, dtype=np.int64)
        if node.basis is None:
            self.add(rows)
            return None
        parent, col_codes, row_codes = node.basis
        n_slack = self.master.n_slack
        parent_codes = col_codes[n_slack:]
        admitted = np.zeros(len(self.index), dtype=np.bool_)
        admitted[keep] = True
        dropped = parent[(parent_codes == BASIC) & ~admitted[parent]]
        self.add(np.concatenate([rows, dropped]))
        where = np.full(len(self.index), -1, dtype=np.int64)
        where[parent] = np.arange(len(parent))
        j = where[self.pool]
        codes = np.where(j >= 0, parent_codes[np.maximum(j, 0)], AT_LOWER)
        return self.master.basis_of(np.concatenate([col_codes[:n_slack], codes]), row_codes)

    def add(self, rows: IntArray) -> None:
        """Listed teams at the end of the LP's columns."""
        sub = self.lp_columns[rows]
        self.master.append(
            self.value[rows],
            sub.indptr[:-1].astype(np.int32),
            sub.indices.astype(np.int32),
            sub.data.astype(np.float64),
        )
        self.pool = np.concatenate([self.pool, rows])

    def solve_master(self, search: Search, active: IntArray, start: object) -> MasterLP | None:
        """The LP over the given columns of the LP (``lam`` follows their order), from the
        basis ``start`` if given."""
        search.stats.lp_solves += 1
        return self.run_lp(search, active, start)

    def run_lp(self, search: Search, active: IntArray, start: object) -> MasterLP | None:
        """``HighsMaster.run``, its seconds and simplex iterations counted (iterations are
        colgen's work, for node LPs and strong branching's alike)."""
        t0 = time.perf_counter()
        out = self.master.run(active, start)
        search.stats.lp_seconds += time.perf_counter() - t0
        search.stats.listed_lp_iterations += self.master.iterations()
        return out

    def prices(
        self, m: ColumnModel, pi: FloatArray, rho: FloatArray, sigma: FloatArray
    ) -> FloatArray:
        """The LP's prices by master row (the classes' left at 0)."""
        y = np.zeros(self.lp_columns.shape[1])
        y[: m.n_units] = pi
        row0 = cut_row0(m)
        if m.cap is not None:
            y[m.n_units + len(m.classes) : row0] = rho
        y[row0:] = sigma
        return y

    def bound(
        self,
        search: Search,
        keep: IntArray,
        cls: IntArray,
        d: FloatArray,
        pi: FloatArray,
        rho: FloatArray,
        sigma: FloatArray,
    ) -> tuple[float, FloatArray]:
        """The Lagrangian bound with D_g the best of the listed teams ``keep`` (classes
        ``cls``, reduced costs ``d``) of class g (``Search.lagrangian`` recomputes it
        exactly), and the D_g."""
        m = search.model
        best: list[tuple[float, tuple[int, ...] | None, int]] = []
        for g in range(len(m.classes)):
            rows = np.flatnonzero(cls == g)
            j = int(rows[np.argmax(d[rows])])
            col = search.columns[int(self.index[keep[j]])]
            best.append((float(d[j]), col.members, col.theme))
        z = search.lagrangian(pi, rho, sigma, best)
        return z, np.array([b[0] for b in best])


def allowed_set(teams: IntArray, n: int) -> NDArray[np.int32] | NDArray[np.uint8]:
    """Listed teams a subtree may use (ascending, of ``n``), kept for ``Node.allowed`` in
    the smaller form: their indices, or one bit a team."""
    if len(teams) * 32 <= n:
        return teams.astype(np.int32)
    bits = np.zeros(n, dtype=np.bool_)
    bits[teams] = True
    return np.packbits(bits)


def allowed_teams(allowed: NDArray[np.int32] | NDArray[np.uint8], n: int) -> IntArray:
    """The teams of ``allowed_set`` (ascending)."""
    if allowed.dtype == np.int32:
        return allowed.astype(np.int64)
    return np.flatnonzero(np.unpackbits(np.asarray(allowed, dtype=np.uint8), count=n))


def gap_slack(search: Search, z: float) -> float:
    """G: how far the Lagrangian bound ``z`` (without the constant) lies above the
    incumbent's next step (Z is floored, hence the 1); teams and covers that cost more than
    G cannot be in a better assignment."""
    assert search.best_obj is not None
    return z + 1 + search.constant - search.best_obj - search.model.step


def enumerate_root(search: Search, max_columns: int, start: list[int]) -> Enumerated | None:
    """List every team the root's last exact pricing leaves within the gap of the
    incumbent (at most ``max_columns``, else None) as columns of the search; nodes' LPs
    start with those of them among ``start`` (columns)."""
    last, m = search.last_pricing, search.model
    if last is None or search.best_obj is None or search.suspect is not None:
        return None
    if not isinstance(search.master, HighsMaster):
        return None  # no warm-started LP (scipy without its HiGHS binding): nodes are priced
    slack = gap_slack(search, last.bound)
    if slack < 0:
        return None  # the bound already proves the incumbent
    t0 = time.perf_counter()
    try:
        listed = _list_teams(search, last, slack, max_columns)
    finally:
        search.stats.enumeration_seconds += time.perf_counter() - t0
    if listed is None:
        return None
    index, inside = listed
    search.stats.enumerated = len(index)
    index, first = np.unique(index, return_index=True)  # column order; each team once
    inside = inside[first]
    cols = [search.columns[i] for i in index.tolist()]
    cls = np.array([c.cls for c in cols], dtype=np.int64)
    theme = np.array([c.theme for c in cols], dtype=np.int64)
    master = HighsMaster(m, search.big_m)
    master.add_cuts([], search.cuts)
    return Enumerated(
        index,
        inside,
        cls,
        np.array([c.value for c in cols], dtype=np.float64),
        master_columns(m, inside, cls, theme, search.cuts),
        master,
        np.isin(index, np.asarray(start, dtype=np.int64)),
        theme=theme,
    )


def _list_teams(
    search: Search, last: Pricing, slack: float, most: int
) -> tuple[IntArray, BoolArray] | None:
    """The column indices and units (teams x units) of every team within ``slack`` of its
    class's best (at the prices of ``last``), added to the search; None when more than
    ``most``, stopped, or a team breaks a rule (a pricing bug: the search then certifies
    nothing)."""
    m = search.model
    root = Node(priority=0.0, seq=0)
    class_cuts = search.class_cuts(last.sigma)
    found: list[tuple[int, int, BoolArray]] = []
    total = 0
    for g, d_g in enumerate(last.best):
        pr = search.pricer(g, root)
        for k in m.theme_list():
            before = pr.total_nodes
            teams = pr.enumerate(
                search.lin_for(g, k, last.pi),
                d_g + theme_price(last.rho, k) - slack - MARGIN,
                max_teams=most - total,
                max_nodes=ENUMERATION_NODES,
                node_slice=50_000 if HAVE_NUMBA else 1_000,
                should_stop=search.out_of_time,
                cuts=class_cuts[g],
            )
            search.stats.exact_nodes += pr.total_nodes - before
            if teams is None:
                return None
            found.append((g, k, teams.inside))
            total += len(teams.inside)
    # columns only once every pricing problem is listed: a list past ``most`` costs none
    indices, insides = [np.zeros(0, dtype=np.int64)], [np.zeros((0, m.n_units), dtype=np.bool_)]
    for g, k, local in found:
        inside = np.zeros((len(local), m.n_units), dtype=np.bool_)
        inside[:, m.classes[g].units] = local
        index = search.add_columns(inside, k, g)
        if index is None:
            return None
        indices.append(index)
        insides.append(inside)
    return np.concatenate(indices), np.concatenate(insides)
