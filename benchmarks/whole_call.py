"""Does ``--time-limit`` cover the whole call? The real CLI, timed from outside.

    python -m benchmarks.whole_call                                  # every scale, two limits each
    python -m benchmarks.whole_call --scales cln,region --docs docs/benchmarks-wholecall.md

Each run is the console command a user types (``python -m clnmatch.cli solve ... --quiet``,
``demo``, ``rematch``) in a subprocess, with the PDF handouts on (Chromium is used when
installed), and the wall time is taken around the whole subprocess. Start-up (starting
Python and importing the command line, before any command can look at a clock) is
measured on its own as the median wall time of ``python -m clnmatch.cli --version``. The
promise measured: every output is written within limit + 10% + start-up, i.e.
``overrun = (wall - start-up - limit) / limit`` is at most 10%.

Scales (inputs written once per scale by ``generate_cohort(n, seed=0, teams_hint=T)``):
``cln`` 50 establishments / 8 teams, ``region`` 500 / 80 (``--teams 80
--max-participants 100000``), ``stress`` 5,000 / 1,000 (``--teams 1000``); ``demo`` is
``clnmatch demo`` and ``rematch`` re-matches the CLN result after one withdrawal;
``breakouts`` plans 12 rounds of rooms of 6 (at least 3 authorities a room) for the
region cohort's practitioners, its survey read as the roster.
Writes ``results.csv`` and ``table.md`` into ``--out`` (default
``benchmarks/results/wholecall``, beside the harness run of ``benchmarks/run_targets.sh``)
and, with ``--docs FILE``, the table between the markers of that page.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from benchmarks.sections import write_tables
from clnmatch.generate import generate_cohort
from clnmatch.io.facilitators import write_facilitators
from clnmatch.io.safe import atomic_write_text
from clnmatch.io.survey_write import write_survey

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "clnmatch.cli"]
# scale -> (establishments, teams, extra rule flags, default limits in seconds)
SCALES: dict[str, tuple[int, int, list[str], tuple[float, ...]]] = {
    "cln": (50, 8, [], (5.0, 30.0)),
    "demo": (0, 8, [], (5.0, 20.0)),
    "rematch": (50, 8, [], (5.0, 30.0)),
    "region": (500, 80, ["--teams", "80", "--max-participants", "100000"], (20.0, 60.0)),
    "stress": (5000, 1000, ["--teams", "1000", "--max-participants", "100000"], (60.0, 300.0)),
    # breakout rooms for the region cohort's ~1,000 practitioners (its survey as the roster)
    "breakouts": (
        500,
        80,
        ["--rounds", "12", "--room-size", "6", "--min-authorities", "3"],
        (5.0, 30.0),
    ),
}
ALLOWED_OVERRUN = 0.10


@dataclass
class Run:
    scale: str
    command: str
    establishments: int
    teams: int
    limit_s: float
    wall_s: float
    startup_s: float
    overrun_pct: float
    exit_code: int
    runtime_s: float | None  # summary.json: the match itself
    command_s: float | None  # summary.json: the command's own clock when writing ended
    strategy: str
    status: str
    left_out: str  # outputs left out, and why (from summary.json)
    files: int


def startup_seconds(repeat: int = 3) -> float:
    """Median wall time of starting Python and importing the command line."""
    times = []
    for _ in range(repeat):
        tick = time.perf_counter()
        subprocess.run([*CLI, "--version"], check=True, capture_output=True)
        times.append(time.perf_counter() - tick)
    return statistics.median(times)


def write_inputs(folder: Path, establishments: int, teams: int) -> tuple[Path, Path]:
    cohort = generate_cohort(establishments, seed=0, teams_hint=teams)
    survey, facilitators = folder / "survey.csv", folder / "facilitators.csv"
    write_survey(cohort, survey)
    write_facilitators(cohort.facilitators, facilitators, cohort.themes)
    return survey, facilitators


def _timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    tick = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    return time.perf_counter() - tick, done


def _summary(out: Path) -> dict[str, object]:
    path = out / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def run_one(
    scale: str, limit: float, folder: Path, startup: float, inputs: tuple[Path, Path] | None
) -> Run:
    establishments, teams, flags, _ = SCALES[scale]
    out = folder / f"{scale}-{limit:g}"
    common = ["--time-limit", f"{limit:g}", "--seed", "0", "--quiet", "--out", str(out)]
    if scale == "demo":
        args = [*CLI, "demo", *common]
    elif scale == "rematch":
        assert inputs is not None
        survey, facilitators = inputs
        previous = folder / "cln-previous"
        if not previous.is_dir():  # the result being re-matched, made once, untimed
            base = [*CLI, "solve", str(survey), "--facilitators", str(facilitators)]
            subprocess.run(
                [*base, "--time-limit", "10", "--quiet", "--no-pdf", "--out", str(previous)],
                check=True,
                capture_output=True,
            )
        withdraw = _first_establishment(previous)
        args = [
            *CLI, "rematch", str(survey), str(previous), "--facilitators", str(facilitators),
            "--withdraw", withdraw, *common,
        ]  # fmt: skip
    elif scale == "breakouts":
        assert inputs is not None
        args = [*CLI, "breakouts", str(inputs[0]), *flags, *common]
    else:
        assert inputs is not None
        survey, facilitators = inputs
        args = [*CLI, "solve", str(survey), "--facilitators", str(facilitators), *flags, *common]
    wall, done = _timed(args)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
    summary = _summary(out)
    left = summary.get("left_out") or []
    left_out = " | ".join(
        f"{item['file']}: {item['why']}" for item in left if isinstance(item, dict)
    )
    runtime = summary.get("runtime_s")
    call = summary.get("call")
    command_s = call.get("elapsed_s") if isinstance(call, dict) else None
    return Run(
        scale=scale,
        command=args[3],
        establishments=establishments or 50,
        teams=teams,
        limit_s=limit,
        wall_s=round(wall, 2),
        startup_s=round(startup, 2),
        overrun_pct=round(100 * (wall - startup - limit) / limit, 1),
        exit_code=done.returncode,
        runtime_s=float(runtime) if isinstance(runtime, int | float) else None,
        command_s=float(command_s) if isinstance(command_s, int | float) else None,
        strategy=str(summary.get("strategy", "")),
        status=str(summary.get("status", "")),
        left_out=left_out,
        files=len(list(out.iterdir())) if out.is_dir() else 0,
    )


def _first_establishment(result_dir: Path) -> str:
    with open(result_dir / "teams.csv", encoding="utf-8-sig", newline="") as handle:
        return str(next(csv.DictReader(handle))["establishment_id"])


def _left_files(left_out: str) -> list[str]:
    """The files named in a run's left-out text ("file: why" items joined by " | ")."""
    return [item.split(":")[0] for item in left_out.split(" | ") if item]


