"""summary.md: markdown tables of a sweep's runs (means, proofs and times, ratios and gaps
to the best, gaps to best known by size; Social Golfer instances against the literature and
breakout rooms at scale)."""

from __future__ import annotations

import math
import os
import platform
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from clnmatch.research.claims import Refutation, refuted_claims, without_refuted
from clnmatch.research.runs import clnmatch_version
from clnmatch.research.sets import COHORT_SETS, SCALE_CASES, SCHEDULE_SETS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GOLF_HEADING",
    "SCALE_HEADING",
    "cohort_runs",
    "gaps_to_best_bound",
    "golf_table",
    "proof_table",
    "scale_table",
    "summary_markdown",
]

GOLF_HEADING = "Social Golfer instances solved against the literature"
SCALE_HEADING = "Breakout rooms at scale"


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


_TEXT_COLUMNS = ("reason", "how", "against the literature", "status")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], text: int = 2) -> list[str]:
    """A markdown table; the first ``text`` columns and the text columns (reason, how, ...)
    left-aligned, the rest (numbers) right."""
    align = [
        "---" if i < text or header[i] in _TEXT_COLUMNS else "---:" for i in range(len(header))
    ]
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
        f"({os.cpu_count()} CPUs{_cpu_model()}, {platform.system()}); {_libraries()}; "
        f"peers: {peer_text}.",
        "",
        "Objective: mean over runs that returned an assignment (rule-breaking ones included: "
        "see breaches). Gap: (bound - objective) / |objective| where a bound was proven. "
        "Gap to BKS: (best known - objective) / best known. Breaches: mean per run. "
        "Runtime: mean wall seconds. Memory: largest RSS growth during a run. "
        "ok: runs with a rule-abiding answer; failed: runs that raised (reasons below); "
        "the rest found no answer or broke rules.",
        "",
    ]
    if runs.empty:
        return "\n".join([*lines, "No runs.", ""])
    frame = _split_limit_sweeps(runs.copy())
    for col in ("objective", "gap", "gap_to_best_known", "breaches", "runtime_s", "peak_memory_mb"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    schedules = frame[frame["set"].isin(SCHEDULE_SETS)]
    frame = frame[~frame["set"].isin(SCHEDULE_SETS)]
    refuted = refuted_claims(frame)
    frame = without_refuted(frame, refuted)
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
                str(strategy)
                + (" (peer)" if (g["kind"] == "peer").any() else "")
                + (" (over time)" if _over_time(g) else ""),
                _limit_label(g),
                str(len(g)),
                str(int(ok.sum())),
                str(int((g["status"] == "failed").sum())),
                _fmt(_mean(g["objective"])),
                _fmt(_mean(g["gap"]), 2, pct=True) + _of_runs(g["gap"]),
                _fmt(_mean(g["gap_to_best_known"]), 3, pct=True),
                _fmt(_mean(g["breaches"]), 1),
                _fmt(_mean(g["runtime_s"]), 2),
                _fmt(_max(g["peak_memory_mb"]), 1),
            ]
        )
    if rows:
        lines += ["## Means per strategy and set", "", *_table(header, rows), ""]
    lines += _refuted_section(refuted)
    lines += _proof_section(frame)
    lines += _ratio_section(frame)
    lines += _size_section(frame)
    golf = golf_table(schedules)
    if golf:
        lines += [f"## {GOLF_HEADING}", "", *golf, ""]
    scale = scale_table(schedules)
    if scale:
        lines += [f"## {SCALE_HEADING}", "", *scale, ""]
    frame = pd.concat([frame, schedules]) if len(schedules) else frame
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


def _cpu_model() -> str:
    """ ", Intel(R) Xeon(R) ..." from /proc/cpuinfo where there is one, else ""."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return ", " + line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _libraries() -> str:
    """The versions of the libraries the strategies' speed depends on."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("ortools", "numpy", "numba", "scipy", "highspy"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def _split_limit_sweeps(frame: pd.DataFrame) -> pd.DataFrame:
    """A strategy run at several given time limits on one set (``--time-limit 1,10,60``)
    is one entry per limit ("local_search @ 10 s"), not their means pooled; TPSDP's
    limits, one per instance size, stay one entry."""
    if frame.empty or "time_limit" not in frame:
        return frame
    given = frame["time_limit_rule"].astype(str) != "tpsdp"
    limits = frame[given].groupby(["set", "strategy"])["time_limit"].transform("nunique")
    swept = limits[limits > 1].index
    if swept.empty:
        return frame
    label = frame.loc[swept, "time_limit"].map(lambda x: f" @ {float(x):g} s")
    frame.loc[swept, "strategy"] = frame.loc[swept, "strategy"].astype(str) + label
    return frame


