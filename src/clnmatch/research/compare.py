"""Two runs of the harness side by side: the figures before a change beside those after it.

Issue 13 asked that a restructuring keep every benchmark figure "unchanged or better". That
is a comparison of two runs.csv files, made the same way from both: per set (MDGPLIB by
instance size n) and strategy, the runs, how many were proven optimal, the mean objective,
the mean gap to the run's proven bound, the mean gap to the best-known value, and the median
and slowest wall seconds, over the runs both made alike (same instance, seed and limit). A figure is called worse only beyond run-to-run noise (``NOISE``:
time-limited searches on a shared machine move by a few tenths of a percent, and wall
times by a fifth), so the verdict column says plainly what got worse, if anything.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NOISE", "Comparison", "Figures", "compare_runs", "comparison_table", "figures"]

#: how much worse a figure must be to be called worse
NOISE = {
    "objective": 0.005,  # relative: the mean objective lower by more than 0.5%
    "gap": 0.0025,  # absolute: the mean gap to the proven bound up by 0.25 points
    "gap_to_best_known": 0.0005,  # absolute: 0.05 points
    "time_ratio": 1.25,  # times: slower by more than 25% ...
    "time_s": 0.5,  # ... and by more than half a second
}


@dataclass(frozen=True)
class Figures:
    """The figures of one (set, strategy) group of runs."""

    runs: int
    proven: int
    objective: float | None
    gap: float | None
    gap_to_best_known: float | None
    median_s: float | None
    slowest_s: float | None


@dataclass(frozen=True)
class Comparison:
    """One group before and after; ``worse`` names every figure worse beyond noise."""

    set: str
    strategy: str
    before: Figures
    after: Figures | None
    worse: tuple[str, ...]


_N = re.compile(r"_n(\d+)_")


def _group_set(set_name: str, instance: str) -> str:
    """MDGPLIB and CCPLIB runs grouped by instance size: ``mdgp n=120``."""
    if set_name in ("mdgp", "ccp") and (match := _N.search(instance)):
        return f"{set_name} n={int(match.group(1))}"
    return set_name


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def figures(runs: pd.DataFrame) -> dict[tuple[str, str], Figures]:
    """The figures of every (set, strategy) group, peers marked ``(peer)``, in run order."""
    import pandas as pd

    if runs.empty:
        return {}
    frame = runs.copy()
    for col in ("objective", "gap", "gap_to_best_known", "runtime_s"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame["group"] = [
        _group_set(str(s), str(i)) for s, i in zip(frame["set"], frame["instance"], strict=True)
    ]
    frame["solver"] = [
        f"{s} (peer)" if k == "peer" else str(s)
        for s, k in zip(frame["strategy"], frame["kind"], strict=True)
    ]
    out: dict[tuple[str, str], Figures] = {}
    for (group, solver), g in frame.groupby(["group", "solver"], sort=False):
        out[(str(group), str(solver))] = Figures(
            runs=len(g),
            proven=int((g["status"] == "optimal").sum()),
            objective=_number(g["objective"].mean()),
            gap=_number(g["gap"].mean()),
            gap_to_best_known=_number(g["gap_to_best_known"].mean()),
            median_s=_number(g["runtime_s"].median()),
            slowest_s=_number(g["runtime_s"].max()),
        )
    return out


def _worse(before: Figures, after: Figures) -> tuple[str, ...]:
    out = []
    if before.runs and after.runs and after.proven / after.runs < before.proven / before.runs:
        out.append("fewer proven")
    if before.objective and after.objective is not None:
        change = (after.objective - before.objective) / abs(before.objective)
        if change < -NOISE["objective"]:
            out.append(f"objective {100 * change:+.2f}%")
    for name in ("gap", "gap_to_best_known"):
        old, new = getattr(before, name), getattr(after, name)
        if old is not None and new is not None and new - old > NOISE[name]:
            out.append(f"{name.replace('_', ' ')} {100 * (new - old):+.2f} points")
    for name in ("median_s", "slowest_s"):
        old, new = getattr(before, name), getattr(after, name)
        if (
            old is not None
            and new is not None
            and new > old * NOISE["time_ratio"]
            and new - old > NOISE["time_s"]
        ):
            out.append(f"{name.replace('_s', '')} {old:.1f} -> {new:.1f} s")
    return tuple(out)


_KEY = ["set", "instance", "strategy", "seed", "time_limit"]


def _keys(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return list(frame[_KEY].astype({"seed": int, "time_limit": float}).itertuples(index=False))


def compare_runs(before: pd.DataFrame, after: pd.DataFrame) -> list[Comparison]:
    """Every group of the earlier run beside the same group of the later one, both over the
    runs the two made alike (same set, instance, strategy, seed and time limit), so that a
    smaller or larger later run compares like with like. Groups the later run did not make
    are listed with ``after`` None (and their earlier figures over all their runs)."""
    before_keys, after_keys = _keys(before), _keys(after)
    shared = set(before_keys) & set(after_keys)
    old = figures(before[[k in shared for k in before_keys]])
    new = figures(after[[k in shared for k in after_keys]])
    out = []
    for key, everything in figures(before).items():
        if key in new:
            out.append(Comparison(key[0], key[1], old[key], new[key], _worse(old[key], new[key])))
        else:
            out.append(Comparison(key[0], key[1], everything, None, ("not measured",)))
    return out


def _pair(before: float | None, after: float | None, fmt: str, pct: bool = False) -> str:
    def one(v: float | None) -> str:
        if v is None:
            return "-"
        return format(100 * v if pct else v, fmt) + ("%" if pct else "")

    if before is None and after is None:
        return "-"
    return f"{one(before)} → {one(after)}"


def comparison_table(comparisons: list[Comparison]) -> list[str]:
    """The comparisons as a markdown table, one row per group, cells ``before → after``."""
    header = (
        "| set | strategy | runs | proven optimal | mean objective | mean gap | "
        "gap to best known | median s | slowest s | worse beyond noise |"
    )
    lines = [header, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for c in comparisons:
        b = c.before
        a = c.after or Figures(0, 0, None, None, None, None, None)
        lines.append(
            f"| {c.set} | {c.strategy} | {b.runs} → {a.runs} | {b.proven} → {a.proven} | "
            f"{_pair(b.objective, a.objective, ',.3f')} | {_pair(b.gap, a.gap, '.2f', True)} | "
            f"{_pair(b.gap_to_best_known, a.gap_to_best_known, '.3f', True)} | "
            f"{_pair(b.median_s, a.median_s, '.1f')} | {_pair(b.slowest_s, a.slowest_s, '.1f')} | "
            f"{'; '.join(c.worse) or 'no'} |"
        )
    return lines