def read_runs(path: Path) -> list[Run]:
    """Runs from a results.csv written earlier (to render the table again)."""
    types = {f.name: f.type for f in fields(Run)}
    runs = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            values: dict[str, object] = {}
            for name, text in row.items():
                kind = str(types[name])
                if text == "":
                    values[name] = None if "None" in kind else ""
                elif kind.startswith("float"):
                    values[name] = float(text)
                elif kind == "int":
                    values[name] = int(text)
                else:
                    values[name] = text
            runs.append(Run(**values))  # type: ignore[arg-type]
    return runs


def markdown(runs: list[Run], command: str) -> str:
    lines = [
        "## Each command, timed from outside",
        "",
        f"Measured with `{command}` ({os.cpu_count()} cores, {platform.machine()}, "
        "one run each, wall seconds). Each run is the "
        "real command in a subprocess with the PDF handouts on. Start-up (starting Python "
        "and importing the command line, before the command's clock starts) is the median "
        "of `clnmatch --version`; overrun = (wall - start-up - limit) / limit, the promise "
        f"being at most {100 * ALLOWED_OVERRUN:.0f}%. *Own clock*: the command's elapsed "
        "time when its last output was written (summary.json `call`); *outside it*: wall "
        "minus own clock (starting Python, imports, exit: the start-up of that very run, "
        "which drifts with the machine's load); *own overrun*: (own clock - limit) / limit; "
        "*match*: `runtime_s`; *left out*: outputs the time limit left no time for "
        "(summary.json `left_out`, with why).",
        "",
        "| command | establishments | teams | limit s | wall s | start-up s | overrun | "
        "own clock s | outside it s | own overrun | match s | strategy | left out |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in runs:
        ok = "" if r.overrun_pct <= 100 * ALLOWED_OVERRUN else " (over)"
        failed = f" (exit {r.exit_code})" if r.exit_code else ""
        match = "-" if r.runtime_s is None else f"{r.runtime_s:.1f}"
        own = outside = own_over = "-"
        if r.command_s is not None:
            own, outside = f"{r.command_s:.1f}", f"{r.wall_s - r.command_s:.1f}"
            own_over = f"{100 * (r.command_s - r.limit_s) / r.limit_s:+.1f}%"
        left = ", ".join(_left_files(r.left_out)) or "-"
        lines.append(
            f"| {r.command}{failed} | {r.establishments:,} | {r.teams:,} | {r.limit_s:g} "
            f"| {r.wall_s:.1f} | {r.startup_s:.1f} | {r.overrun_pct:+.1f}%{ok} | {own} "
            f"| {outside} | {own_over} | {match} | {r.strategy} | {left} |"
        )
    return "\n".join(lines) + "\n"


TABLE_START = "<!-- whole-call table"
TABLE_END = "<!-- end of the whole-call table -->"


def write_section(path: Path, text: str) -> None:
    """The table into ``path`` between its markers (the prose around them is written by
    hand); a new page is the table alone, an existing one without markers is left as is."""
    if not path.is_file():
        atomic_write_text(path, text)
    elif write_tables(path, {(TABLE_START, TABLE_END): text}):
        print(f"warning: {path} has no {TABLE_START!r} marker: the table was not written")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="cln,demo,rematch,region,stress,breakouts")
    parser.add_argument("--limits", default="", help="override: seconds, comma-separated")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "wholecall")
    parser.add_argument("--docs", type=Path, default=None, help="write the markdown section here")
    parser.add_argument(
        "--render", action="store_true", help="only render --out's results.csv again (no runs)"
    )
    args = parser.parse_args(argv)
    if args.render:
        runs = read_runs(args.out / "results.csv")
        text = markdown(runs, "python -m benchmarks.whole_call")
        (args.out / "table.md").write_text(text, encoding="utf-8")
        if args.docs is not None:
            write_section(args.docs, text)
        print(text)
        return 0
    scales = [s for s in args.scales.split(",") if s]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {unknown}; choose from {sorted(SCALES)}")
    startup = startup_seconds()
    print(f"start-up {startup:.2f} s", flush=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="whole-call-") as tmp:
        folder = Path(tmp)
        made: dict[tuple[int, int], tuple[Path, Path]] = {}
        for scale in scales:
            establishments, teams, _, limits = SCALES[scale]
            if args.limits:
                limits = tuple(float(x) for x in args.limits.split(","))
            inputs = None
            if establishments:
                key = (establishments, teams)
                if key not in made:
                    place = folder / f"in-{establishments}"
                    place.mkdir()
                    made[key] = write_inputs(place, establishments, teams)
                inputs = made[key]
            for limit in limits:
                run = run_one(scale, limit, folder, startup, inputs)
                runs.append(run)
                print(json.dumps(asdict(run)), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "results.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(asdict(runs[0])))
        writer.writeheader()
        writer.writerows(asdict(r) for r in runs)
    command = "python -m benchmarks.whole_call" + (f" {' '.join(argv)}" if argv else "")
    if argv is None and len(sys.argv) > 1:
        command = "python -m benchmarks.whole_call " + " ".join(sys.argv[1:])
    text = markdown(runs, command)
    (args.out / "table.md").write_text(text, encoding="utf-8")
    if args.docs is not None:
        write_section(args.docs, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