def _of_runs(values: pd.Series) -> str:
    """ " (3 of 4 runs)" when a mean covers fewer runs than the row counts, else ""."""
    known = int(values.notna().sum())
    return f" ({known} of {len(values)} runs)" if 0 < known < len(values) else ""


def _over_time(group: pd.DataFrame) -> bool:
    """Whether a run of the group ran well past its time (runs.csv's ``over_time``; in a
    runs.csv from before that column, ``Budget.overrun``'s note)."""
    if "over_time" in group:
        flags = group["over_time"].astype(str).str.casefold()
        return bool(flags.isin(["true", "1"]).any())
    if "notes" not in group:
        return False
    from clnmatch.strategies.base import is_overrun_note

    return bool(group["notes"].fillna("").astype(str).map(is_overrun_note).any())


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
        # the best among strategies whose every run keeps the rules and its time (one
        # breaking them was crowned best: a researcher's own), unless none does
        broke = set(g.loc[g["breaches"].fillna(0) > 0, "strategy"].astype(str))
        late = {str(k) for k, part in g.groupby("strategy", sort=False) if _over_time(part)}
        lawful = {k: v for k, v in ours.items() if k not in broke | late} or ours
        best_name = max(lawful, key=lambda k: lawful[k]) if lawful else None
        best = lawful[best_name] if best_name is not None else None
        for strategy, mean in means.items():
            part = g[g["strategy"] == strategy]
            ratio = mean / best if best and best > 0 and mean is not None else None
            rows.append(
                [
                    str(set_name),
                    strategy
                    + (" (peer)" if kinds[strategy] == "peer" else "")
                    + (" (over time)" if strategy in late else ""),
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
        "Ratio = mean objective / the best clnmatch strategy's mean objective on the set, "
        "the best being one whose runs all keep the rules and their time when any does "
        "(peers, rule-breaking runs and runs well past their time, marked 'over time', are "
        "in the means, so read them beside the breaches). Gap to "
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
                str(strategy) + (" (over time)" if _over_time(g) else ""),
                str(len(g)),
                str(int((g["status"] == "optimal").sum())),
                _fmt(_median(runtime), 1),
                _fmt(_max(runtime), 1),
                _fmt(_max(gap), 2, pct=True),
            ]
        )
    return rows


