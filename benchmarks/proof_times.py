"""Proof times of exact strategies on the benchmark families: CPU seconds, proven or not.

A development tool for issue 16 item 1 (auto proves every family and objective in
seconds): CPU time, not wall time, so that it can be compared on a busy machine. The
official figures are the harness's (``benchmarks/targets.toml``).

    .venv/bin/python benchmarks/proof_times.py --strategies colgen,cpsat --cohorts 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from clnmatch.generate import generate_cohort
from clnmatch.generate.families import FAMILIES, family_cohort
from clnmatch.models import Rules
from clnmatch.problem import Problem
from clnmatch.solve import choose_strategy
from clnmatch.strategies import Budget, get_strategy, prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", default="colgen")
    parser.add_argument("--objectives", default="focus,cohesion,blend")
    parser.add_argument("--families", default="cln," + ",".join(FAMILIES))
    parser.add_argument("--cohorts", type=int, default=2)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--params", default="{}", help="JSON parameters of the strategies")
    args = parser.parse_args()
    names = args.strategies.split(",")
    for name in set(names) - {"auto"}:
        prepare(get_strategy(name))
    rows = []
    print(
        f"{'family':16} {'obj':8} {'k':>2} {'strategy':8} {'proven':6} {'cpu s':>7} {'wall s':>7}"
    )
    for family in args.families.split(","):
        for objective in args.objectives.split(","):
            for k in range(args.first, args.first + args.cohorts):
                cohort = (
                    generate_cohort(50, seed=k) if family == "cln" else family_cohort(family, k)
                )
                problem = Problem.from_cohort(cohort, Rules(), objective)
                for name in names:
                    chosen = choose_strategy(problem) if name == "auto" else name
                    strategy = get_strategy(chosen)
                    for key, value in json.loads(args.params).items():
                        setattr(strategy, key, value)
                    prepare(strategy)
                    cpu, wall = time.process_time(), time.perf_counter()
                    proposal = strategy.run(problem, Budget(time_limit=args.time_limit, seed=0))
                    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                    rows.append((family, objective, name, proposal.proven_optimal, cpu))
                    print(
                        f"{family:16} {objective:8} {k:2d} {chosen:8} "
                        f"{str(proposal.proven_optimal):6} {cpu:7.2f} {wall:7.2f}",
                        flush=True,
                    )
    for name in names:
        for objective in args.objectives.split(","):
            mine = [r for r in rows if r[2] == name and r[1] == objective]
            proven = sum(r[3] for r in mine)
            times = [r[4] for r in mine]
            print(
                f"{name} {objective}: {proven}/{len(mine)} proven, median cpu "
                f"{statistics.median(times):.2f} s, slowest {max(times):.2f} s"
            )


if __name__ == "__main__":
    main()
