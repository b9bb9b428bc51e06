"""summary.md: markdown tables of a sweep's runs (means, proofs and times, ratios and gaps
to the best, gaps to best known by size)."""

from __future__ import annotations

import math
import os
import platform
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from clnmatch.research.runs import clnmatch_version
from clnmatch.research.sets import COHORT_SETS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["cohort_runs", "gaps_to_best_bound", "proof_table", "summary_markdown"]


def _fmt(value: Any, digits: int = 3, pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if pct:
        return f"{100 * value:.{digits}f}%"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _limit_label(group: pd.DataFrame) -> str:
    rules = set(group["time_limit_rule"].astype(str))
    limits = sorted(set(group["time_limit"].astype(float)))
    text = "/".join(f"{x:g}" for x in limits) + " s"
    if rules == {"tpsdp"}:
        return f"TPSDP ({text})"
    return text


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], text: int = 2) -> list[str]:
    """A markdown table; the first ``text`` columns left-aligned, the rest (numbers) right."""
    align = ["---" if i < text or header[i] == "reason" else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    return lines


def summary_markdown(runs: pd.DataFrame, *, commands: dict[str, str] | None = None) -> str:
    """Markdown tables of means per strategy and set (the runs given, one row per run).

    ``commands`` maps each sweep id whose rows are included to the command that made it.
    """
    import pandas as pd

    lines = ["# Benchmark summary", ""]
    if commands:
        lines += [
            "Made by:",
            "",
            "```",
            *(f"{c}  # sweep {k}" for k, c in commands.items()),
            "```",
            "",
        ]
    versions = sorted(set(runs["version"].dropna().astype(str))) if not runs.empty else []
    sweeps = sorted(set(runs["sweep"].dropna().astype(str))) if not runs.empty else []
    from clnmatch.research.peers import peer_versions

    peer_text = ", ".join(f"{k} {v or 'not installed'}" for k, v in peer_versions().items())
    lines += [
        f"clnmatch {', '.join(versions) or clnmatch_version()}; {len(runs)} runs from sweep(s) "
        f"{', '.join(sweeps) or '-'}; Python {platform.python_version()} on {platform.machine()} "
        f"({os.cpu_count()} CPUs); peers: {peer_text}.",
        "",
        "Objective: mean over runs that returned an assignment (rule-breaking ones included: "
        "see breaches). Gap: (bound - objective) / objective where a bound was proven. "
        "Gap to BKS: (best known - objective) / best known. Breaches: mean per run. "
        "Runtime: mean wall seconds. Memory: largest RSS growth during a run. "
        "ok: runs with a rule-abiding answer; failed: runs that raised (reasons below); "
        "the rest found no answer or broke rules.",
        "",
    ]
    if runs.empty:
        return "\n".join([*lines, "No runs.", ""])
    frame = runs.copy()
    for col in ("objective", "gap", "gap_to_best_known", "breaches", "runtime_s", "peak_memory_mb"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    header = [
        "set",
        "strategy",
        "time limit",
        "runs",
        "ok",
        "failed",
        "objective",
        "gap",
        "gap to BKS",
        "breaches",
        "runtime s",
        "memory MB",
    ]
    rows = []
    for (set_name, strategy), g in frame.groupby(["set", "strategy"], sort=False):
        ok = g["status"].isin(["optimal", "feasible"])
        rows.append(
            [
                str(set_name),
                str(strategy) + (" (peer)" if (g["kind"] == "peer").any() else ""),
                _limit_label(g),
                str(len(g)),
                str(int(ok.sum())),
                str(int((g["status"] == "failed").sum())),
                _fmt(_mean(g["objective"])),
                _fmt(_mean(g["gap"]), 2, pct=True),
                _fmt(_mean(g["gap_to_best_known"]), 3, pct=True),
                _fmt(_mean(g["breaches"]), 1),
                _fmt(_mean(g["runtime_s"]), 2),
                _fmt(_max(g["peak_memory_mb"]), 1),
            ]
        )
    lines += ["## Means per strategy and set", "", *_table(header, rows), ""]
    lines += _proof_section(frame)
    lines += _ratio_section(frame)
    lines += _size_section(frame)
    failures = frame[frame["status"] == "failed"]
    if not failures.empty:
        lines += ["## Failed runs", ""]
        reasons = failures.groupby(["set", "strategy", "error"], sort=False).size().reset_index()
        lines += _table(
            ["set", "strategy", "runs", "reason"],
            (
                [str(r[0]), str(r[1]), str(r[3]), str(r[2]).replace("|", "/")]
                for r in reasons.itertuples(index=False)
            ),
        )
        lines.append("")
    return "\n".join(lines)


def _mean(series: pd.Series) -> float | None:
    values = series.dropna()
    return float(values.mean()) if len(values) else None


def _median(series: pd.Series) -> float | None:
    values = series.dropna()
    return float(values.median()) if len(values) else None


def _max(series: pd.Series) -> float | None:
    values = series.dropna()
    return float(values.max()) if len(values) else None


def cohort_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of cohort sets (``cln``, ``cln:focus``, ``fam-schools:blend``, ...)."""
    base = frame["set"].astype(str).str.split(":").str[0]
    return frame[base.isin(list(COHORT_SETS))]


def gaps_to_best_bound(frame: pd.DataFrame) -> pd.Series:
    """Each run's (best bound - objective) / objective, the best bound being the smallest
    bound any run proved on the same set and instance (so peers and heuristics get a gap
    too); NaN without an objective or a bound."""
    import pandas as pd

    bound = pd.to_numeric(frame["bound"], errors="coerce")
    objective = pd.to_numeric(frame["objective"], errors="coerce")
    best = bound.groupby([frame["set"], frame["instance"]]).transform("min")
    return (best - objective) / objective.where(objective > 0)


def _ratio_section(frame: pd.DataFrame) -> list[str]:
    """Cohort sets: each strategy's and peer's mean objective over the best strategy's, and
    its mean gap to the best proven bound."""
    cohort = cohort_runs(frame)
    if cohort.empty:
        return []
    cohort = cohort.assign(gap_to_bound=gaps_to_best_bound(cohort))
    rows = []
    for set_name, g in cohort.groupby("set", sort=False):
        means: dict[str, float | None] = {
            str(k): (None if v != v else float(v))  # NaN: no run returned an assignment
            for k, v in g.groupby("strategy", sort=False)["objective"].mean().items()
        }
        first_kind = g.groupby("strategy", sort=False)["kind"].first()
        kinds = {str(k): str(v) for k, v in first_kind.items()}
        clean = g[g["status"].isin(["optimal", "feasible"])]
        ours = {k: v for k, v in means.items() if kinds[k] == "strategy" and v is not None}
        best_name = max(ours, key=lambda k: ours[k]) if ours else None
        best = ours[best_name] if best_name is not None else None
        for strategy, mean in means.items():
            part = g[g["strategy"] == strategy]
            ratio = mean / best if best and best > 0 and mean is not None else None
            rows.append(
                [
                    str(set_name),
                    strategy + (" (peer)" if kinds[strategy] == "peer" else ""),
                    _fmt(mean),
                    _fmt(ratio, 3) + (" (best)" if strategy == best_name else ""),
                    _fmt(_mean(part["gap_to_bound"]), 2, pct=True),
                    f"{int((part['breaches'].fillna(0) > 0).sum())}/{len(part)}",
                    str(int((clean["strategy"] == strategy).sum())),
                ]
            )
    return [
        "## Cohort sets: objective relative to the best strategy",
        "",
        "Ratio = mean objective / the best clnmatch strategy's mean objective on the set "
        "(peers and rule-breaking runs included, so read it beside the breaches). Gap to "
        "best bound = mean of (best bound - objective) / objective, the best bound being the "
        "smallest any run proved on that cohort.",
        "",
        *_table(
            [
                "set",
                "strategy",
                "mean objective",
                "ratio to best",
                "gap to best bound",
                "runs with breaches",
                "rule-abiding runs",
            ],
            rows,
        ),
        "",
    ]


def proof_table(frame: pd.DataFrame) -> list[list[str]]:
    """Per cohort set (and objective) and strategy: runs, proven optimal, median and
    slowest wall seconds, worst gap."""
    import pandas as pd

    rows = []
    for (set_name, strategy), g in cohort_runs(frame).groupby(["set", "strategy"], sort=False):
        if (g["kind"] == "peer").any():
            continue
        runtime = pd.to_numeric(g["runtime_s"], errors="coerce")
        gap = pd.to_numeric(g["gap"], errors="coerce")
        rows.append(
            [
                str(set_name),
                str(strategy),
                str(len(g)),
                str(int((g["status"] == "optimal").sum())),
                _fmt(_median(runtime), 1),
                _fmt(_max(runtime), 1),
                _fmt(_max(gap), 2, pct=True),
            ]
        )
    return rows


def _proof_section(frame: pd.DataFrame) -> list[str]:
    rows = proof_table(frame)
    if not rows:
        return []
    header = ["set", "strategy", "runs", "proven optimal", "median s", "slowest s", "worst gap"]
    return ["## Cohort sets: proofs and times", "", *_table(header, rows), ""]


_N = re.compile(r"_n(\d+)_")


def _instance_n(name: object) -> int:
    """n from an MDGPLIB name (RanReal_n120_ss_01 -> 120); -1 if it has none."""
    match = _N.search(str(name))
    return int(match.group(1)) if match else -1


def _size_section(frame: pd.DataFrame) -> list[str]:
    """Research sets with best-known values: gap to BKS by instance size n."""
    research = frame[frame["best_known"].notna() & frame["objective"].notna()].copy()
    if research.empty:
        return []
    research["n"] = research["instance"].map(_instance_n)
    rows = []
    for (set_name, n, strategy), g in research.groupby(["set", "n", "strategy"], sort=True):
        gap = g["gap_to_best_known"].astype(float)
        rows.append(
            [
                str(set_name),
                str(strategy),
                str(n),
                str(g["instance"].nunique()),
                str(len(g)),
                _fmt(float(gap.mean()), 3, pct=True),
                _fmt(float(gap.min()), 3, pct=True),
                str(int((gap <= 1e-6).sum())),
            ]
        )
    return [
        "## Gap to best known by instance size",
        "",
        *_table(
            [
                "set",
                "strategy",
                "n",
                "instances",
                "runs",
                "mean gap to BKS",
                "best gap",
                "runs reaching BKS",
            ],
            rows,
        ),
        "",
    ]
