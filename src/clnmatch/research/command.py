"""The ``bench`` command (``clnmatch bench`` / ``python -m benchmarks``): parse, plan, run, write."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import secrets
import shlex
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from clnmatch.errors import ClnmatchError, InvalidParameterError
from clnmatch.research.execute import error_text, execute
from clnmatch.research.outputs import records_frame, write_outputs
from clnmatch.research.runs import RunOutcome
from clnmatch.research.sets import COHORT_SETS, RESEARCH_SETS, SCHEDULE_SETS, SET_GROUPS
from clnmatch.research.sweeps import SWEEP_DEFAULTS, Sweep, read_plan, specs_for, sweep_from

__all__ = ["run_bench"]


def _parser(prog: str) -> argparse.ArgumentParser:
    """The options; one sweep's default to None here, so that --plan can refuse them."""
    p = argparse.ArgumentParser(
        prog=prog,
        description="Benchmark strategies (and peers) over instance sets, seeds and time limits.",
    )
    names = ", ".join([*COHORT_SETS, *RESEARCH_SETS, *SCHEDULE_SETS])
    p.add_argument(
        "--sets",
        help=f"comma list of sets: {names}, or 'families' for every fam-* set (default cln)",
    )
    p.add_argument(
        "--strategies",
        help="comma list of registered strategies and 'auto' (what solve picks), or 'all' "
        "(default: every registered strategy); golf and breakouts-scale run the breakout "
        "planner ('breakouts') whatever this says",
    )
    p.add_argument("--peers", help="comma list of peers for cohort sets, or 'all' (default none)")
    p.add_argument("--seeds", help="comma list of seeds (default 0,1,2)")
    p.add_argument(
        "--time-limit",
        help="comma list of seconds per run; default per set (TPSDP's by n for "
        "mdgp/ccp: 3 s to n=120, 20 s to 240, 120 s beyond; 30 s for families)",
    )
    p.add_argument(
        "--bound-time",
        type=float,
        help="mdgp/ccp: seconds to prove a bound (certified_bound) for a run whose strategy "
        "proved none, so bound and gap are filled; after the run, not in runtime_s; once "
        "per instance and worker (default 0: none)",
    )
    p.add_argument(
        "--cohorts",
        type=int,
        help="generated cohorts per cohort set (default per set: tiny 2, cln 5, "
        "region 2, stress 1, fam-* 5)",
    )
    p.add_argument(
        "--first-cohort",
        type=int,
        help="the first generated cohort's number (default 0): e.g. --first-cohort 5 runs "
        "cohorts 5.. , held out of the ones a change was measured on",
    )
    p.add_argument(
        "--instances", type=Path, help="MDGPLIB folder (default ../shared/benchmarks/mdgplib)"
    )
    p.add_argument(
        "--ccp-instances", type=Path, help="CCPLIB folder (default ../shared/benchmarks/ccplib)"
    )
    p.add_argument(
        "--match",
        action="append",
        help="glob on research or schedule instance names, e.g. 'RanReal_n120_*', "
        "'8-4-*' (repeatable)",
    )
    p.add_argument(
        "--objective",
        help="objective(s) for cohort sets: comma list of focus, cohesion, blend (default "
        "blend); runs.csv names the set cln:focus etc.",
    )
    p.add_argument(
        "--alone",
        help="'all', or a comma list of solvers, whose runs are made one at a time after the "
        "others (for strategies using both cores, e.g. portfolio)",
    )
    p.add_argument(
        "--plan",
        type=Path,
        help="TOML file of [[sweep]] tables, each with the options above: every sweep in "
        "one run, one output folder (instead of the options above)",
    )
    p.add_argument("--jobs", type=int, default=1, help="parallel runs (joblib; Dask workers)")
    p.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address, or 'local' for a LocalCluster of --jobs workers",
    )
    p.add_argument(
        "--memory",
        choices=["rss", "tracemalloc"],
        default="rss",
        help="rss (default): sampled RSS growth; tracemalloc: also the Python-heap "
        "peak (slows pure-Python strategies several-fold)",
    )
    p.add_argument(
        "--no-warm-up",
        action="store_true",
        help="time each worker's first run of a solver cold (imports, JIT included)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("bench-out"), help="output folder (default bench-out)"
    )
    p.add_argument("--list", action="store_true", help="list sets, strategies and peers, then exit")
    p.add_argument("--dry-run", action="store_true", help="print the plan size, run nothing")
    return p


def _sweeps(args: argparse.Namespace) -> list[Sweep]:
    """The sweeps to make: the plan file's, or the one the command line describes."""
    given = {k: getattr(args, k) for k in SWEEP_DEFAULTS if getattr(args, k) is not None}
    if args.plan is not None:
        if given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise InvalidParameterError.for_value(
                "plan", "bench", "no sweep options beside it (the plan file gives them)", flags
            )
        return read_plan(args.plan)
    return [sweep_from(given)]


