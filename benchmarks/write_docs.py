"""Write docs/benchmarks.md from the result folder of benchmarks/run_targets.sh.

    python benchmarks/write_docs.py benchmarks/results [MORE_FOLDERS ...] [--doc PATH]
        [--command "bash benchmarks/run_targets.sh"]
        [--before benchmarks/before-restructuring/results ...]
        [--include docs/benchmarks-wholecall.md ...]
        [--kernel-before FILE --kernel-after FILE]

Every table is computed from runs.csv (the newest row of each run) of the folders given:
the targets, the figures before and after the restructuring (issue 13: the same figures
computed from the rows of ``--before`` folders, the last measured before it), the benchmark
families (auto's proofs and times per family and objective), the Social Golfer instances
against the literature, breakout rooms at scale, MDGPLIB by size and family; then the
sections other scripts wrote (``--include``: the whole call, certified bounds), the search
engine's speed before and after (``benchmarks/kernel_speed.py`` outputs), and the
harness's own summary.md of each folder (less the tables already shown). The page names
the command that made the run and every harness command of its sweeps (from sweeps.csv),
so each figure can be traced to the run it came from.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

from clnmatch.research.compare import NOISE, compare_runs, comparison_table
from clnmatch.research.harness import latest_runs
from clnmatch.research.instances import read_best_known
from clnmatch.research.sets import FAMILY_SETS, SCALE_CASES
from clnmatch.research.summary import (
    GOLF_HEADING,
    SCALE_HEADING,
    gaps_to_best_bound,
    golf_table,
    scale_table,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "mdgplib" / "bks.csv"
OBJECTIVES = ("focus", "cohesion", "blend")
# issue 16's target for auto on every family and objective
FAMILY_MEDIAN_S, FAMILY_SLOWEST_S = 2.0, 10.0
# issue 17's Social Golfer targets: instance -> (what, seconds)
GOLF_TARGETS = {
    "5-3-7": ("Kirkman's 5-3-7 solved in seconds", 10.0),
    "8-4-9": ("8-4-9 solved in seconds", 10.0),
    "8-4-10": ("8-4-10 (the moonshot) solved within 10 minutes", 600.0),
}


def _runs(folders: list[Path]) -> pd.DataFrame:
    frames = [
        latest_runs(pd.read_csv(f / "runs.csv")) for f in folders if (f / "runs.csv").exists()
    ]
    runs = pd.concat(frames, ignore_index=True)
    for col in ("repeats", "repeats_lower_bound", "solved", "known_max_rounds", "first_solved_s"):
        if col not in runs:  # rows written before the schedule sets existed
            runs[col] = None
    return runs


def _commands(folders: list[Path], runs: pd.DataFrame) -> list[str]:
    """The harness command of every sweep whose rows are on the page, in run order."""
    used = set(runs["sweep"].astype(str))
    out: list[str] = []
    for folder in folders:
        path = folder / "sweeps.csv"
        if path.exists():
            sweeps = pd.read_csv(path)
            out += [
                f"{r.command}  # sweep {r.sweep}"
                for r in sweeps.itertuples(index=False)
                if str(r.sweep) in used and isinstance(r.command, str)
            ]
    return out


def _mdgp_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """MDGPLIB runs at n >= 120 with n, family, size type and TPSDP's own mean gap (%)."""
    mdgp = runs[(runs.set == "mdgp") & runs.best_known.notna()].copy()
    parts = mdgp.instance.str.extract(r"^(\w+?)_n(\d+)_(ss|ds)_")
    mdgp["family"], mdgp["n"], mdgp["sizes"] = parts[0], parts[1].astype(int), parts[2]
    mdgp = mdgp[mdgp.n >= 120]
    known = read_best_known(BKS) if BKS.exists() else {}
    mdgp["tpsdp_gap"] = [
        100 * (k.value - k.tpsdp_avg) / k.value if (k := known.get(i)) and k.tpsdp_avg else None
        for i in mdgp.instance
    ]
    return mdgp


