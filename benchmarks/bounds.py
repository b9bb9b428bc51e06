"""Certified gaps: region and stress scale, every MDGPLIB instance, and our records.

    python -m benchmarks.bounds                          # everything (about 1 hour)
    python -m benchmarks.bounds --part region --seeds 0,1,2
    python -m benchmarks.bounds --part mdgp --bound-time 600
    python -m benchmarks.bounds --part records

* ``region`` / ``stress``: a generated cohort (``generate_cohort(n, seed=k,
  teams_hint=teams)``, ``Rules(teams=teams, max_participants=100_000,
  min_establishments=0)``, blend), matched by ``local_search`` for ``--search-time``
  seconds (60), then ``clnmatch.bounds.certified_bound`` for ``--bound-time`` seconds
  (60): every method's bound and seconds, and the gap bound / objective - 1.
* ``mdgp``: every MDGPLIB instance of ``--mdgplib`` up to n=480: the certified bound
  within ``--bound-time`` (600) and its gap to the best known value (the larger of
  bks.csv's and our record in ``benchmarks/records``).
* ``records``: every solution in ``benchmarks/records`` re-scored by the evaluator,
  against bks.csv (tests/test_records.py re-scores them independently).

Writes CSV files and ``bounds.md`` (markdown tables) into ``--out``
(``benchmarks/results-bounds``); docs/benchmarks-bounds.md quotes them. Wall seconds,
one run, this machine (2 cores shared: run it alone, ``nice`` is fine).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from clnmatch.bounds import METHODS, certified_bound
from clnmatch.evaluate import evaluate
from clnmatch.generate import generate_cohort
from clnmatch.io.safe import atomic_write_text
from clnmatch.models import Rules
from clnmatch.problem import SCALE, Problem
from clnmatch.research import read_best_known, read_instance, read_solution
from clnmatch.strategies import Budget, get_strategy, prepare

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "records"
SHARED_MDGPLIB = HERE.parents[1] / "shared" / "benchmarks" / "mdgplib"
SCALES = {"region": (500, 80), "stress": (5000, 1000)}


def _cohort_problem(establishments: int, teams: int, seed: int) -> Problem:
    cohort = generate_cohort(establishments, seed=seed, teams_hint=teams)
    rules = Rules(teams=teams, max_participants=100_000, min_establishments=0)
    return Problem.from_cohort(cohort, rules, "blend")


def measure_scale(
    scale: str, seeds: list[int], search_time: float, bound_time: float
) -> list[dict[str, object]]:
    """One row per seed: local search's objective, every bound, the gaps, the seconds."""
    establishments, teams = SCALES[scale]
    strategy = get_strategy("local_search")
    prepare(strategy)
    rows: list[dict[str, object]] = []
    for seed in seeds:
        problem = _cohort_problem(establishments, teams, seed)
        proposal = strategy.run(problem, Budget(time_limit=search_time, seed=0))
        if proposal.unit_team is None:
            raise SystemExit(f"local_search found nothing at {scale} seed {seed}")
        found = evaluate(problem, proposal.unit_team)
        tick = time.perf_counter()
        proved = certified_bound(problem, bound_time)
        row: dict[str, object] = {
            "scale": scale,
            "establishments": establishments,
            "teams": teams,
            "seed": seed,
            "feasible": found.feasible,
            "objective": found.objective_milli / SCALE,
            "bound": proved.bound,
            "method": proved.method,
            "gap": proved.bound_milli / found.objective_milli - 1,
            "bound_s": round(time.perf_counter() - tick, 2),
        }
        for name in METHODS:
            if name in proved.bounds_milli:
                row[f"{name}_gap"] = proved.bounds_milli[name] / found.objective_milli - 1
                row[f"{name}_s"] = proved.seconds.get(name)
        rows.append(row)
        print(_short(row), flush=True)
    return rows


def _records_best(mdgplib: Path) -> dict[str, float]:
    """Our record objective per instance (evaluated), from benchmarks/records."""
    best: dict[str, float] = {}
    for path in sorted(RECORDS.glob("*.txt")):
        instance = next(mdgplib.glob(f"*/{path.stem}.txt"), None)
        if instance is None:
            continue
        problem = read_instance(instance)
        unit_team = read_solution(path, problem.n_units)
        best[path.stem] = evaluate(problem, unit_team).objective_milli / SCALE
    return best


def measure_mdgp(mdgplib: Path, bound_time: float) -> list[dict[str, object]]:
    """One row per instance up to n=480: the certified bound and its gaps."""
    known = read_best_known(mdgplib / "bks.csv")
    ours = _records_best(mdgplib)
    rows: list[dict[str, object]] = []
    for name in sorted(known):
        path = next(mdgplib.glob(f"*/{name}.txt"), None)
        if path is None:
            continue
        problem = read_instance(path)
        if problem.n_units > 480:
            continue
        proved = certified_bound(problem, bound_time)
        best = max(known[name].value, ours.get(name, -np.inf))
        row: dict[str, object] = {
            "instance": name,
            "n": problem.n_units,
            "groups": problem.n_teams,
            "best_known": known[name].value,
            "ours": ours.get(name),
            "best": best,
            "bound": proved.bound,
            "method": proved.method,
            "gap": proved.bound / best - 1,
            "relaxation_gap": proved.bounds_milli["relaxation"] / SCALE / best - 1,
            "bound_s": round(sum(proved.seconds.values()), 2),
        }
        for method in ("quadratic", "semidefinite"):
            if method in proved.bounds_milli:
                row[f"{method}_gap"] = proved.bounds_milli[method] / SCALE / best - 1
                row[f"{method}_s"] = proved.seconds.get(method)
        rows.append(row)
        print(_short(row), flush=True)
    return rows


