"""Social Golfer and breakout-room scale benchmarks (issue 17): run from the repository root.

    python benchmarks/golf/run.py                      # everything (about 25 minutes)
    python benchmarks/golf/run.py --only golf --time-limit 30 --seeds 0,1,2
    python benchmarks/golf/run.py --only scale

Writes to benchmarks/golf/results/ (or --out): golf.csv (one row per run), scale.csv and
results.md (the tables docs/breakouts.md shows). Golf instances: every (groups, size) pair
whose maximum rounds the literature knows (clnmatch.breakouts.benchmark.LITERATURE), at that
maximum; plus Kirkman's 5-3-7, the original 8-4-9 and the moonshot 8-4-10 (10 minutes), and
two instances past their maximum (5-3-8, 8-4-11) whose repeats cannot reach 0. Scale: 480
people in rooms of 6 for 5 rounds with at least 3 authorities a room, and 5,000 people in
rooms of 8 for 4 rounds, rosters from clnmatch.generate (West Partnership-shaped). Times are
wall-clock on this machine, after the numba kernels are compiled (warm_up, not timed).
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from pathlib import Path

from clnmatch.breakouts import BreakoutRules, Roster, plan_breakouts, warm_up
from clnmatch.breakouts.benchmark import golf_instances, markdown_table, run_golf
from clnmatch.generate import generate_cohort

HERE = Path(__file__).resolve().parent
MOONSHOT = "8-4-10"
EXTRA = [(8, 4, 9), (5, 3, 8), (8, 4, 11)]
SCALE = [
    # name, people, establishments to generate, rules, time limit
    (
        "480 people, rooms of 6, 5 rounds, >= 3 authorities",
        480,
        245,
        BreakoutRules(rounds=5, room_size=6, min_authorities=3),
        60.0,
    ),
    (
        "5,000 people, rooms of 8, 4 rounds, >= 3 authorities",
        5000,
        2530,
        BreakoutRules(rounds=4, room_size=8, min_authorities=3),
        300.0,
    ),
]


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def scale_runs(seeds: list[int]) -> list[dict[str, object]]:
    rows = []
    for name, people, establishments, rules, limit in SCALE:
        cohort = generate_cohort(establishments, seed=0, teams_hint=max(8, people // 60))
        roster = Roster.from_cohort(cohort)
        roster = Roster(roster.people[:people], roster.themes, "generated")
        for seed in seeds:
            plan = plan_breakouts(roster, rules, time_limit=limit, seed=seed)
            first = next(
                (p.seconds for p in plan.trace if p.violation == 0 and p.repeats == 0), None
            )
            ev = plan.evaluation
            rows.append(
                {
                    "case": name,
                    "people": len(roster),
                    "seed": seed,
                    "time_limit_s": limit,
                    "status": plan.status,
                    "repeats": plan.repeats,
                    "lower_bound_repeats": plan.lower_bound_repeats,
                    "rules_met": plan.feasible,
                    "first_repeat_free_rule_abiding_s": first,
                    "runtime_s": round(plan.runtime_s, 2),
                    "mean_authorities_per_room": None
                    if ev is None
                    else round(ev.mean_authorities_per_room, 2),
                    "mean_sectors_per_room": None
                    if ev is None
                    else round(ev.mean_sectors_per_room, 2),
                    "method": plan.method,
                }
            )
            print(rows[-1], flush=True)
    return rows


def scale_table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| case | seed | status | repeats (bound) | every rule met | first 0-repeat rule-abiding schedule (s) | whole run (s) | authorities / sectors per room |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['seed']} | {r['status']} | {r['repeats']} ({r['lower_bound_repeats']}) | "
            f"{'yes' if r['rules_met'] else 'no'} | {r['first_repeat_free_rule_abiding_s']} | "
            f"{r['runtime_s']} | {r['mean_authorities_per_room']} / {r['mean_sectors_per_room']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["golf", "scale"], default=None)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per golf run")
    parser.add_argument("--moonshot-limit", type=float, default=600.0, help="seconds for 8-4-10")
    parser.add_argument("--seeds", default="0", help="comma list")
    parser.add_argument("--moonshot-seeds", default="0", help="comma list for 8-4-10")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    tick = time.perf_counter()
    warm_up()
    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; numba compile ({time.perf_counter() - tick:.1f} s) "
        "not timed.\n\n"
    )
    parts = [header]
    if args.only in (None, "golf"):
        instances = golf_instances(EXTRA)
        regular = [i for i in instances if i.name != MOONSHOT]
        moonshot = [i for i in instances if i.name == MOONSHOT]
        rows = run_golf(regular, time_limit=args.time_limit, seeds=seeds)
        rows += run_golf(
            moonshot,
            time_limit=args.moonshot_limit,
            seeds=[int(s) for s in args.moonshot_seeds.split(",")],
        )
        for row in rows:
            print(row, flush=True)
        _write_csv(args.out / "golf.csv", rows)
        parts.append(
            f"### Social Golfer instances ({args.time_limit:g} s a run, seeds {args.seeds}; "
            f"8-4-10 {args.moonshot_limit:g} s, seeds {args.moonshot_seeds})\n\n"
            + markdown_table(rows)
        )
    if args.only in (None, "scale"):
        rows = scale_runs(seeds)
        _write_csv(args.out / "scale.csv", rows)
        parts.append("### Breakout rooms at scale\n\n" + scale_table(rows))
    (args.out / "results.md").write_text("\n".join(parts), encoding="utf-8")
    print((args.out / "results.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
