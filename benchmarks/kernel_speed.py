"""Speed of the search engine on fixed work: seconds per step, and the answer reached.

A run capped by ``max_iterations`` is deterministic, so two versions of the engine can be
compared on the very same trajectory: the objective must be equal (same search) and the
time per step tells which is faster. Run before and after a change on a quiet machine:

    .venv/bin/python benchmarks/kernel_speed.py [--repeat 3]

Cases: MDGPLIB RanReal n240 / n480 ``ds`` (plain problems: tabu search then iterated
descent), a generated CLN cohort (50 establishments, 8 teams, blend: every side rule and
term) and a region cohort (500 establishments, 80 teams), plus the rule repair from a
random assignment of the region cohort.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from clnmatch.generate import generate_cohort
from clnmatch.models import Rules
from clnmatch.problem import Problem
from clnmatch.research import read_instance
from clnmatch.search.repair import random_assignment, repair
from clnmatch.strategies.base import Budget
from clnmatch.strategies.local_search import LocalSearchStrategy, warm_up

MDGP = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "mdgplib"


def _cases() -> list[tuple[str, Problem, int]]:
    cases: list[tuple[str, Problem, int]] = []
    for name, steps in (("RanReal_n240_ds_01", 6000), ("RanReal_n480_ds_01", 3000)):
        found = sorted(MDGP.rglob(f"{name}.txt"))
        if found:
            cases.append((name, read_instance(found[0]), steps))
    cln = generate_cohort(50, seed=1)
    cases.append(("cln-blend", Problem.from_cohort(cln, Rules(), "blend"), 4000))
    region = generate_cohort(500, seed=1, teams_hint=80)
    rules = Rules(teams=80, max_participants=100_000, min_establishments=0)
    cases.append(("region-blend", Problem.from_cohort(region, rules, "blend"), 400))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warm_up()
    print(f"{'case':22} {'steps':>6} {'objective':>14} {'cpu s':>9} {'ms/step':>8}")
    for name, problem, steps in _cases():
        times, objectives = [], set()
        for _ in range(args.repeat):
            budget = Budget(time_limit=600, seed=0, max_iterations=steps)
            tick = time.process_time()
            proposal = LocalSearchStrategy().run(problem, budget)
            times.append(time.process_time() - tick)
            assert proposal.unit_team is not None
            from clnmatch.evaluate import evaluate

            objectives.add(evaluate(problem, proposal.unit_team).objective_milli)
        med = statistics.median(times)
        shown = ",".join(str(o) for o in sorted(objectives))
        print(f"{name:22} {steps:6d} {shown:>14} {med:9.3f} {1000 * med / steps:8.4f}")
        if name == "region-blend":
            rng = np.random.default_rng(0)
            start = random_assignment(problem, rng)
            rtimes = []
            for _ in range(args.repeat):
                tick = time.process_time()
                fixed = repair(
                    problem,
                    start,
                    np.random.default_rng(1),
                    time.perf_counter() + 600,
                    max_steps=200_000,
                )
                rtimes.append(time.process_time() - tick)
                assert fixed is not None
            print(f"{'region-repair':22} {'':6} {'':>14} {statistics.median(rtimes):9.3f}")


if __name__ == "__main__":
    main()
