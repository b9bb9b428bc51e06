"""Handle withdrawals on the day: re-match moving as few schools as possible.

Two schools pull out on the morning of the launch. `rematch` restores every rule while
moving as few of the remaining establishments as it can, then maximises the objective
among the re-matches with that few moves, and says who moves where and why.

    python examples/withdrawals_on_the_day.py --out after-withdrawals/
"""

from __future__ import annotations

import argparse

import clnmatch
from clnmatch.cli import sample_paths
from clnmatch.publish import write_result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="after-withdrawals")
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args(argv)

    survey, facilitators = sample_paths()
    cohort = clnmatch.Cohort.from_csv(survey, facilitators=facilitators)
    before = clnmatch.solve(cohort, time_limit=args.time_limit, seed=0)
    print(f"matched: {before.status}, objective {before.objective:.1f}")

    # the two schools of the largest team withdraw (by establishment id; practitioner ids work too)
    team = max(before.summary()["teams"], key=lambda t: len(t["establishments"]))
    withdrawn = team["establishments"][:2]
    after = clnmatch.rematch(before, withdrawn=withdrawn, time_limit=args.time_limit, seed=0)
    print(f"{', '.join(withdrawn)} withdrew; re-match: {after.status}, {after.n_moves} move(s)")
    for move in after.moves:
        print(
            f"  {move.establishment_id}: team {move.from_team} -> team {move.to_team} ({move.reason})"
        )
    write_result(after, args.out, extra_tables={"moves.csv": after.moves_frame()})
    print(f"wrote {args.out}/ (teams.csv, moves.csv, report.html, ...)")


if __name__ == "__main__":
    main()