def run_bench(argv: Sequence[str] | None = None, *, prog: str = "python -m benchmarks") -> int:
    """The ``bench`` command. Returns the exit code (0 done, 2 invalid setting, 1 other error).

    ``argv`` defaults to ``sys.argv[1:]``; ``prog`` names the command in --help and in the
    "Made by" line of summary.md. Failed runs do not fail the sweep: they are rows with
    status ``failed`` and the reason.
    """
    argv = list(argv) if argv is not None else sys.argv[1:]
    try:
        args = _parser(prog).parse_args(argv)
    except SystemExit as exc:  # --help, or argparse's own usage error (code 2)
        return exc.code if isinstance(exc.code, int) else 2
    err = sys.stderr
    if args.list:
        from clnmatch.research.peers import available_peers
        from clnmatch.strategies import available_strategies

        print("sets:", ", ".join([*COHORT_SETS, *RESEARCH_SETS, *SCHEDULE_SETS]))
        print("set groups:", ", ".join(SET_GROUPS))
        print("strategies:", ", ".join(["auto", *available_strategies()]))
        print("schedule solver (golf, breakouts-scale): breakouts")
        print("peers:", ", ".join(available_peers()))
        return 0
    try:
        if args.jobs < 1:
            raise InvalidParameterError.for_value("jobs", "bench", "an int >= 1", args.jobs)
        sweeps = _sweeps(args)
        for one in sweeps:
            research = [s for s in one.sets if s in RESEARCH_SETS]
            if one.peers and research:
                print(
                    f"note: peers run on cohort sets only, not on {', '.join(research)}", file=err
                )
        specs = specs_for(sweeps, memory=args.memory, warm_up=not args.no_warm_up)
        if args.out.exists() and not args.out.is_dir():
            raise InvalidParameterError.for_value(
                "--out", "bench", "an output folder (new, or one to add to)", str(args.out)
            )
        if not specs:  # e.g. a --match glob with a typo
            raise InvalidParameterError(
                "The sets, --match and options select no run: check the --match globs "
                "against the instance names (--list shows the sets)."
            )
    except ClnmatchError as exc:
        print(f"Invalid setting: {exc}", file=err)
        return 2
    budget = sum(s.time_limit for s in specs)
    print(f"{len(specs)} runs; time limits add up to {budget:,.0f} s", file=err)
    if args.dry_run:
        return 0

    sweep = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)
    command = f"{prog} {shlex.join(argv)}"
    args.out.mkdir(parents=True, exist_ok=True)
    partial = args.out / "runs.partial.csv"
    if partial.exists():  # an interrupted sweep's finished runs: kept beside, never dropped
        with partial.open(encoding="utf-8", newline="") as handle:
            first = next(csv.DictReader(handle), None) or {}
        kept = partial.with_name(f"runs.interrupted-{first.get('sweep') or sweep}.csv")
        partial.rename(kept)
        print(
            f"note: the finished runs of an interrupted sweep ({partial.name}) are kept as "
            f"{kept.name}; they are not in runs.csv",
            file=err,
        )
    count = [0]

    def progress(outcome: RunOutcome) -> None:
        count[0] += 1
        r = outcome.record
        obj = "-" if r.objective is None else f"{r.objective:,.3f}"
        if r.repeats is not None:  # schedule sets: fewer repeats is better
            obj = f"{r.repeats} repeats (bound {r.repeats_lower_bound})"
        print(
            f"[{count[0]}/{len(specs)}] {r.set} {r.instance} {r.strategy} seed {r.seed} "
            f"{r.time_limit:g}s: {r.status} {obj} ({r.runtime_s or 0:.2f} s)"
            + (f" {r.error}" if r.error else ""),
            file=err,
            flush=True,
        )
        # a line per finished run, so a crashed sweep still leaves its results
        new = not partial.exists()
        with partial.open("a", encoding="utf-8") as handle:
            buffer = io.StringIO()
            records_frame([outcome], sweep).to_csv(
                buffer, index=False, header=new, lineterminator="\n"
            )
            handle.write(buffer.getvalue())

    try:
        outcomes = execute(specs, jobs=args.jobs, scheduler=args.scheduler, on_result=progress)
        paths = write_outputs(args.out, outcomes, sweep=sweep, command=command)
    except ClnmatchError as exc:
        print(f"Invalid setting: {exc}", file=err)
        return 2
    except KeyboardInterrupt:  # Ctrl+C: the runs that finished are kept, and said so
        kept_runs = (
            f"the {count[0]} finished run(s) are in {partial}" if count[0] else "no run finished"
        )
        print(f"Stopped (Ctrl+C): {kept_runs}; runs.csv was not changed.", file=err)
        return 130
    except Exception as exc:  # the sweep itself broke (not one run): say so, keep the partial file
        print(
            f"Benchmark sweep failed: {error_text(exc)}; finished runs are in {partial}", file=err
        )
        return 1
    with contextlib.suppress(OSError):
        partial.unlink()
    failed = sum(o.record.status == "failed" for o in outcomes)
    print(
        f"{len(outcomes)} runs ({failed} failed) -> {paths['runs']}, {paths['summary']}", file=err
    )
    return 0
