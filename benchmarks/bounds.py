"""Certified gaps: region and stress scale, every MDGPLIB instance, and our records.

    python -m benchmarks.bounds --docs docs/benchmarks-bounds.md   # all (about 20 minutes)
    python -m benchmarks.bounds --part region --seeds 0,1,2
    python -m benchmarks.bounds --part mdgp --bound-time 600
    python -m benchmarks.bounds --part records
    python -m benchmarks.bounds --render --docs docs/benchmarks-bounds.md  # no runs

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

Writes CSV files and ``bounds-PART.md`` (the markdown tables, each with its verdict) into
``--out`` (``benchmarks/results/bounds``, beside the harness run of
``benchmarks/run_targets.sh``, which runs this after the harness) and, with ``--docs``,
the tables between their markers in that page. Wall seconds, one run, this machine: run
it alone (it times the bounds).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from benchmarks.sections import write_tables
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
            "search_s": search_time,
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
        if path is None:  # a gap left out of the table would pass for none
            raise SystemExit(f"{name} is in {mdgplib / 'bks.csv'} but its file is missing")
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


def _range(values: list[float]) -> str:
    low, high = _pct(min(values)), _pct(max(values))
    return low if low == high else f"{low}-{high}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _num(row: dict[str, object], key: str) -> float:
    """A number of a row, measured now or read back from a CSV file (text)."""
    return float(row[key])  # type: ignore[arg-type]


def _semidefinite(row: dict[str, object]) -> str:
    if row.get("semidefinite_gap") in (None, ""):
        return ""
    return f"{_pct(row['semidefinite_gap'])} ({row.get('semidefinite_s')})"


def _family(instance: object) -> str:
    return str(instance).split("_")[0]


# issue 16's targets: region scale (item 4) and MDGPLIB at n=120 (item 5)
REGION_GAP, REGION_SECONDS = 0.03, 60.0
MDGP_GAP, MDGP_N, MDGP_SECONDS = 0.02, 120, 600.0
# the markers of docs/benchmarks-bounds.md around each generated table
SCALES_MARKERS = ("<!-- bounds table: region and stress", "<!-- end of the scales table -->")
MDGP_MARKERS = ("<!-- bounds table: MDGPLIB", "<!-- end of the MDGPLIB table -->")
RECORDS_MARKERS = ("<!-- bounds table: records", "<!-- end of the records table -->")


def region_verdict(rows: list[dict[str, object]]) -> tuple[str, bool] | None:
    """Item 4 over the region rows: what was measured, and whether every seed's assignment
    keeps the rules and is certified within the gap, its bound within the seconds."""
    region = [r for r in rows if r["scale"] == "region"]
    if not region:
        return None
    gaps = [_num(r, "gap") for r in region]
    slowest = max(_num(r, "bound_s") for r in region)
    feasible = all(str(r["feasible"]) == "True" for r in region)
    methods = ", ".join(sorted({str(r["method"]) for r in region}))
    text = (
        f"certified gap {_range(gaps)} over {_count(len(region), 'seed')} (bound: {methods}, "
        f"at most {slowest:.1f} s)" + ("" if feasible else "; an assignment breaks a rule")
    )
    return text, feasible and max(gaps) <= REGION_GAP and slowest <= REGION_SECONDS


def mdgp_verdict(rows: list[dict[str, object]]) -> tuple[str, bool] | None:
    """Item 5 over the MDGPLIB rows: the n=120 instances within the gap and the seconds."""
    at = [r for r in rows if int(_num(r, "n")) == MDGP_N]
    if not at:
        return None
    within = sum(_num(r, "gap") <= MDGP_GAP for r in at)
    slowest = max(_num(r, "bound_s") for r in at)
    families: dict[str, list[float]] = {}
    for r in at:
        families.setdefault(_family(r["instance"]), []).append(_num(r, "gap"))
    spread = ", ".join(f"{f} {_range(g)}" for f, g in sorted(families.items()))
    text = (
        f"{_count(len(rows), 'instance')} bounded; n={MDGP_N}: {within}/{len(at)} within "
        f"{100 * MDGP_GAP:g}% ({spread}; slowest {slowest:.1f} s)"
    )
    return text, within == len(at) and slowest <= MDGP_SECONDS


def _met(met: bool) -> str:
    return "**met**" if met else "**not met**"


def scales_table(rows: list[dict[str, object]]) -> str:
    """Region and stress scale: one row per seed, then the verdict on item 4."""
    out = [
        "| scale | seed | local search | certified bound | by | gap | relaxation gap "
        "| star gap | themed gap | bound seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        search = f" ({_num(r, 'search_s'):g} s)" if r.get("search_s") not in (None, "") else ""
        out.append(
            f"| {r['scale']} ({r['establishments']}/{r['teams']}) | {r['seed']} "
            f"| {_num(r, 'objective'):,.3f}{search} | {_num(r, 'bound'):,.3f} | {r['method']} "
            f"| {_pct(r['gap'])} | {_pct(r.get('relaxation_gap'))} | {_pct(r.get('star_gap'))} "
            f"| {_pct(r.get('themed_gap'))} | {r['bound_s']} |"
        )
    out.append("")
    verdict = region_verdict(rows)
    if verdict is not None:
        out.append(
            f"Region scale: {verdict[0]}. The target, at most {100 * REGION_GAP:g}% within "
            f"{REGION_SECONDS:g} s: {_met(verdict[1])}."
        )
    for r in rows:
        if r["scale"] == "stress":
            out += [
                "",
                f"Stress scale (seed {r['seed']}): certified gap {_pct(r['gap'])} "
                f"(by {r['method']}, {r['bound_s']} s).",
            ]
    return "\n".join(out)


def mdgp_table(rows: list[dict[str, object]]) -> str:
    """Every instance, then the gaps by size and family and the verdict on item 5."""
    out = [
        "| instance | gap | by | semidefinite gap (s) | quadratic gap | relaxation gap "
        "| best known | ours | certified bound | n | groups | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:  # the gaps first: what a reader compares (the table is wide)
        ours = "" if r["ours"] in (None, "") else f"{_num(r, 'ours'):,.3f}"
        out.append(
            f"| {r['instance']} | {_pct(r['gap'])} | {r['method']} | {_semidefinite(r)} "
            f"| {_pct(r.get('quadratic_gap'))} | {_pct(r['relaxation_gap'])} "
            f"| {_num(r, 'best_known'):,.3f} | {ours} | {_num(r, 'bound'):,.3f} "
            f"| {r['n']} | {r['groups']} | {r['bound_s']} |"
        )
    out += [
        "",
        "By size and family:",
        "",
        f"| n | family | instances | certified gap | within {100 * MDGP_GAP:g}% | slowest s |",
        "|---:|---|---:|---|---:|---:|",
    ]
    groups: dict[tuple[int, str], list[dict[str, object]]] = {}
    for r in rows:
        groups.setdefault((int(_num(r, "n")), _family(r["instance"])), []).append(r)
    for (n, family), group in sorted(groups.items()):
        gaps = [_num(r, "gap") for r in group]
        within = sum(g <= MDGP_GAP for g in gaps)
        slowest = max(_num(r, "bound_s") for r in group)
        out.append(f"| {n} | {family} | {len(group)} | {_range(gaps)} | {within} | {slowest:.1f} |")
    verdict = mdgp_verdict(rows)
    if verdict is not None:
        out += [
            "",
            f"{verdict[0]}. The target, every n={MDGP_N} instance within "
            f"{100 * MDGP_GAP:g}% in {MDGP_SECONDS:g} s: {_met(verdict[1])}.",
        ]
    return "\n".join(out)


def records_table(rows: list[dict[str, object]]) -> str:
    """Every record, then how many per family."""
    out = [
        "| instance | our objective | published best known | improvement | file |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['instance']} | {float(r['objective']):,.3f} "  # type: ignore[arg-type]
            f"| {float(r['best_known']):,.3f} | +{float(r['improvement']):,.3f} "  # type: ignore[arg-type]
            f"(+{float(r['improvement_pct']):.4f}%) | `{r['file']}` |"  # type: ignore[arg-type]
        )
    families: dict[str, int] = {}
    for r in rows:
        families[_family(r["instance"])] = families.get(_family(r["instance"]), 0) + 1
    counts = ", ".join(f"{family} {count}" for family, count in sorted(families.items()))
    out += ["", f"{_count(len(rows), 'record')} ({counts or 'none'})."]
    return "\n".join(out)


def tables(
    scales: list[dict[str, object]],
    mdgp: list[dict[str, object]],
    records: list[dict[str, object]],
) -> dict[tuple[str, str], str]:
    """The tables of docs/benchmarks-bounds.md that these rows make, by their markers."""
    made = {}
    if scales:
        made[SCALES_MARKERS] = scales_table(scales)
    if mdgp:
        made[MDGP_MARKERS] = mdgp_table(mdgp)
    if records:
        made[RECORDS_MARKERS] = records_table(records)
    return made


def read_rows(folder: Path) -> tuple[list[dict[str, object]], ...]:
    """The rows of an earlier run's CSV files (scales, MDGPLIB, records)."""

    def rows(name: str) -> list[dict[str, object]]:
        path = folder / name
        if not path.is_file():
            return []
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    return rows("region.csv") + rows("stress.csv"), rows("mdgplib.csv"), rows("records.csv")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", default="all", choices=["all", "region", "stress", "mdgp", "records"]
    )
    parser.add_argument("--seeds", default="0,1,2", help="region seeds (stress: the first)")
    parser.add_argument("--search-time", type=float, default=60.0)
    parser.add_argument("--bound-time", type=float, default=None, help="60 (scales), 600 (mdgp)")
    parser.add_argument("--mdgplib", type=Path, default=SHARED_MDGPLIB)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "bounds")
    parser.add_argument("--docs", type=Path, default=None, help="write the tables into this page")
    parser.add_argument(
        "--render", action="store_true", help="only render --out's CSV files again (no runs)"
    )
    args = parser.parse_args(argv)
    if args.render:
        scales, mdgp, records = read_rows(args.out)
    else:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        parts = ["region", "stress", "mdgp", "records"] if args.part == "all" else [args.part]
        scales = []
        for scale in ("region", "stress"):
            if scale in parts:
                use = seeds if scale == "region" else seeds[:1]
                scales += measure_scale(scale, use, args.search_time, args.bound_time or 60.0)
                _write_csv(args.out / f"{scale}.csv", [r for r in scales if r["scale"] == scale])
        mdgp = measure_mdgp(args.mdgplib, args.bound_time or 600.0) if "mdgp" in parts else []
        _write_csv(args.out / "mdgplib.csv", mdgp)
        records = measure_records(args.mdgplib) if "records" in parts else []
        _write_csv(args.out / "records.csv", records)
    made = tables(scales, mdgp, records)
    text = "\n\n".join(made.values())
    atomic_write_text(args.out / f"bounds-{args.part}.md", text + "\n")
    print(text)
    if args.docs is not None:
        for marker in write_tables(args.docs, made):
            print(f"warning: {args.docs} has no {marker!r} marker: that table was not written")


if __name__ == "__main__":
    main()
