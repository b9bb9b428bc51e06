"""How good the event's repairs are: a withdrawal or a late school, moving as few schools as possible.

Two cohorts built from the bundled sample (50 schools, 8 teams): the sample as it is, and
the sample with its schools dealt into three authorities and one facilitator fewer than
teams (7 for 8, so two teams share one). For each, five schools chosen with ``--seed`` are
held out and the rest matched (``solve``, blend, ``--base`` seconds, seed 0). Then ten
repairs, each from those teams: each held-out school added late, and each of five other
schools withdrawn, by ``rematch_teams`` (fewest moves, ``--time-limit``, seed 0). Each
line: the establishments moved, the score, the best score the repair's own fresh solve of
the changed cohort found moving any number ("any moves"), the bound that solve proves (no
teams of the changed cohort score more) and the score's gap to it.

    python benchmarks/repair_quality.py --time-limit 10 --docs docs/repair-quality.md
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path


def _cohorts() -> dict[str, object]:
    from clnmatch.cli.common import sample_paths
    from clnmatch.io.survey import read_survey

    survey, facilitators = sample_paths()
    sample = read_survey(survey, facilitators).cohort
    authorities = sorted({e.authority for e in sample.establishments})
    three = {a: authorities[i % 3] for i, a in enumerate(authorities)}
    establishments = tuple(
        e.model_copy(update={"authority": three[e.authority]}) for e in sample.establishments
    )
    facilitators = tuple(
        f.model_copy(update={"authority": three.get(f.authority, f.authority)})
        for f in sample.facilitators
    )[:7]
    return {
        "sample (8 authorities, 8 facilitators)": sample,
        "three authorities, 7 facilitators for 8 teams": sample.model_copy(
            update={
                "establishments": establishments,
                "facilitators": facilitators,
            }
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="each repair's limit, s")
    parser.add_argument("--base", type=float, default=10.0, help="the first match's limit, s")
    parser.add_argument("--seed", type=int, default=0, help="which schools are held out")
    parser.add_argument("--docs", type=Path, default=None, help="write the markdown section here")
    args = parser.parse_args()

    from clnmatch.models import Cohort
    from clnmatch.rematch import rematch_teams
    from clnmatch.solve import solve

    lines = [
        f"repairs: rematch_teams, fewest moves, time limit {args.time_limit:g} s, seed 0",
        "",
        "| cohort | change | moved | score | any moves | bound | gap | seconds |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    gaps: list[float] = []
    for label, cohort in _cohorts().items():
        assert isinstance(cohort, Cohort)
        rng = random.Random(args.seed)
        ids = [e.id for e in cohort.establishments]
        held = rng.sample(ids, 5)
        base_cohort = _without(cohort, held)
        base = solve(base_cohort, time_limit=args.base, seed=0)
        teams = base.establishment_team()
        print(f"{label}: first match {base.objective:.3f} (bound {base.bound})", flush=True)
        withdrawn = rng.sample([e for e in ids if e not in held], 5)
        changes = [("late", e) for e in held] + [("withdrawn", e) for e in withdrawn]
        for kind, eid in changes:
            late = _only(cohort, eid) if kind == "late" else None
            gone = [eid] if kind == "withdrawn" else []
            started = time.perf_counter()
            result = rematch_teams(
                base_cohort, teams, gone, late, time_limit=args.time_limit, seed=0
            )
            seconds = time.perf_counter() - started
            bound = result.bound
            gap = (bound - result.objective) / bound if bound and result.feasible else None
            if gap is not None:
                gaps.append(gap)
            row = (
                f"| {label} | {kind} {eid} | {len(result.moves)} | {result.objective:.3f} | "
                f"{'-' if result.best_known is None else f'{result.best_known:.3f}'} | "
                f"{bound if bound is None else f'{bound:.3f}'} | "
                f"{'-' if gap is None else f'{100 * gap:.2f}%'} | {seconds:.1f} |"
            )
            print(row, flush=True)
            lines.append(row)
    lines += [
        "",
        f"gap: median {100 * statistics.median(gaps):.2f}%, largest {100 * max(gaps):.2f}% "
        f"({len(gaps)} repairs)",
    ]
    print(lines[-1])
    if args.docs is not None:
        args.docs.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _without(cohort: object, held: list[str]) -> object:
    from clnmatch.rematch.changes import apply_changes

    return apply_changes(cohort, held).cohort  # type: ignore[arg-type]


def _only(cohort: object, eid: str) -> object:
    from clnmatch.models import Cohort

    assert isinstance(cohort, Cohort)
    return Cohort(
        themes=cohort.themes,
        establishments=tuple(e for e in cohort.establishments if e.id == eid),
        practitioners=tuple(p for p in cohort.practitioners if p.establishment_id == eid),
    )


if __name__ == "__main__":
    main()
