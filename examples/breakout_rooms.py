"""Breakout rooms for a webinar: five rounds of cross-authority rooms, then a drop-out.

The bundled sample survey's practitioners go into rooms of five for five rounds, at least
three authorities in every room and colleagues never together. The plan is checked
(repeats against the proven lower bound), written with Zoom's pre-assignment files, and
round 3 is planned again after two people leave, keeping rounds 1 and 2 as they were.

    python examples/breakout_rooms.py --out webinar-rooms/
"""

from __future__ import annotations

import argparse
from pathlib import Path

from clnmatch.breakouts import BreakoutRules, plan_breakouts, replan_round
from clnmatch.breakouts.io import read_people
from clnmatch.breakouts.outputs import write_plan
from clnmatch.cli import sample_paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("webinar-rooms"))
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args(argv)

    survey, _ = sample_paths()
    roster, _ = read_people(survey)
    rules = BreakoutRules(rounds=5, room_size=5, min_authorities=3)
    plan = plan_breakouts(roster, rules, time_limit=args.time_limit, seed=0)
    assert plan.feasible and plan.repeats is not None
    print(
        f"{len(roster)} people, {plan.rounds} rounds: {plan.repeats} repeats "
        f"(no plan can have fewer than {plan.lower_bound_repeats}), status {plan.status}"
    )
    written = write_plan(plan, args.out)
    print(f"wrote {args.out}/: " + ", ".join(p.name for p in written))

    leaving = [roster.people[0].id, roster.people[1].id]
    after = replan_round(plan, 3, leaving, time_limit=args.time_limit, seed=0)
    assert after.feasible and after.schedule is not None and plan.schedule is not None
    assert (after.schedule[:2] == plan.schedule[:2]).all()  # rounds 1 and 2 happened
    print(
        f"{', '.join(leaving)} left before round 3: rounds planned again "
        f"{list(after.replanned_rounds)}, {after.repeats} repeats"
    )
    out = args.out.absolute()  # "." has no name of its own
    again = out.with_name(f"{out.name}-after-round-2")  # beside it, not inside
    write_plan(after, again)
    print(f"wrote {again}/")


if __name__ == "__main__":
    main()
