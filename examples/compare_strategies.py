"""Compare matching strategies on one cohort and plot objective against time.

python examples/compare_strategies.py --establishments 50 --time-limit 10 --plot compare.png
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import clnmatch  # noqa: E402
from clnmatch.generate import generate_cohort  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=50)
    parser.add_argument("--strategies", default="greedy,kmeans,local_search,cpsat")
    parser.add_argument("--objective", default="blend")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default="compare.png")
    args = parser.parse_args(argv)

    cohort = generate_cohort(args.establishments, seed=args.seed)
    fig, ax = plt.subplots(figsize=(7, 4))
    print(f"{'strategy':<14}{'status':<11}{'objective':>11}{'bound':>11}{'gap':>8}{'time':>7}")
    for name in args.strategies.split(","):
        result = clnmatch.solve(
            cohort,
            objective=args.objective,
            strategy=name,
            time_limit=args.time_limit,
            seed=args.seed,
        )
        gap = "-" if result.gap is None else f"{100 * result.gap:.2f}%"
        bound = "-" if result.bound is None else f"{result.bound:.1f}"
        objective = "-" if result.objective is None else f"{result.objective:.1f}"
        print(
            f"{name:<14}{result.status:<11}{objective:>11}{bound:>11}{gap:>8}{result.runtime_s:>6.1f}s"
        )
        points = [
            (p.time_s, p.objective) for p in result.statistics.trace if p.objective is not None
        ]
        if points:
            times, values = zip(*points, strict=True)
            ax.step(times, values, where="post", label=name)
    ax.set_xlabel("seconds")
    ax.set_ylabel(f"best {args.objective} objective")
    ax.set_title(f"{args.establishments} establishments, {args.objective}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
