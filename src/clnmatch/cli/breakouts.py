"""Breakout rooms over several rounds (contract section 11): breakouts and golf."""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clnmatch.cli.common import (
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_INVALID,
    Exit,
    JsonOut,
    Quiet,
    Sheet,
    app,
    check_out_file,
    check_outputs,
    err_console,
    exit_codes,
    out_console,
    overrun_note,
    print_infeasible,
)
from clnmatch.errors import InvalidParameterError
from clnmatch.time_budget import MIN_MATCH_S, Deadline, breakout_output_seconds
from clnmatch.wording import plural

if TYPE_CHECKING:
    from clnmatch.breakouts.model import History

PLANNER_SHARE = 0.5  # of what the limit leaves after reading, kept for the planner


@app.command()
def breakouts(
    people: Annotated[
        Path, typer.Argument(help="Roster (person_id, name, ...) or survey (CSV or .xlsx).")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for rooms.csv, itinerary.csv, rooms.xlsx, report.html, summary.json "
            "and zoom_round_<r>.csv.",
        ),
    ],
    rounds: Annotated[
        int | None, typer.Option("--rounds", help="Rounds of breakout rooms.")
    ] = None,
    room_size: Annotated[
        int | None, typer.Option("--room-size", help="People per room at most.")
    ] = None,
    rooms: Annotated[int | None, typer.Option("--rooms", help="Rooms per round.")] = None,
    min_authorities: Annotated[
        int | None,
        typer.Option("--min-authorities", help="Distinct authorities per room at least."),
    ] = None,
    max_per_authority: Annotated[
        int | None,
        typer.Option("--max-per-authority", help="People of one authority per room at most."),
    ] = None,
    allow_colleagues: Annotated[
        bool,
        typer.Option(
            "--allow-colleagues", help="Let colleagues of one establishment share a room."
        ),
    ] = False,
    history: Annotated[
        list[Path] | None,
        typer.Option(
            "--history",
            help="Earlier rooms (rooms.csv, teams.csv, ...): who met there counts as met. "
            "May be given several times.",
        ),
    ] = None,
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="TOML mapping of a survey export's headers (contract 10)."),
    ] = None,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="An earlier breakouts --out folder, to re-plan a round."),
    ] = None,
    replan_round: Annotated[
        int | None,
        typer.Option("--replan-round", help="With --from: the round (1-based) to plan again."),
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option("--drop", help="With --replan-round: a person_id who dropped out (repeat)."),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds for the whole run.")
    ] = 30.0,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="Same seed, same rooms (when the search ends before its limit)."
        ),
    ] = 0,
    sheet: Sheet = None,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="Replace names (and drop emails, so no Zoom files) in every output.",
        ),
    ] = False,
    quiet: Quiet = False,
    json_out: JsonOut = False,
) -> None:
    """Put people into breakout rooms for several rounds, meeting as many new people as possible.

    Example: clnmatch breakouts roster.csv --rounds 5 --room-size 6 --min-authorities 3 --out rooms/
    """
    # the clock starts before the imports (seconds on a busy machine): the run is the user's
    clock = Deadline.after(time_limit if math.isfinite(time_limit) and time_limit > 0 else None)
    from clnmatch.breakouts import BreakoutRules, plan_breakouts
    from clnmatch.breakouts import replan_round as replan
    from clnmatch.breakouts.io import load_plan, read_history, read_people
    from clnmatch.breakouts.outputs import PLAN_FILES, write_plan

    with exit_codes(json_out):
        # before any work: an --out that cannot take the outputs, or would replace an input
        names = [*PLAN_FILES, *(f"zoom_round_{r}.csv" for r in range(1, (rounds or 99) + 1))]
        inputs: dict[str, Path | None] = {"PEOPLE": people, "--map": map_file, "--from": from_dir}
        inputs |= {f"--history {h}": h for h in history or ()}
        check_outputs(out, names, inputs)
        # the options first, then the files: a re-plan's rules come from --from's summary.json
        rules = None
        if from_dir is not None or replan_round is not None or drop:
            if from_dir is None or replan_round is None:
                raise InvalidParameterError(
                    "The '--replan-round' and '--from' options of breakouts go together "
                    "(with any --drop): re-plan a round of the plan in --from."
                )
            given = [rounds, room_size, rooms, min_authorities, max_per_authority]
            if any(v is not None for v in given) or allow_colleagues:
                raise InvalidParameterError(
                    "The rule options of breakouts cannot change a plan read with --from: "
                    f"its rules come from {from_dir / 'summary.json'}."
                )
        else:
            if rounds is None or (room_size is None) == (rooms is None):
                set_ = [f"--{n} {v}" for n, v in (("rounds", rounds), ("room-size", room_size),
                                                  ("rooms", rooms)) if v is not None]  # fmt: skip
                raise InvalidParameterError(
                    "The 'breakouts' command needs --rounds and exactly one of --room-size "
                    f"or --rooms. Got {' '.join(set_) or 'none of them'} instead."
                )
            rules = BreakoutRules(
                rounds=rounds,
                room_size=room_size,
                rooms=rooms,
                min_authorities=min_authorities or 0,
                max_per_authority=max_per_authority,
                colleagues_apart=not allow_colleagues,
            )
        roster, warnings = read_people(
            people,
            sheet=sheet,
            mapping=map_file,
            need_authority=rules is not None and rules.uses_authorities,
        )
        said = [str(problem) for problem in warnings]  # --json carries them; -q still shows them
        past = read_history(history) if history else None
        if past is not None:
            said += _check_history(past, {p.id for p in roster.people})
        elif from_dir is not None:
            said += _history_not_kept(from_dir)
        if not json_out:
            for line in said[:10]:
                err_console.print(f"warning: {line}", markup=False, highlight=False)
            if len(said) > 10:
                err_console.print(f"... and {len(said) - 10} more warnings", markup=False)
        n = len(roster)
        if n < 2:  # in the command's words (the planner's name the Python call)
            raise Exit(EXIT_INVALID, f"{people} lists {n} person; breakout rooms need two or more.")
        if rules is not None and rules.rooms is not None and rules.rooms > n // 2:
            raise Exit(
                EXIT_INVALID,
                f"--rooms {rules.rooms} for {n} people would leave rooms of one person: give "
                f"at most {n // 2} rooms (two or more people in each).",
            )
        if rules is not None and rules.room_size is not None and rules.room_size >= n:
            raise Exit(
                EXIT_INVALID,
                f"--room-size {rules.room_size} for {n} people puts everyone in one room: "
                f"give a room size below {n} (or --rooms).",
            )
        if rules is None:
            assert from_dir is not None and replan_round is not None
            previous = load_plan(roster, from_dir, history=past, left=drop or [])
            if not 1 <= replan_round <= previous.rounds:
                raise Exit(
                    EXIT_INVALID,
                    f"--replan-round {replan_round}: the plan in {from_dir} has rounds 1 to "
                    f"{previous.rounds}.",
                )
            budget = _planning_seconds(clock, len(roster), previous.rounds, time_limit)
            plan = replan(
                previous, replan_round, drop or [], history=past, time_limit=budget, seed=seed
            )
        else:
            budget = _planning_seconds(clock, len(roster), rules.rounds, time_limit)
            plan = plan_breakouts(roster, rules, history=past, time_limit=budget, seed=seed)
        if plan.status == "infeasible":
            if json_out:
                print_infeasible({**plan.summary(), "warnings": said})
            said_why = plan.diagnosis.message() if plan.diagnosis else "no diagnosis"
            if from_dir is not None:  # a re-plan keeps its rules: the way out is a new plan
                said_why += (
                    "\nA re-plan keeps the rules of --from's plan. To plan the rounds left "
                    "under other rules: keep the rounds held in a copy of rooms.csv, take "
                    "who left off the roster, and run breakouts with --history on that copy, "
                    "--rounds for the rounds left and the rules you want."
                )
            raise Exit(EXIT_INFEASIBLE, said_why, answered=json_out)
        if not plan.feasible:
            breaches = plan.evaluation.breaches if plan.evaluation else ()
            listed = "\n".join(f"  round {b.round}: {b.rule}: {b.message}" for b in breaches[:10])
            raise Exit(
                EXIT_ERROR,
                "No schedule meeting every rule was found within the time limit (none was "
                f"proven impossible either); try a longer --time-limit.\n{listed}",
            )
        writing = time.perf_counter()
        written = write_plan(plan, out, pseudonymise=pseudonymise)
        everyone = plural(len(roster), "person", "people")
        late = overrun_note(
            clock,  # writing the outputs alone may take longer on a big roster
            f"writing the outputs for {everyone} over {plural(plan.rounds, 'round')} took "
            f"{time.perf_counter() - writing:.1f} s of it",
        )
        if json_out:  # summary.json as written (its Zoom files, pseudonyms when asked)
            answer = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            warned = [*said, *([late] if late else [])]
            out_console.print_json(json.dumps({**answer, "warnings": warned}))
        else:
            if not quiet:
                _print_plan(plan, written)
            if late:  # a note, not progress: -q keeps it (to stderr)
                err_console.print(late, markup=False, highlight=False)


