"""Pin a school to a team and keep two schools apart (and two together).

A lead officer often knows things the survey does not: a school that must join the
team its cluster partner leads, two schools that already collaborate and should meet
new colleagues. Locks are hard rules, like every other rule.

    python examples/pin_and_keep_apart.py
"""

from __future__ import annotations

import argparse

import clnmatch
from clnmatch.cli import sample_paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args(argv)

    survey, facilitators = sample_paths()
    cohort = clnmatch.Cohort.from_csv(survey, facilitators=facilitators)
    first, second, third, fourth = (e.id for e in cohort.establishments[:4])
    rules = clnmatch.Rules(
        pins={first: 3},  # the first school joins team 3
        apart=((second, third),),  # these two must meet new colleagues
        together=((second, fourth),),  # these two are one cluster
    )
    result = clnmatch.solve(cohort, rules, time_limit=args.time_limit, seed=0)
    teams = result.establishment_team()
    print(f"{first} is in team {teams[first]} (pinned to 3)")
    print(f"{second} is in team {teams[second]}, {third} in team {teams[third]} (kept apart)")
    print(f"{second} and {fourth} share team {teams[fourth]} (kept together)")
    assert teams[first] == 3 and teams[second] != teams[third] and teams[second] == teams[fourth]


if __name__ == "__main__":
    main()