def _refuted_section(refuted: list[Refutation]) -> list[str]:
    if not refuted:
        return []
    header = ["set", "instance", "strategy", "seed", "claim", "refuted by", "its objective"]
    rows = (
        [r.set, r.instance, r.strategy, r.seed, r.claim, r.refuted_by, _fmt(r.objective)]
        for r in refuted
    )
    return [
        "## Claims refuted by other runs",
        "",
        "A proof cannot stand beside a rule-abiding assignment that scores above its bound, "
        "above its 'optimal' answer, or that exists where it claims none can: each such "
        "claim, and the run whose assignment refutes it. No table here counts them (runs.csv "
        "keeps them as made).",
        "",
        *_table(header, rows, text=6),
        "",
    ]


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
    """Research sets with best-known values: gap to BKS by instance size n, over the
    rule-abiding runs (a grouping breaking the sizes "reached" a best-known value)."""
    kept = frame["status"].isin(["optimal", "feasible"])
    research = frame[kept & frame["best_known"].notna() & frame["objective"].notna()].copy()
    if research.empty:
        return []
    research["n"] = research["instance"].map(_instance_n)
    rows = []
    for (set_name, n, strategy), g in research.groupby(["set", "n", "strategy"], sort=True):
        gap = g["gap_to_best_known"].astype(float)
        rows.append(
            [
                str(set_name),
                str(strategy) + (" (over time)" if _over_time(g) else ""),
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
        "Rule-abiding runs only (a grouping that breaks the size bounds is in the means "
        "per strategy and set above, beside its breaches).",
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


# --------------------------------------------------------------------------- schedules
def _golf_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.split("-"))


def _golf_verdict(rounds: int, known: int | None, g: pd.DataFrame) -> str:
    """What a golf instance's runs show against the literature's maximum."""
    solved = int(g["solved"].astype(bool).sum())
    best = int(g["repeats"].min())
    bound = int(g["repeats_lower_bound"].max())
    if known is not None and rounds > known:
        if (g["repeats"] == bound).all():
            return f"past the maximum: {best} repeats, the proven minimum"
        return f"past the maximum: {best} repeats, proven at least {bound}"
    if solved == len(g):
        return "solved at the known maximum" if rounds == known else "solved"
    if solved:
        return f"solved in {solved} of {len(g)} runs"
    return f"not solved ({best} repeat{'s' if best != 1 else ''} at best)"


def golf_table(runs: pd.DataFrame) -> list[str]:
    """One row per golf instance: the literature's maximum, runs solved, repeats beside the
    proven bound, times, how; then how many literature instances were solved."""
    import pandas as pd

    golf = runs[(runs["set"] == "golf") & runs["repeats"].notna()].copy()
    if golf.empty:
        return []
    for col in ("repeats", "repeats_lower_bound", "runtime_s", "known_max_rounds"):
        golf[col] = pd.to_numeric(golf[col], errors="coerce")
    golf["solved"] = golf["solved"].map(lambda v: str(v).lower() in ("true", "1", "1.0"))
    rows = []
    at_max = solved_at_max = 0
    for name in sorted(set(golf["instance"].astype(str)), key=_golf_key):
        g = golf[golf["instance"] == name]
        groups, size, rounds = _golf_key(name)
        known_value = g["known_max_rounds"].iloc[0]
        known = None if pd.isna(known_value) else int(known_value)
        source = re.search(r"literature's maximum \d+ \(([^)]*)\)", str(g["notes"].iloc[0]))
        best_run = g.sort_values(["repeats", "runtime_s"]).iloc[0]
        method = str(best_run["notes"]).split(";")[0]
        if known is not None and rounds == known:
            at_max += 1
            solved_at_max += bool(g["solved"].all())
        repeats = g["repeats"].astype(int)
        rows.append(
            [
                name,
                str(groups * size),
                "-" if known is None else f"{known}" + (f" ({source.group(1)})" if source else ""),
                f"{int(g['solved'].sum())}/{len(g)}",
                f"{repeats.min()} / {int(repeats.median())}",
                str(int(g["repeats_lower_bound"].max())),
                _fmt(_median(g["runtime_s"]), 2),
                _fmt(_max(g["runtime_s"]), 2),
                _limit_label(g),
                method.replace("|", "/"),
                _golf_verdict(rounds, known, g),
            ]
        )
    header = [
        "G-S-W",
        "players",
        "literature's max rounds",
        "solved runs",
        "repeats best / median",
        "proven lower bound",
        "median s",
        "slowest s",
        "time limit",
        "how",
        "against the literature",
    ]
    return [
        "G groups of S players for W rounds; solved = no two players meet twice (every "
        "run's schedule checked by the breakout evaluator). The literature's maximum is the "
        "most rounds a repeat-free schedule is known to reach (sources in "
        "`clnmatch.breakouts.benchmark`). "
        f"Instances at the literature's maximum solved in every run: {solved_at_max} of "
        f"{at_max}.",
        "",
        *_table(header, rows, text=1),
    ]


def scale_table(runs: pd.DataFrame) -> list[str]:
    """One row per breakout-room scale case: runs solved (no repeat, every rule met),
    repeats beside the bound, time to the first solved schedule, whole call, mix."""
    import pandas as pd

    scale = runs[runs["set"] == "breakouts-scale"].copy()
    if scale.empty:
        return []
    for col in ("repeats", "repeats_lower_bound", "runtime_s", "first_solved_s"):
        scale[col] = pd.to_numeric(scale[col], errors="coerce")
    scale["solved"] = scale["solved"].map(lambda v: str(v).lower() in ("true", "1", "1.0"))
    rows = []
    for name, g in scale.groupby("instance", sort=False):
        case = SCALE_CASES.get(str(name))
        rows.append(
            [
                case.label if case else str(name),
                ", ".join(sorted(set(g["status"].astype(str)))),
                f"{int(g['solved'].sum())}/{len(g)}",
                _fmt(_max(g["repeats"]), 0) + f" ({_fmt(_max(g['repeats_lower_bound']), 0)})",
                str(int(pd.to_numeric(g["breaches"], errors="coerce").fillna(0).sum())),
                _fmt(_median(g["first_solved_s"]), 2),
                _fmt(_median(g["runtime_s"]), 1),
                _fmt(_max(g["runtime_s"]), 1),
                _limit_label(g),
                _fmt(_mean(pd.to_numeric(g["authorities_per_team_mean"], errors="coerce")), 2)
                + " / "
                + _fmt(_mean(pd.to_numeric(g["sectors_per_team_mean"], errors="coerce")), 2),
            ]
        )
    header = [
        "case",
        "status",
        "solved runs",
        "repeats, most (bound)",
        "breaches",
        "first solved schedule s (median)",
        "whole call s (median)",
        "slowest s",
        "time limit",
        "authorities / sectors per room",
    ]
    return [
        "Rosters of generated West Partnership practitioners; solved = no repeat and every "
        "rule met (rooms within one of each other, at least the authorities asked, "
        "colleagues apart). The whole call goes on improving the sector mix after the first "
        "solved schedule, up to its time limit.",
        "",
        *_table(header, rows, text=2),
    ]