def _mdgp_table(runs: pd.DataFrame) -> list[str]:
    """Our mean gap beside TPSDP's own mean (its 20 published runs) on the same instances."""
    mdgp = _mdgp_runs(runs)
    if not len(mdgp):
        return []
    lines = [
        "## MDGPLIB by size, family and size type",
        "",
        "Gap to best known (mean over our runs) beside TPSDP's own mean gap on the same "
        "instances (its 20 runs per instance, from the published results file). The best "
        "known values are TPSDP's best of those 20 runs.",
        "",
        "| n | family | sizes | instances | runs | our mean gap | TPSDP's mean gap |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for (n, family, sizes), g in mdgp.groupby(["n", "family", "sizes"]):
        ours = 100 * g.gap_to_best_known.mean()
        theirs = g.tpsdp_gap.mean()
        lines.append(
            f"| {n} | {family} | {sizes} | {g.instance.nunique()} | {len(g)} | {ours:.3f}% | "
            + (f"{theirs:.3f}% |" if pd.notna(theirs) else "- |")
        )
    return [*lines, ""]


def _family_runs(runs: pd.DataFrame, strategy: str = "auto") -> pd.DataFrame:
    """Runs of ``strategy`` on the family sets, with family and objective columns."""
    parts = runs["set"].astype(str).str.split(":", n=1)
    objective = [p[1] if len(p) > 1 else "blend" for p in parts]
    fam = runs.assign(family=parts.str[0], objective_name=objective)
    return fam[fam.family.isin(FAMILY_SETS) & (fam.strategy == strategy)]


def _cell(g: pd.DataFrame) -> str:
    proven = int((g.status == "optimal").sum())
    return (
        f"{proven}/{len(g)}; {g.runtime_s.median():.1f} s; {g.runtime_s.max():.1f} s"
        if len(g)
        else "-"
    )


def _families_table(runs: pd.DataFrame) -> list[str]:
    """Per family and objective, auto: proven / runs, median and slowest wall seconds."""
    fam = _family_runs(runs)
    if not len(fam):
        return []
    lines = [
        "## Benchmark families: `auto` per family and objective",
        "",
        "Cohorts the project did not tune for (see `clnmatch.generate.families`): 40-55 "
        "establishments, at most 100 practitioners, 8 teams, the default rules; `auto` as "
        "`clnmatch solve` runs it (for focus alone at this size that is `portfolio`: "
        "column generation and the CP-SAT model racing on the two cores, so the plan makes "
        "those runs one at a time). Each cell: proven optimal / runs; median wall seconds; "
        "slowest wall seconds.",
        "",
        "| family | " + " | ".join(OBJECTIVES) + " |",
        "| --- | " + " | ".join("---:" for _ in OBJECTIVES) + " |",
    ]
    for family in FAMILY_SETS:
        rows = fam[fam.family == family]
        if not len(rows):
            continue
        cells = [_cell(rows[rows.objective_name == o]) for o in OBJECTIVES]
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    chosen = fam.assign(chose=fam.notes.astype(str).str.extract(r"auto chose (\w+)")[0])
    chosen = chosen.dropna(subset=["chose"])
    if len(chosen):
        parts = []
        for objective in OBJECTIVES:
            counts = chosen[chosen.objective_name == objective].chose.value_counts()
            if len(counts):
                parts.append(f"{objective}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        lines += ["", f"Strategies `auto` chose (runs): {'; '.join(parts)}."]
    return [*lines, ""]


def _family_targets(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    fam = _family_runs(runs)
    rows = []
    for objective in OBJECTIVES:
        g = fam[fam.objective_name == objective]
        if not len(g):
            continue
        proven = int((g.status == "optimal").sum())
        median, slowest = g.runtime_s.median(), g.runtime_s.max()
        met = proven == len(g) and median <= FAMILY_MEDIAN_S and slowest <= FAMILY_SLOWEST_S
        rows.append(
            (
                f"families ({g.family.nunique()}), {objective}: `auto` proves every cohort, "
                f"median at most {FAMILY_MEDIAN_S:g} s, slowest at most {FAMILY_SLOWEST_S:g} s",
                f"{proven}/{len(g)} proven optimal; median {median:.1f} s; slowest {slowest:.1f} s",
                "met" if met else "not met",
            )
        )
    return rows


def _cln_targets(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for name, role in (
        ("auto", "as `clnmatch solve` runs it"),
        ("colgen", "column generation alone"),
        ("cpsat", "the CP-SAT model alone"),
    ):
        focus = runs[(runs.set == "cln:focus") & (runs.strategy == name)]
        if not len(focus):
            continue
        chosen = set(focus.notes.astype(str).str.extract(r"auto chose (\w+)")[0].dropna())
        if chosen:
            role += f": {', '.join(sorted(chosen))}"
        proven = int((focus.status == "optimal").sum())
        median = focus["runtime_s"].median()
        rows.append(
            (
                f"CLN (50 est., 8 teams), focus: proven optimal, median under 2 s ({name}: {role})",
                f"{proven}/{len(focus)} proven optimal; median {median:.1f} s "
                f"(slowest {focus['runtime_s'].max():.1f} s)",
                "met"
                if proven == len(focus) and median < 2
                else ("not met (time)" if proven == len(focus) else "not met"),
            )
        )
    cohesion = runs[(runs.set == "cln:cohesion") & (runs.strategy == "colgen")]
    if len(cohesion):
        worst = cohesion["gap"].max()
        within = int((cohesion["gap"] <= 0.01).sum())
        rows.append(
            (
                "CLN, cohesion: certified gap at most 1% within 60 s",
                f"{within}/{len(cohesion)} within 1% (worst gap {100 * worst:.2f}%); "
                f"median {cohesion['runtime_s'].median():.1f} s",
                "met" if within == len(cohesion) else "not met",
            )
        )
    return rows


def _scale_targets(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    ok = runs["status"].isin(["optimal", "feasible"])
    region = runs[(runs.set == "region") & ok]
    if len(region):
        best = region.groupby("strategy")["objective"].mean().idxmax()
        r = region[region.strategy == best]
        runs_of_best = runs[(runs.set == "region") & (runs.strategy == best)]
        met = (
            len(r) == len(runs_of_best)
            and r.runtime_s.max() <= 60
            and r.worker_maxrss_mb.max() < 2048
            and r["gap"].notna().all()
        )
        rows.append(
            (
                "region (500 est., 80 teams), blend: rule-abiding within 60 s, memory < 2 GiB, "
                "gap reported",
                f"{best}: {len(r)}/{len(runs_of_best)} rule-abiding; slowest {r.runtime_s.max():.1f} s "
                f"at a 60 s limit; largest worker RSS {r.worker_maxrss_mb.max():.0f} MB; gap "
                f"{100 * r['gap'].mean():.1f}% (a relaxation bound: local search proves none)",
                "met" if met else "not met",
            )
        )
    stress = runs[(runs.set == "stress")]
    if len(stress):
        s = stress.iloc[-1]
        rows.append(
            (
                "stress (5,000 est., 1,000 teams): rule-abiding within 5 min, memory < 4 GiB",
                f"{s.strategy}: {s.status}, {int(s.breaches or 0)} breaches, {s.runtime_s:.0f} s, "
                f"largest worker RSS {s.worker_maxrss_mb:.0f} MB",
                "met"
                if s.status in ("feasible", "optimal")
                and s.runtime_s < 300
                and s.worker_maxrss_mb < 4096
                else "not met",
            )
        )
    return rows


def _peer_target(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    """CLN blend: our best strategy beside every peer, as ratios and gaps to the best bound."""
    cln = runs[(runs.set == "cln")].assign(gap_to_bound=lambda f: gaps_to_best_bound(f))
    if not len(cln):
        return []
    means = cln.groupby(["strategy", "kind"])[["objective", "gap_to_bound"]].mean().reset_index()
    ours = means[means.kind == "strategy"].sort_values("objective").iloc[-1]
    peers = means[means.kind == "peer"]
    clean = cln[(cln.strategy == ours.strategy)]
    text = (
        f"best: {ours.strategy} {ours.objective:.1f} (gap to best bound "
        f"{100 * ours.gap_to_bound:.2f}%), breaches {int(clean.breaches.sum())}; "
        + "; ".join(
            f"{p.strategy} ratio {p.objective / ours.objective:.3f}, gap "
            f"{100 * p.gap_to_bound:.1f}%, breaches "
            f"{int(cln[cln.strategy == p.strategy].breaches.sum())}"
            for p in peers.itertuples()
        )
    )
    beaten = bool((peers.objective < ours.objective).all()) and clean.breaches.sum() == 0
    return [
        (
            "CLN blend: best strategy breaks no rule and beats every peer (ratio = peer / ours; "
            "gap = to the best bound proven on the cohort)",
            text,
            "met" if beaten else "not met",
        )
    ]


def _mdgp_targets(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    rows = []
    for n, g in _mdgp_runs(runs).groupby("n"):
        gap = 100 * g["gap_to_best_known"].mean()
        theirs = g.tpsdp_gap.mean()
        reference = (
            f"; TPSDP's own mean on these instances {theirs:.3f}%" if pd.notna(theirs) else ""
        )
        rows.append(
            (
                f"MDGPLIB n={n}: mean gap to best known <= 0.1% at TPSDP's limit",
                f"local_search {gap:.3f}% over {g.instance.nunique()} instances x "
                f"{g.seed.nunique()} seed(s) ({len(g)} runs){reference}",
                "met" if gap <= 0.1 else "not met",
            )
        )
    return rows


def _solved(frame: pd.DataFrame) -> pd.Series:
    return frame["solved"].map(lambda v: str(v).lower() in ("true", "1", "1.0"))


def _golf_targets(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Issue 17's Social Golfer targets: each instance solved in every run within its time."""
    rows = []
    golf = runs[runs.set == "golf"]
    for name, (what, seconds) in GOLF_TARGETS.items():
        g = golf[golf.instance == name]
        if not len(g):
            continue
        solved = int(_solved(g).sum())
        slowest = pd.to_numeric(g.runtime_s).max()
        best = pd.to_numeric(g.repeats).min()
        met = solved == len(g) and slowest <= seconds
        rows.append(
            (
                f"{what} ({seconds:g} s)",
                f"{solved}/{len(g)} runs solved; slowest {slowest:.2f} s"
                + ("" if solved else f"; {best:.0f} repeats at best"),
                "met" if met else "not met",
            )
        )
    return rows


def _breakout_scale_targets(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Issue 17 item 5: no repeats, every rule met, within the case's time limit."""
    rows = []
    scale = runs[runs.set == "breakouts-scale"]
    for name, case in SCALE_CASES.items():
        g = scale[scale.instance == name]
        if not len(g):
            continue
        solved = int(_solved(g).sum())
        slowest = pd.to_numeric(g.runtime_s).max()
        first = pd.to_numeric(g.first_solved_s).max()
        met = solved == len(g) and slowest <= case.time_limit
        rows.append(
            (
                f"breakout rooms: {case.label}, no repeats, every rule met, within "
                f"{case.time_limit:g} s",
                f"{solved}/{len(g)} runs solved; first solved schedule after at most "
                f"{first:.1f} s; whole call at most {slowest:.1f} s",
                "met" if met else "not met",
            )
        )
    return rows


def _targets(runs: pd.DataFrame) -> list[str]:
    rows = [
        *_cln_targets(runs),
        *_family_targets(runs),
        *_scale_targets(runs),
        *_peer_target(runs),
        *_mdgp_targets(runs),
        *_golf_targets(runs),
        *_breakout_scale_targets(runs),
    ]
    lines = ["| target | measured | verdict |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return lines


def _concurrency(commands: list[str], runs: pd.DataFrame) -> str:
    """How many runs were made at a time, from the harness commands' --jobs and the runs
    the plan made alone."""
    jobs = {int(m.group(1)) if (m := re.search(r"--jobs[ =](\d+)", c)) else 1 for c in commands}
    alone = runs[runs.notes.astype(str).str.contains("made alone", regex=False)]
    tail = (
        f"; {len(alone)} runs ({', '.join(sorted(set(alone.set.astype(str))))}: "
        "strategies racing on both cores) one at a time after the others. "
        if len(alone)
        else ". "
    )
    if len(jobs) != 1:
        return "runs made one to several at a time (see --jobs in each command)" + tail
    n = jobs.pop()
    return f"{'one run' if n == 1 else f'{n} runs'} at a time (`--jobs {n}`)" + tail


def _before_after(runs: pd.DataFrame, before: list[Path]) -> list[str]:
    """The figures of the last measured run before the restructuring beside this run's."""
    if not before:
        return []
    old = _runs(before)
    versions = ", ".join(sorted(set(old.version.dropna().astype(str))))
    noise = (
        f"objective lower by more than {100 * NOISE['objective']:g}%, gap up by more than "
        f"{100 * NOISE['gap']:g} points, gap to best known up by more than "
        f"{100 * NOISE['gap_to_best_known']:g} points, a time slower by more than "
        f"{100 * (NOISE['time_ratio'] - 1):g}% and {NOISE['time_s']:g} s, fewer proven"
    )
    return [
        "## Before and after the restructuring (issue 13)",
        "",
        "Each cell: before → after. *Before* is the run behind the last page before the "
        f"restructuring (commit 1dc5809, clnmatch {versions}; its rows are kept in "
        f"{', '.join(f'`{f}`' for f in before)}), *after* this page's run; both are computed "
        "the same way from their runs.csv, per set and strategy (MDGPLIB by size n; cohort "
        "sets labelled `set:objective`), over the runs both made alike (same instance, seed "
        "and time limit: the generated cohorts are the same cohorts). "
        f"Worse beyond noise means: {noise}. Sets and strategies new since (the families, "
        "`portfolio`, golf, breakout rooms) are in the other tables.",
        "",
        *comparison_table(compare_runs(old, runs)),
        "",
    ]


def _included(paths: list[Path]) -> list[str]:
    """Markdown sections written by other scripts, as they are (a leading ``# `` title
    becomes a section)."""
    parts = []
    for path in paths:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8").strip()
        if text.startswith("# "):
            text = re.sub(r"(?m)^#", "##", text)
        parts += [f"<!-- included from {path} -->", text, ""]
    return parts


def _kernel_rows(path: Path) -> dict[str, list[str]]:
    """``benchmarks/kernel_speed.py`` output: case -> its fields after the name."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        fields = line.split()
        if fields:
            rows[fields[0]] = fields[1:]
    return rows


def _kernel_section(before: Path | None, after: Path | None) -> list[str]:
    """The search engine on fixed work, on the code before the restructuring and now."""
    if before is None or after is None or not (before.is_file() and after.is_file()):
        return []
    old, new = _kernel_rows(before), _kernel_rows(after)
    lines = [
        "## Search engine speed before and after the restructuring",
        "",
        "`benchmarks/kernel_speed.py`: the local search capped at a number of steps "
        "(deterministic for a seed), CPU seconds (median of the repeats) on the code of "
        "commit 1dc5809 (its `src/` from `git archive`) and on this code, in the same "
        "environment, one after the other. *Same search* says "
        "whether both reached the same objective (the same trajectory). The engine's "
        "split-out (3abfecd) kept every trajectory; the greedy construction of 4081428 gives "
        "the MDGPLIB and region runs other starts (checked on that commit and its parent: "
        "the step times agree), so there the times compare equal work on other paths.",
        "",
        "| case | steps | objective before | objective after | same search | CPU s before "
        "| CPU s after | ms/step before | ms/step after | change |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for case, fields in new.items():
        was = old.get(case)
        if was is None:
            continue
        if len(fields) == 1:  # the repair: CPU seconds only
            change = float(fields[0]) / float(was[0]) - 1 if float(was[0]) else 0.0
            lines.append(
                f"| {case} | - | - | - | - | {was[0]} | {fields[0]} | - | - | {100 * change:+.0f}% |"
            )
            continue
        steps, objective, cpu, per_step = fields[:4]
        change = float(per_step) / float(was[3]) - 1
        same = "yes" if objective == was[1] else "no"
        lines.append(
            f"| {case} | {steps} | {int(was[1]):,} | {int(objective):,} | {same} | {was[2]} | "
            f"{cpu} | {was[3]} | {per_step} | {100 * change:+.0f}% |"
        )
    return [*lines, ""]


# summary.md sections already shown above them on the page
_SHOWN = (GOLF_HEADING, SCALE_HEADING)


def _summary_rest(text: str) -> str:
    """A harness summary without its title and without the sections the page shows."""
    body = text.split("\n", 1)[1]
    chunks = body.split("\n## ")
    kept = [chunks[0], *(c for c in chunks[1:] if not c.startswith(_SHOWN))]
    return "\n### ".join(kept)


def page(
    folders: list[Path],
    command: str,
    *,
    before: list[Path] | None = None,
    includes: list[Path] | None = None,
    kernel: tuple[Path | None, Path | None] = (None, None),
) -> str:
    """The whole of docs/benchmarks.md for the runs in ``folders``."""
    runs = _runs(folders)
    commands = _commands(folders, runs)
    one_run = len({c.split("  # sweep ")[1] for c in commands}) == 1
    included = [p for p in includes or [] if p.is_file()]
    own = [f"the section included from `{p}`" for p in included]
    own += ["the search engine's speed before and after"] if kernel[1] else []
    others = (
        f" Not from the harness: {'; '.join(own)}, each made by its own script, which the "
        "same command runs after the harness (each section says how it was measured)."
        if own
        else ""
    )
    writer = " ".join(
        [
            "python benchmarks/write_docs.py",
            *(str(f) for f in folders),
            *(f"--before {f}" for f in before or []),
            *(f"--include {p}" for p in included),
        ]
    )
    golf = golf_table(runs)
    scale = scale_table(runs)
    parts = [
        "# Benchmarks",
        "",
        f"Every harness figure on this page comes from {'one run' if one_run else 'these runs'} "
        f"of the benchmark harness, peers included, made with `{command}` and written by "
        f"`{writer}`.{others} The harness commands of the run:",
        "",
        "```",
        *commands,
        "```",
        "",
        f"Machine and versions: as each harness summary below says; {_concurrency(commands, runs)}"
        "Raw rows: `runs.csv` in the folder(s) above; plots beside them. Runtimes are wall seconds "
        "of the whole call as a user makes it (`solve` for cohorts), one-off kernel loading "
        "excluded. Peers are scored by the same evaluator and shown as ratios to our best "
        "strategy and gaps to the best proven bound.",
        "",
        "## Targets",
        "",
        *_targets(runs),
        "",
        *_before_after(runs, before or []),
        *_families_table(runs),
        *([f"## {GOLF_HEADING}", "", *golf, ""] if golf else []),
        *([f"## {SCALE_HEADING}", "", *scale, ""] if scale else []),
        *_mdgp_table(runs),
        *_included(included),
        *_kernel_section(*kernel),
    ]
    for folder in folders:
        summary = folder / "summary.md"
        if summary.exists():
            text = _summary_rest(summary.read_text(encoding="utf-8"))
            parts += [f"## Harness summary: `{folder}`", text]
    return "\n".join(parts)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[Path("benchmarks/results")])
    parser.add_argument("--doc", type=Path, default=DOC, help="page to write")
    parser.add_argument(
        "--command",
        default="bash benchmarks/run_targets.sh",
        help="the command that made the run, shown on the page",
    )
    parser.add_argument(
        "--before",
        type=Path,
        action="append",
        default=[],
        help="result folder of the run before the restructuring (repeatable)",
    )
    parser.add_argument(
        "--include",
        type=Path,
        action="append",
        default=[],
        help="a markdown section another script wrote, included if it exists (repeatable)",
    )
    parser.add_argument("--kernel-before", type=Path, help="kernel_speed.py output, old code")
    parser.add_argument("--kernel-after", type=Path, help="kernel_speed.py output, this code")
    args = parser.parse_args(argv)
    text = page(
        args.folders,
        args.command,
        before=args.before,
        includes=args.include,
        kernel=(args.kernel_before, args.kernel_after),
    )
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(text, encoding="utf-8")
    print(f"wrote {args.doc}")


if __name__ == "__main__":
    main(sys.argv[1:])
