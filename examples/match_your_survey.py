"""Match your own survey export with your own rules.

Copy this file, set the paths and rules below, and run it:

    python examples/match_your_survey.py survey.xlsx --facilitators facilitators.csv --out teams/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import clnmatch
from clnmatch.publish import write_result

# Your rules: every one is optional; these are the West Partnership defaults except where noted.
RULES = clnmatch.Rules(
    teams=8,
    max_participants=100,
    min_sectors=2,
    min_authorities=3,
    max_authority_share=0.5,
    size_tolerance=2,
    schools_per_facilitator=10,
    max_teams_per_theme=2,  # no theme may be the focus of more than two teams
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Match a survey export.")
    parser.add_argument("survey", help="CSV or .xlsx export of the survey")
    parser.add_argument("--facilitators", help="facilitators table (CSV or .xlsx)")
    parser.add_argument("--sheet", help="worksheet name of an .xlsx survey")
    parser.add_argument("--out", default="teams")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    try:
        if args.survey.lower().endswith(".xlsx"):
            cohort = clnmatch.Cohort.from_excel(args.survey, args.facilitators, sheet=args.sheet)
        else:
            cohort = clnmatch.Cohort.from_csv(args.survey, args.facilitators)
    except clnmatch.InvalidInputError as error:
        print(error, file=sys.stderr)  # every problem, with file, row and column
        return 2

    result = clnmatch.solve(
        cohort, RULES, objective="blend", time_limit=args.time_limit, seed=args.seed
    )
    if result.status == clnmatch.Status.INFEASIBLE:
        print(result.diagnosis.message(), file=sys.stderr)
        return 3
    if not result.feasible:
        print("no assignment found in the time limit; try a longer one", file=sys.stderr)
        return 1
    write_result(result, args.out)
    print(
        f"{result.status}: objective {result.objective:.1f}"
        + ("" if result.gap is None else f", within {100 * result.gap:.2f}% of the best possible")
    )
    print(f"rosters and report in {Path(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
