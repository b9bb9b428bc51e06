"""Research instances as ``Problem``s: MDGPLIB and CCPLIB, and published solutions.

MDGP (Maximally Diverse Grouping): maximise the sum of d_ij over pairs in one group,
each group g holding between a_g and b_g elements. CCP (capacitated clustering): the
same with node weights, a_g/b_g bounding each group's weight. Weights are read as
milli-points (d * 1000), exact for MDGPLIB's 3-decimal files; an MDGP file with finer
weights is refused rather than rounded (its objective and bound would belong to another
instance). CCPLIB's Sparse82 weights (up to 6 decimals) are rounded to thousandths.

Formats: see ../shared/benchmarks/*/README.md. The files are read by path and never
shipped with the package.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InputProblem, InvalidInputError
from clnmatch.problem import SCALE, Problem

__all__ = [
    "read_mdgp",
    "read_ccp",
    "read_handover",
    "read_instance",
    "read_solution",
    "write_solution",
    "BestKnown",
    "read_best_known",
]


def _bad(
    path: Path, expected: str, row: int | None = None, value: str | None = None
) -> InvalidInputError:
    return InvalidInputError(
        [InputProblem(file=str(path), row=row, expected=expected, value=value)]
    )


MAX_WEIGHT = 1e9  # |d| at most: milli-point sums over a group's pairs stay in int64


def _pairs(
    path: Path, lines: list[str], n: int, first_row: int, *, exact: bool = True
) -> NDArray[np.int64]:
    """The i j d lines (0-based, upper triangle) as a symmetric milli-point matrix;
    ``exact``: refuse a weight of more than 3 decimals rather than round it. A problem
    names the file's line (blank lines counted) and the line's text."""
    rows = [number for number, line in enumerate(lines, first_row) if line.strip()]
    body = [line for line in lines if line.strip()]
    if len(body) != n * (n - 1) // 2:
        raise _bad(
            path,
            f"{n * (n - 1) // 2} lines 'i j d' after the header for n={n}",
            value=f"{len(body)} lines",
        )

    def bad_line(k: int, expected: str) -> InvalidInputError:
        return _bad(path, expected, row=rows[k], value=body[k].strip()[:80])

    if not body:  # one element: no pair (numpy's loadtxt would warn of no data)
        return np.zeros((n, n), dtype=np.int64)
    try:
        data = np.loadtxt(body, dtype=np.float64, ndmin=2)
    except ValueError:
        data = None
    if data is None or data.shape[1] != 3:
        for k, line in enumerate(body):  # the first line that is not three numbers
            cells = line.split()
            try:
                [float(c) for c in cells]
            except ValueError:
                cells = []
            if len(cells) != 3:
                raise bad_line(k, "three numbers 'i j d'")
        raise _bad(path, "lines of three numbers 'i j d'", row=first_row)  # pragma: no cover
    whole = (data[:, :2] == np.rint(data[:, :2])).all(axis=1)
    if not whole.all():
        raise bad_line(int(np.flatnonzero(~whole)[0]), "element numbers as whole numbers")
    i, j = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64)
    outside = (np.minimum(i, j) < 0) | (np.maximum(i, j) >= n)
    if outside.any():
        raise bad_line(int(np.flatnonzero(outside)[0]), f"element numbers 0..{n - 1}")
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = data[:, 2] * SCALE
        # weights are computed in exact thousandths: a finer weight would be rounded, and
        # the objective and bound printed would belong to another instance
        off = ~np.isfinite(scaled) | (i == j) | (np.abs(data[:, 2]) > MAX_WEIGHT)
        if exact:
            off |= np.abs(scaled - np.rint(scaled)) > 1e-6
    if off.any():
        raise bad_line(
            int(np.flatnonzero(off)[0]),
            "'i j d' with two different elements and a finite weight"
            + (" of at most 3 decimals" if exact else "")
            + f", at most {MAX_WEIGHT:g} in size",
        )
    key = np.minimum(i, j) * n + np.maximum(i, j)
    if len(np.unique(key)) != len(key):
        seen: set[int] = set()
        for k, pair in enumerate(key.tolist()):
            if pair in seen:
                raise bad_line(k, "each pair of elements once (this pair came before)")
            seen.add(pair)
    weights = np.zeros((n, n), dtype=np.int64)
    values = np.rint(scaled).astype(np.int64)
    weights[i, j] = values
    weights[j, i] = values
    return weights


def _problem(
    path: Path,
    weights: NDArray[np.int64],
    unit_weight: NDArray[np.int64],
    low: list[int],
    high: list[int],
    least: int = 1,
) -> Problem:
    """``least``: the smallest lower bound a file may give (every group is non-empty here:
    a bound of 0 would promise empty groups the model does not allow)."""
    n = len(unit_weight)
    total, smallest, largest = int(unit_weight.sum()), sum(low), sum(high)
    bad = next((g for g in range(len(low)) if not least <= low[g] <= high[g]), None)
    if bad is not None or not smallest <= total <= largest:
        what = (
            f"group {bad + 1}'s bounds {low[bad]}..{high[bad]}"
            if bad is not None
            else f"bounds summing to {smallest}..{largest}"
        )
        raise _bad(
            path,
            f"group size bounds {least} <= a <= b that can hold the elements (total {total})"
            + ("; every group holds at least one element" if least else ""),
            row=1,
            value=what,
        )
    return Problem(
        unit_ids=tuple(str(i) for i in range(n)),
        unit_weight=unit_weight,
        team_min=np.array(low, dtype=np.int64),
        team_max=np.array(high, dtype=np.int64),
        pair_milli=weights,
        objective_name="within-group weight",
        name=path.stem,
    )


def read_mdgp(path: str | Path) -> Problem:
    """Read an MDGPLIB instance: header ``n m ss|ds a1 b1 ... am bm``, then ``i j d`` lines."""
    path = Path(path)
    lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    if not lines:
        raise _bad(path, "an MDGPLIB header line 'n m ss|ds a1 b1 ...'")
    head = lines[0].split()
    try:
        n, m, kind = int(head[0]), int(head[1]), head[2]
        bounds = [int(x) for x in head[3 : 3 + 2 * m]]
    except (ValueError, IndexError) as exc:
        raise _bad(path, "header 'n m ss|ds a1 b1 ... am bm'", row=1, value=lines[0][:80]) from exc
    if kind not in ("ss", "ds") or len(bounds) != 2 * m or len(head) != 3 + 2 * m:
        raise _bad(path, "type ss or ds and exactly 2m size bounds", row=1, value=lines[0][:80])
    if kind == "ss" and bounds[0::2] != bounds[1::2]:  # same size: every a_g = b_g
        raise _bad(
            path,
            "type ss (same size) with each group's bounds equal, a_g = b_g; for bounds "
            "a_g < b_g the type is ds",
            row=1,
            value=lines[0][:80],
        )
    weights = _pairs(path, lines[1:], n, 2)
    return _problem(path, weights, np.ones(n, dtype=np.int64), bounds[0::2], bounds[1::2])


def read_ccp(path: str | Path) -> Problem:
    """Read a CCPLIB RanReal/Sparse instance: ``n m ds L1 U1 ... W w1 ... wn`` then ``i j d``."""
    path = Path(path)
    lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    head = lines[0].split() if lines else []
    shape = "header 'n m ds L1 U1 ... Lm Um W w1 ... wn'"
    try:
        n, m, kind = int(head[0]), int(head[1]), head[2]
        bounds = [int(x) for x in head[3 : 3 + 2 * m]]
        if head[3 + 2 * m] != "W":
            raise ValueError("no W")
        given = head[4 + 2 * m :]
        node_weights = [float(x) for x in given]
    except (ValueError, IndexError) as exc:
        raise _bad(path, shape, row=1, value=" ".join(head)[:80]) from exc
    if kind not in ("ss", "ds") or len(given) != n:
        # one weight too few put 81 elements beside an 82 x 82 matrix: the search never ended
        got = f"type {kind!r}, {len(given)} node weights"
        raise _bad(path, f"{shape}: type ss or ds and exactly n={n} node weights", 1, got)
    wrong = next((w for w in given if not (float(w) >= 0 and float(w).is_integer())), None)
    if wrong is not None:
        raise _bad(path, "node weights as whole numbers, 0 or more", row=1, value=wrong)
    # CCPLIB's Sparse82 weights have up to 6 decimals: rounded to thousandths (see the module)
    weights = _pairs(path, lines[1:], n, 2, exact=False)
    units = np.array(node_weights, dtype=np.int64)
    return _problem(path, weights, units, bounds[0::2], bounds[1::2])


def read_handover(path: str | Path) -> Problem:
    """Read a CCPLIB handover instance (n, m, capacity, node weights, n x n traffic matrix).

    Node weights and the capacity are real numbers, scaled to thousandths: the weights
    rounded up and the capacity down, so that every assignment within the scaled capacity
    is within the real one (rounded to the nearest, two weights of 0.5004 fitted a
    capacity of 1.0). Groups have no lower bound here (the evaluator still asks every
    group to be non-empty).
    """
    path = Path(path)
    tokens = path.read_text(encoding="ascii", errors="replace").split()
    shape = "n, m, capacity, n node weights and an n x n matrix, and nothing after"
    try:
        n, m, capacity = int(tokens[0]), int(tokens[1]), float(tokens[2])
        if len(tokens) != 3 + n + n * n:
            raise ValueError(f"{len(tokens)} numbers for n={n}: {3 + n + n * n} expected")
        node = np.array(tokens[3 : 3 + n], dtype=float)
        matrix = np.array(tokens[3 + n :], dtype=float).reshape(n, n)
    except (ValueError, IndexError) as exc:
        raise _bad(path, shape, value=str(exc)[:80] or None) from exc
    finite = np.isfinite(node).all() and np.isfinite(matrix).all() and np.isfinite(capacity)
    if not (finite and n >= 1 and m >= 1 and capacity > 0 and (node >= 0).all()):
        raise _bad(path, "n, m >= 1, a capacity > 0, node weights >= 0, all finite")
    units = np.ceil(node * SCALE - 1e-6).astype(np.int64)
    weights = np.rint((matrix + matrix.T) / 2 * SCALE).astype(np.int64)
    np.fill_diagonal(weights, 0)
    cap = int(np.floor(capacity * SCALE + 1e-6))
    return _problem(path, weights, units, [0] * m, [cap] * m, least=0)


def read_instance(path: str | Path) -> Problem:
    """Read any supported research instance, by its folder and header."""
    path = Path(path)
    if not path.is_file():
        raise _bad(path, "an existing instance file")
    first = path.read_text(encoding="ascii", errors="replace").split("\n", 1)[0].split()
    if len(first) == 1:
        return read_handover(path)
    if "W" in first:
        return read_ccp(path)
    return read_mdgp(path)


def read_solution(path: str | Path, n: int) -> NDArray[np.int64]:
    """Read ``element group`` lines (0-based) of a published solution; other lines are skipped."""
    path = Path(path)
    groups = np.full(n, -1, dtype=np.int64)
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and all(p.lstrip("-").isdigit() for p in parts):
            element, group = int(parts[0]), int(parts[1])
            if 0 <= element < n:
                groups[element] = group
    if (groups < 0).any():
        raise _bad(
            path,
            f"an 'element group' line for each of the {n} elements",
            value=f"{int((groups < 0).sum())} missing",
        )
    return groups


def write_solution(path: str | Path, unit_team: NDArray[np.int64]) -> None:
    """Write ``element group`` lines, both 0-based."""
    from clnmatch.io.safe import atomic_write_text

    atomic_write_text(Path(path), "".join(f"{i} {int(t)}\n" for i, t in enumerate(unit_team)))


@dataclass(frozen=True)
class BestKnown:
    instance: str
    value: float
    proven: bool
    tpsdp_avg: float | None


def read_best_known(path: str | Path) -> dict[str, BestKnown]:
    """bks.csv of MDGPLIB: instance -> best-known value."""
    out: dict[str, BestKnown] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            avg = row.get("tpsdp_avg20") or ""
            out[row["instance"]] = BestKnown(
                instance=row["instance"],
                value=float(row["bks"]),
                proven=row["bks_kind"].startswith("proven"),
                tpsdp_avg=float(avg) if avg else None,
            )
    return out