def _history_not_kept(folder: Path) -> list[str]:
    """A plan made after a history that its folder does not keep (written before
    history.csv was): the re-plan cannot avoid those meetings unless told again."""
    from clnmatch.breakouts.outputs import HISTORY_FILE

    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        rounds = int(summary.get("history_rounds", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return []  # load_plan names what is wrong with the folder
    if rounds <= 0 or (folder / HISTORY_FILE).is_file():
        return []
    return [
        f"{folder} was planned after {plural(rounds, 'round')} of history that it does not "
        f"keep (no {HISTORY_FILE}): give them again with --history, or the rounds planned "
        "again may repeat those meetings"
    ]


def _check_history(past: History, roster: set[str]) -> list[str]:
    """--history that names nobody on the roster is the wrong file (pseudonymised, or
    another cohort's): refused, since it would count for nothing unsaid; a part of it
    naming strangers is a warning (returned)."""
    named = {pid for mapping in past.rounds for pid in mapping}
    strangers = len(named - roster)
    if named and strangers == len(named):
        raise Exit(
            EXIT_INVALID,
            f"--history names {plural(len(named), 'person', 'people')}, none of them on the "
            "roster (a file written with --pseudonymise, or another cohort's?): give the "
            "rooms.csv or teams.csv written with the roster's ids",
        )
    if not strangers:
        return []
    return [
        f"{strangers} of the {len(named)} people in --history are not on the roster: their "
        "meetings count for nothing"
    ]


def _planning_seconds(clock: Deadline, people: int, rounds: int, time_limit: float) -> float:
    """What the whole run's --time-limit leaves the planner: reading the roster and loading
    the compiled search count, and writing the outputs is set aside (an invalid limit is
    passed on, for the planner's error)."""
    from clnmatch.breakouts.solver import ensure_compiled

    if clock.at is None:
        return time_limit
    ensure_compiled()
    writing = breakout_output_seconds(people, rounds, clock.pace.slowdown())
    left = clock.remaining()
    # the estimate is pessimistic (a safety factor times the machine's load): set aside
    # whole, it could leave the planner nothing and fail a roster it plans in a second; so
    # the planner keeps at least a share, and as the writing nears what is left (the run
    # overruns anyway, and says so) as much as the writing, up to all of it (kept to half,
    # 2,000 people at 3 s failed 4 runs in 7 on a busy machine)
    share = max(PLANNER_SHARE * left, min(left, writing))
    return max(MIN_MATCH_S, left - writing, share)


def _print_plan(plan: object, written: list[Path]) -> None:
    from clnmatch.breakouts import BreakoutPlan
    from clnmatch.breakouts.report import quality_sentence

    assert isinstance(plan, BreakoutPlan)
    assert plan.schedule is not None
    rooms = sorted({int(row.max()) + 1 for row in plan.schedule})
    taking_part = plan.present.sum(axis=1)  # the roster, less drop-outs, plus joiners
    low, high = int(taking_part.min()), int(taking_part.max())
    last = f" ({low}-{high} a round, {int(taking_part[-1])} in the last)" if low != high else ""
    out_console.print(
        f"{plural(plan.rounds, 'round')} of {', '.join(map(str, rooms))} "
        f"room{'s' if rooms != [1] else ''} for {plural(len(plan.roster), 'person', 'people')}"
        f"{last}: "
        f"{plural(plan.repeats or 0, 'repeat')} (lower bound {plan.lower_bound_repeats}, "
        f"{plan.status}); every rule met.",
        markup=False,
        highlight=False,
    )
    out_console.print(quality_sentence(plan, "in report.html"), markup=False, highlight=False)
    if plan.replanned_rounds:
        out_console.print(f"Rounds planned again: {', '.join(map(str, plan.replanned_rounds))}")
    dropped_from = list(plan.dropped_from().values())
    if gone := [r for r in dropped_from if r is not None]:  # they left part-way
        when = ", ".join(
            f"{plural(gone.count(r), 'person', 'people')} from round {r}" for r in sorted(set(gone))
        )
        out_console.print(f"Dropped out, in no room from then on: {when}.")
    if never := dropped_from.count(None):  # late additions to the roster who did not come
        out_console.print(
            f"Dropped before a round: {plural(never, 'person', 'people')} on the roster "
            "but in no room of the plan, left out."
        )
    if plan.joined:
        out_console.print(
            f"{plural(len(plan.joined), 'person', 'people')} on the roster but in no round of --from's plan "
            f"joined from round {plan.replanned_rounds[0]} on."
        )
    if not any(p.name.startswith("zoom_") for p in written):
        out_console.print("No emails written: no Zoom pre-assignment files.")
    out_console.print("Wrote " + ", ".join(p.name for p in written), markup=False, highlight=False)


@app.command()
def golf(
    groups: Annotated[int, typer.Argument(help="G: groups per round.")],
    size: Annotated[int, typer.Argument(help="S: players per group.")],
    weeks: Annotated[int, typer.Argument(help="W: rounds (weeks).")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 10.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the schedule as 'round group player' lines (0-based)."),
    ] = None,
) -> None:
    """Solve a Social Golfer instance G-S-W; print one JSON object.

    Repeats are minimised; the proven lower bound is printed beside them.
    Example: clnmatch golf 8 4 9 --time-limit 10 --out golf.txt
    """
    from clnmatch.breakouts import solve_golf
    from clnmatch.io.safe import atomic_write_text

    with exit_codes():
        check_out_file(out, "golf", [])  # before the search, not after it
        try:
            result = solve_golf(groups, size, weeks, time_limit=time_limit, seed=seed)
        except InvalidParameterError as exc:  # named as the command line names them
            found = re.match(r"The '(groups|size|rounds)' parameter of solve_golf", str(exc))
            if found is None:
                raise
            label = {"groups": "G", "size": "S", "rounds": "W"}[found[1]]
            raise InvalidParameterError(
                str(exc).replace(found[0], f"golf's argument {label}", 1)
            ) from None
        if out is not None:
            atomic_write_text(out, result.lines())
        print(json.dumps(result.as_dict()))