def measure_records(mdgplib: Path) -> list[dict[str, object]]:
    """Every record solution, re-scored, against the published best known value."""
    known = read_best_known(mdgplib / "bks.csv")
    rows: list[dict[str, object]] = []
    for name, value in _records_best(mdgplib).items():
        bks = known[name].value
        rows.append(
            {
                "instance": name,
                "objective": round(value, 3),
                "best_known": bks,
                "improvement": value - bks,
                "improvement_pct": 100 * (value / bks - 1),
                "file": f"benchmarks/records/{name}.txt",
            }
        )
    return rows


def _short(row: dict[str, object]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    fields: list[str] = []
    for row in rows:
        fields += [k for k in row if k not in fields]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _pct(value: object) -> str:
    return "" if value is None or value == "" else f"{100 * float(value):.2f}%"  # type: ignore[arg-type]


def _semidefinite(row: dict[str, object]) -> str:
    if row.get("semidefinite_gap") in (None, ""):
        return ""
    return f"{_pct(row['semidefinite_gap'])} ({row.get('semidefinite_s')})"


def markdown(
    scales: list[dict[str, object]],
    mdgp: list[dict[str, object]],
    records: list[dict[str, object]],
) -> str:
    """The tables of docs/benchmarks-bounds.md."""
    out: list[str] = []
    if scales:
        out += [
            "| scale | seed | local search (60 s) | certified bound | by | gap | relaxation gap "
            "| star gap | themed gap | bound seconds |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in scales:
            out.append(
                f"| {r['scale']} ({r['establishments']}/{r['teams']}) | {r['seed']} "
                f"| {float(r['objective']):,.3f} | {float(r['bound']):,.3f} | {r['method']} "
                f"| {_pct(r['gap'])} | {_pct(r.get('relaxation_gap'))} | {_pct(r.get('star_gap'))} "
                f"| {_pct(r.get('themed_gap'))} | {r['bound_s']} |"
            )
        out.append("")
    if mdgp:
        out += [
            "| instance | gap | by | semidefinite gap (s) | quadratic gap | relaxation gap "
            "| best known | ours | certified bound | n | groups | seconds |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in mdgp:  # the gaps first: what a reader compares (the table is wide)
            ours = "" if r["ours"] in (None, "") else f"{float(r['ours']):,.3f}"  # type: ignore[arg-type]
            out.append(
                f"| {r['instance']} | {_pct(r['gap'])} | {r['method']} | {_semidefinite(r)} "
                f"| {_pct(r.get('quadratic_gap'))} | {_pct(r['relaxation_gap'])} "
                f"| {float(r['best_known']):,.3f} | {ours} | {float(r['bound']):,.3f} "  # type: ignore[arg-type]
                f"| {r['n']} | {r['groups']} | {r['bound_s']} |"
            )
        out.append("")
    if records:
        out += [
            "| instance | our objective | published best known | improvement | file |",
            "|---|---|---|---|---|",
        ]
        for r in records:
            out.append(
                f"| {r['instance']} | {float(r['objective']):,.3f} "  # type: ignore[arg-type]
                f"| {float(r['best_known']):,.3f} | +{float(r['improvement']):,.3f} "  # type: ignore[arg-type]
                f"(+{float(r['improvement_pct']):.4f}%) | `{r['file']}` |"  # type: ignore[arg-type]
            )
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", default="all", choices=["all", "region", "stress", "mdgp", "records"]
    )
    parser.add_argument("--seeds", default="0,1,2", help="region seeds (stress: the first)")
    parser.add_argument("--search-time", type=float, default=60.0)
    parser.add_argument("--bound-time", type=float, default=None, help="60 (scales), 600 (mdgp)")
    parser.add_argument("--mdgplib", type=Path, default=SHARED_MDGPLIB)
    parser.add_argument("--out", type=Path, default=HERE / "results-bounds")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    parts = ["region", "stress", "mdgp", "records"] if args.part == "all" else [args.part]
    scales: list[dict[str, object]] = []
    for scale in ("region", "stress"):
        if scale in parts:
            use = seeds if scale == "region" else seeds[:1]
            scales += measure_scale(scale, use, args.search_time, args.bound_time or 60.0)
            _write_csv(args.out / f"{scale}.csv", [r for r in scales if r["scale"] == scale])
    mdgp = measure_mdgp(args.mdgplib, args.bound_time or 600.0) if "mdgp" in parts else []
    _write_csv(args.out / "mdgplib.csv", mdgp)
    records = measure_records(args.mdgplib) if "records" in parts else []
    _write_csv(args.out / "records.csv", records)
    text = markdown(scales, mdgp, records)
    atomic_write_text(args.out / f"bounds-{args.part}.md", text + "\n")
    print(text)


if __name__ == "__main__":
    main()
