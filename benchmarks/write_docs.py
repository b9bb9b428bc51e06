"""Write docs/benchmarks.md from the result folder of benchmarks/run_targets.sh.

    python -m benchmarks.write_docs benchmarks/results [MORE_FOLDERS ...] [--doc PATH]
        [--command "bash benchmarks/run_targets.sh"] [--commit SHA] [--note TEXT]
        [--bounds benchmarks/results/bounds]
        [--whole-call benchmarks/results/wholecall/results.csv]
        [--before benchmarks/before-restructuring/results ...]
        [--include docs/benchmarks-wholecall.md ...]
        [--kernel-before FILE --kernel-after FILE]

Every table is computed from runs.csv (the newest row of each run) of the folders given:
the targets (with the whole call's and the certified bounds' from ``--whole-call`` and
``--bounds``, the outputs of benchmarks/whole_call.py and benchmarks/bounds.py), the
figures before and after the restructuring (issue 13: the same figures computed from the
rows of ``--before`` folders, the last measured before it), the benchmark
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

from benchmarks.target_rows import (
    FIRST_HELD_OUT,
    OBJECTIVES,
    family_groups,
    family_runs,
    mdgp_runs,
    targets,
)
from clnmatch.research.claims import refuted_claims, without_refuted
from clnmatch.research.compare import NOISE, compare_runs, comparison_table
from clnmatch.research.harness import latest_runs
from clnmatch.research.sets import FAMILY_SETS
from clnmatch.research.summary import (
    GOLF_HEADING,
    SCALE_HEADING,
    golf_table,
    scale_table,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def _runs(folders: list[Path]) -> pd.DataFrame:
    frames = [
        latest_runs(pd.read_csv(f / "runs.csv")) for f in folders if (f / "runs.csv").exists()
    ]
    # a run in two folders (one copied into another) is counted once: the later folder's
    runs = latest_runs(pd.concat(frames, ignore_index=True))
    for col in ("repeats", "repeats_lower_bound", "solved", "known_max_rounds", "first_solved_s"):
        if col not in runs:  # rows written before the schedule sets existed
            runs[col] = None
    # a claim another run refutes counts for nothing (each folder's summary lists them)
    return without_refuted(runs, refuted_claims(runs))


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


def _mdgp_table(runs: pd.DataFrame) -> list[str]:
    """Our mean gap beside TPSDP's own mean (its 20 published runs) on the same instances."""
    mdgp = mdgp_runs(runs)
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


def _cell(g: pd.DataFrame) -> str:
    proven = int((g.status == "optimal").sum())
    return (
        f"{proven}/{len(g)}; {g.runtime_s.median():.1f} s; {g.runtime_s.max():.1f} s"
        if len(g)
        else "-"
    )


def _families_table(runs: pd.DataFrame) -> list[str]:
    """Per family and objective, auto: proven / runs, median and slowest wall seconds."""
    fam = family_runs(runs)
    if not len(fam):
        return []
    lines = [
        "## Benchmark families: `auto` per family and objective",
        "",
        "Cohorts the project did not tune for (see `clnmatch.generate.families`): 40-55 "
        "establishments, at most 100 practitioners, 8 teams, the default rules; `auto` as "
        "`clnmatch solve` runs it (the strategies it chose are listed below the table; "
        "`portfolio` uses both cores, so the plan makes its runs one at a time). Each cell: "
        "proven optimal / runs; median wall seconds; slowest wall seconds.",
        "",
    ]
    groups = family_groups(fam)
    if len(groups) > 1:
        lines[-2] += (
            f" Cohorts {FIRST_HELD_OUT} and up are held out: no change to the solver was "
            "measured on them, so they show how its figures carry over to cohorts it has not seen."
        )
    heads = [f"{o} ({g.cohorts})" if g.cohorts else o for g in groups for o in OBJECTIVES]
    lines += ["| family | " + " | ".join(heads) + " |", "| --- |" + " ---: |" * len(heads)]
    for family in FAMILY_SETS:
        if not (fam.family == family).any():
            continue
        cells = [
            _cell(g.runs[(g.runs.family == family) & (g.runs.objective_name == o)])
            for g in groups
            for o in OBJECTIVES
        ]
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
    bounds: Path | None = None,
    whole_call: Path | None = None,
    commit: str | None = None,
    note: str = "",
) -> str:
    """The whole of docs/benchmarks.md for the runs in ``folders``."""
    runs = _runs(folders)
    commands = _commands(folders, runs)
    one_run = len({c.split("  # sweep ")[1] for c in commands}) == 1
    included = [p for p in includes or [] if p.is_file()]
    own = [f"`{p}`" for p in included]
    own += ["the search engine's speed before and after"] if kernel[1] else []
    others = (
        f" Then the same command ran, one after the other, the scripts of the other sections "
        f"({', '.join(own)}: each says which script and how), so that none was timed beside "
        "another."
        if own
        else ""
    )
    writer = " ".join(
        [
            "python -m benchmarks.write_docs",
            *(str(f) for f in folders),
            *(f"--before {f}" for f in before or []),
            *(f"--include {p}" for p in included),
            *([f"--bounds {bounds}"] if bounds else []),
            *([f"--whole-call {whole_call}"] if whole_call else []),
            *([f"--kernel-before {kernel[0]}"] if kernel[0] else []),
            *([f"--kernel-after {kernel[1]}"] if kernel[1] else []),
        ]
    )
    on = f" on commit {commit}" if commit else ""
    golf = golf_table(runs)
    scale = scale_table(runs)
    parts = [
        "# Benchmarks",
        "",
        f"Every figure on this page comes from {'one run' if one_run else 'these runs'} of "
        f"`{command}`{on}: first the benchmark harness, peers included (its commands below)."
        f"{others} Written by `{writer}`. Figures measured before and after single changes, "
        "on the way, are on [before and after each change](benchmarks-changes.md) and [the "
        "exact sweeps](benchmarks-exact.md), each with its commit."
        + (f" {note}" if note else "")
        + " The harness commands of the run:",
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
        *targets(runs, bounds, whole_call),
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
    parser.add_argument("--bounds", type=Path, help="benchmarks/bounds.py's --out folder")
    parser.add_argument("--whole-call", type=Path, help="benchmarks/whole_call.py's results.csv")
    parser.add_argument("--commit", help="the commit measured, named on the page")
    parser.add_argument("--note", default="", help="a sentence on how the run was made")
    parser.add_argument("--kernel-before", type=Path, help="kernel_speed.py output, old code")
    parser.add_argument("--kernel-after", type=Path, help="kernel_speed.py output, this code")
    args = parser.parse_args(argv)
    text = page(
        args.folders,
        args.command,
        before=args.before,
        includes=args.include,
        kernel=(args.kernel_before, args.kernel_after),
        bounds=args.bounds,
        whole_call=args.whole_call,
        commit=args.commit,
        note=args.note,
    )
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(text, encoding="utf-8")
    print(f"wrote {args.doc}")


if __name__ == "__main__":
    main(sys.argv[1:])
