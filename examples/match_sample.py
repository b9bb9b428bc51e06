"""Match the bundled sample cohort and print the teams.

python examples/match_sample.py --out sample-teams/
"""

from __future__ import annotations

import argparse
from pathlib import Path

import clnmatch
from clnmatch.cli import sample_paths
from clnmatch.publish import write_result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="sample-teams", help="folder for the rosters and report")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    survey, facilitators = sample_paths()
    cohort = clnmatch.Cohort.from_csv(survey, facilitators=facilitators)
    result = clnmatch.solve(cohort, clnmatch.Rules(), time_limit=args.time_limit, seed=args.seed)
    print(
        f"status {result.status}, objective {result.objective:.1f}, bound {result.bound}, gap {result.gap}"
    )
    for team in result.summary()["teams"]:
        print(
            f"team {team['team']}: {team['focus']:<30} {team['size']:>3} people, "
            f"{len(team['establishments'])} establishments, sectors {', '.join(team['sectors'])}"
        )
    write_result(result, args.out)
    print(f"wrote {Path(args.out) / 'report.html'}")


if __name__ == "__main__":
    main()
