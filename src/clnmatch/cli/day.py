"""Commands for the day and after: rematch, report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from clnmatch.cli.common import (
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_INVALID,
    Contact,
    Exit,
    FacilitatorsFile,
    JsonOut,
    MapFile,
    MaxParticipants,
    MaxShare,
    MaxTeamsPerTheme,
    MinAuthorities,
    MinSectors,
    Pdf,
    PerFacilitator,
    Pseudonymise,
    PseudonymKeyFile,
    Quiet,
    RulesFile,
    Sheet,
    SizeTolerance,
    Teams,
    TimeLimit,
    Title,
    app,
    check_outputs,
    err_console,
    exit_codes,
    masked,
    match_seconds,
    match_spent,
    out_console,
    overrun_note,
    print_infeasible,
    print_written,
    print_wrote,
    read_cohort_for_cli,
    result_mapping,
    rules_from,
    saved_summary,
    start_clock,
)
from clnmatch.cli.match import print_result


def _event_locks(
    summary: dict[str, object], teams: dict[str, int], withdrawn: Sequence[str], n_teams: int
) -> dict[str, int]:
    """The schools a matching event's export records as locked: id -> their team (those
    still in a team, not withdrawn now)."""
    event = summary.get("event")
    locked = event.get("locked") if isinstance(event, dict) else None
    if not isinstance(locked, list):
        return {}
    gone = set(withdrawn)
    return {
        str(e): teams[str(e)]
        for e in locked
        if str(e) in teams and str(e) not in gone and 1 <= teams[str(e)] <= n_teams
    }


@app.command()
def rematch(
    survey: Annotated[Path, typer.Argument(help="The survey the previous match was made from.")],
    previous: Annotated[
        Path,
        typer.Argument(
            help="The previous result folder (or its teams.csv); a rematched one carries its changes."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the new outputs, moves.csv and changes.json.")
    ],
    withdraw: Annotated[
        list[str] | None,
        typer.Option(
            "--withdraw",
            help="A practitioner, establishment or facilitator id that withdrew (repeat the option).",
        ),
    ] = None,
    add: Annotated[
        Path | None, typer.Option("--add", help="Survey rows of late additions (CSV or .xlsx).")
    ] = None,
    facilitators: FacilitatorsFile = None,
    rules_file: RulesFile = None,
    teams: Teams = None,
    max_participants: MaxParticipants = None,
    min_sectors: MinSectors = None,
    min_authorities: MinAuthorities = None,
    max_authority_share: MaxShare = None,
    schools_per_facilitator: PerFacilitator = None,
    size_tolerance: SizeTolerance = None,
    max_teams_per_theme: MaxTeamsPerTheme = None,
    objective: Annotated[
        str | None,
        typer.Option(
            "--objective", help="focus, cohesion or blend (default: the previous result's)."
        ),
    ] = None,
    unlock: Annotated[
        bool,
        typer.Option(
            "--unlock",
            help="Let the schools locked at the matching event move too (they stay by default).",
        ),
    ] = False,
    reoptimise: Annotated[
        bool,
        typer.Option(
            "--reoptimise",
            help="Solve the changed cohort afresh (e.g. after new pins or keep-apart rules), "
            "keeping team numbers where most of a team stays, instead of moving as few as possible.",
        ),
    ] = False,
    time_limit: TimeLimit = 30.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    map_file: MapFile = None,
    sheet: Sheet = None,
    title: Title = None,
    contact: Contact = None,
    pseudonymise: Pseudonymise = False,
    pseudonym_key: PseudonymKeyFile = None,
    pdf: Pdf = True,
    quiet: Quiet = False,
    json_out: JsonOut = False,
) -> None:
    """Re-match after withdrawals and late additions, moving as few establishments as possible.

    PREVIOUS may itself be a rematched result: its recorded withdrawals and additions
    (changes.json) carry over, so a withdrawn establishment never comes back unless added again.
    Example: clnmatch rematch survey.csv out/ --withdraw GC-PS-014 --add late.csv --out out2/
    """
    with exit_codes(json_out):
        clock = start_clock(time_limit, "rematch")  # first: loading the rematch counts too
        from clnmatch.errors import InputProblem, InvalidInputError
        from clnmatch.io.identity import additions_row_prefix
        from clnmatch.io.mapping import load_mapping
        from clnmatch.io.outputs import output_names
        from clnmatch.publish import heading_of, write_result
        from clnmatch.rematch import (
            CHANGES_FILE,
            AdditionClash,
            RematchResult,
            cohort_of_folder,
            keeping_event_locks,
            load_previous,
            load_previous_links,
            rematch_teams,
        )
        from clnmatch.result import Status

        inputs = {
            "the survey": survey,
            "the previous result": previous,
            "--add": add,
            "--facilitators": facilitators,
            "--rules": rules_file,
            "--map": map_file,
        }
        check_outputs(
            out,
            output_names(extra=("moves.csv", CHANGES_FILE)),
            inputs,
            pseudonymise=pseudonymise,
            pseudonym_key=pseudonym_key,
        )
        folder = previous if previous.is_dir() else previous.parent
        # the rules, objective, title and contact the previous result was made with,
        # unless told otherwise
        summary = saved_summary(folder)
        saved = heading_of(summary) if summary else None
        rules = rules_from(rules_file, locals(), summary.get("rules"))
        objective = objective or str(summary.get("objective_name") or "blend")
        found, survey_mapping = result_mapping(map_file, folder, quiet=json_out)
        mapping = load_mapping(found)  # read once: the survey and --add share it
        teams_csv = folder / "teams.csv" if previous.is_dir() else previous
        warn = 0 if json_out else 10  # --quiet keeps warnings: they are not progress
        read: list[str] = []  # every warning, for --json
        survey_cohort = read_cohort_for_cli(
            survey, facilitators, sheet, warn=warn, mapping=mapping, warnings=read
        )
        cohort, record = cohort_of_folder(survey_cohort, folder)
        # a school withdrawn before (at the event, or a rematch ago) keeps no pin or pair
        earlier = set(survey_cohort.establishment_by_id) - set(cohort.establishment_by_id)
        rules = rules.locks_within(lambda e: e not in earlier)
        skipped: list[str] = []
        notes: list[str] = []  # rows matched back by name: the survey's rows renumbered
        previous_teams = load_previous(cohort, teams_csv, skipped, notes)
        if skipped and not previous_teams:  # all would be late additions: another cohort's
            expected = (
                f"the teams of this survey's people; none of its {len(skipped)} practitioners "
                "is in the survey (a result written with --pseudonymise, or another cohort's?)"
            )
            raise InvalidInputError([InputProblem(file=str(teams_csv), expected=expected)])
        if skipped:  # e.g. a teams.csv without the changes.json that holds its late schools
            notes.append(
                f"{teams_csv}: {len(skipped)} practitioner(s) not in the survey or its "
                f"recorded changes were left out ({', '.join(masked(p) for p in skipped[:5])}"
                f"{', ...' if len(skipped) > 5 else ''}); late additions are kept in the "
                "result folder's changes.json: give the folder, or --add their rows"
            )
        locks = {} if unlock else _event_locks(summary, previous_teams, withdraw or (), rules.teams)
        own_pins = rules.pins  # saved without the locks, which are recorded as the event's
        if locks:  # the room's decisions: kept as pins
            rules = rules.model_copy(update={"pins": {**locks, **rules.pins}})
            said = (
                f"{len(locks)} school(s) locked at the matching event stay in their teams "
                f"(as {folder / 'summary.json'} records); --unlock lets them move"
            )
            read.append(said)
            if not json_out:
                err_console.print(f"note: {said}", markup=False, highlight=False)
        read += notes
        for note in [] if json_out else notes:
            err_console.print(f"warning: {note}", markup=False, highlight=False)
        links = load_previous_links(cohort, folder)
        added = (
            read_cohort_for_cli(
                add,
                None,
                warn=warn,
                mapping=mapping,
                row_id_prefix=additions_row_prefix(add),
                warnings=read,
            )  # fmt: skip
            if add is not None
            else None
        )
        reused = record.reused_ids(survey_cohort, added) if added is not None else []
        # a withdrawn nominee's id given to a newcomer (ids of people still in the cohort
        # are refused by rematch_teams itself, which names a second form's numbering)
        reused = [(pid, school) for pid, school in reused if pid not in cohort.practitioner_by_id]
        if reused:
            raise InvalidInputError(
                [
                    InputProblem(
                        f"an id of the new nominee's own: {pid} is a withdrawn nominee of "
                        f"{school} (an id is one person's, even after they withdraw)",
                        file=str(add),
                        column="practitioner_id",
                        value=pid,
                    )
                    for pid, school in reused
                ]
            )
        try:
            result = rematch_teams(
                cohort,
                previous_teams,
                withdraw or (),
                added,
                rules=rules,
                objective=objective,
                time_limit=match_seconds(clock, cohort, rules, pdf, quiet or json_out),
                seed=seed,
                previous_links=links,
                mode="reoptimise" if reoptimise else "fewest_moves",
                withdrawn_before=[
                    p for p in survey_cohort.practitioners if p.id not in cohort.practitioner_by_id
                ],
                earlier=record,
            )
        except AdditionClash as exc:  # named in the file they came from
            problems = [
                InputProblem(f"late additions that agree with the survey: {clash}", file=str(add))
                for clash in exc.clashes
            ]
            raise InvalidInputError(problems) from exc
        if result.status == Status.INFEASIBLE:
            message = result.diagnosis.message() if result.diagnosis is not None else "no diagnosis"
            if locks and "pin" in (result.diagnosis.rules if result.diagnosis else ()):
                message += (
                    f"\nThe pins are the {len(locks)} school(s) locked at the matching event: "
                    "--unlock lets them move."
                )
            if json_out:  # as solve answers: the summary, its status and diagnosis
                print_infeasible({**result.summary(), "warnings": read})
            raise Exit(EXIT_INFEASIBLE, message, answered=json_out)
        if not result.feasible or result.change is None:
            raise Exit(EXIT_ERROR, "No rule-abiding re-match was found. " + " ".join(result.notes))
        if locks:  # kept as the event's locks, so that the next rematch keeps them (or --unlock)
            pins = {e: t for e, t in result.rules.pins.items() if e in own_pins or e not in locks}
            own_rules = result.rules.model_copy(update={"pins": pins})  # as the rematch ran
            result = keeping_event_locks(result, own_rules, sorted(locks))
        written = write_result(
            result,
            out,
            pseudonymise=pseudonymise,
            title=title or (saved.title if saved else None),
            contact=contact or (saved.contact if saved else None),
            source=saved.source if saved else None,  # a licence line travels on
            pdf=None if pdf else False,
            pseudonym_key=pseudonym_key,
            protect=inputs,
            deadline=clock,
            survey_mapping=survey_mapping,
        )
        if not json_out:
            print_written(written)
        if isinstance(written.result, RematchResult):  # pseudonymised when the files are
            result = written.result
        late = overrun_note(clock, match_spent(result.runtime_s))
        if json_out:
            warned = [*read, *([late] if late else [])]
            answer = {**result.summary(), "left_out": written.left_out, "warnings": warned}
            out_console.print_json(json.dumps(answer))
            return
        if not quiet:
            if not record.empty:
                said = record.summary_line(survey_cohort)
                out_console.print(f"Carried over from {folder}: {said}")
            for line in result.change_lines():
                out_console.print(line, markup=False, highlight=False)
            print_result(result, written)
        for note in result.warnings():  # e.g. schools placed as late additions: with -q too
            err_console.print(f"note: {note}", markup=False, highlight=False)
        if late:  # with -q too: it is not progress
            err_console.print(late, markup=False, highlight=False)


@app.command()
def report(
    result_dir: Annotated[
        Path,
        typer.Argument(
            help="A folder written by `clnmatch solve` (summary.json, teams.csv, facilitators.csv)."
        ),
    ],
    survey: Annotated[Path, typer.Option("--survey", help="The survey the result was made from.")],
    facilitators: FacilitatorsFile = None,
    map_file: MapFile = None,
    sheet: Sheet = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write report.html and teams.xlsx (default: the result folder)."
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title", help="The cohort's name (default: the one the result was written with)."
        ),
    ] = None,
    contact: Contact = None,
    pseudonymise: Pseudonymise = False,
    pseudonym_key: PseudonymKeyFile = None,
    pdf: Pdf = True,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Do not list the files written.")
    ] = False,
) -> None:
    """Rebuild report.html, teams.xlsx and the rosters from a saved result (e.g. after hand edits).

    Example: clnmatch report out/ --survey survey.csv --facilitators facilitators.csv
    """
    from clnmatch.io.outputs import output_names
    from clnmatch.publish import read_heading, rebuild_result, write_report_files
    from clnmatch.rematch import cohort_of_folder, load_previous_links

    with exit_codes():
        target = out or result_dir
        if target.resolve() != result_dir.resolve() and (target / "summary.json").exists():
            raise Exit(  # its report would describe other teams than its teams.csv
                EXIT_INVALID,
                f"Refused: --out {target} holds another result (its summary.json): write "
                "the report to a folder of its own.",
            )
        saved = [result_dir / name for name in ("teams.csv", "facilitators.csv", "summary.json")]
        inputs: dict[str, Path | None] = {
            "--survey": survey,
            "--facilitators": facilitators,
            "--map": map_file,
        }
        inputs.update({f"the saved result's {p.name}": p for p in saved})
        check_outputs(
            target,
            output_names(rebuilt=True),
            inputs,
            pseudonymise=pseudonymise,
            pseudonym_key=pseudonym_key,
        )
        mapping, _ = result_mapping(map_file, result_dir)
        cohort = read_cohort_for_cli(survey, facilitators, sheet, warn=0, mapping=mapping)
        # a rematched result: its withdrawals and additions (changes.json) apply
        cohort, _ = cohort_of_folder(cohort, result_dir)
        load_previous_links(cohort, result_dir)  # refused: links read without their table
        heading = read_heading(result_dir)
        result = rebuild_result(cohort, result_dir)
        written = write_report_files(
            result,
            target,
            pseudonymise=pseudonymise,
            title=title or heading.title,
            contact=contact or heading.contact,
            pdf=None if pdf else False,
            pseudonym_key=pseudonym_key,
            protect=inputs,
            source=heading.source,
            restate_summary=target.resolve() == result_dir.resolve(),
        )
        print_written(written)  # its notes are not the list -q leaves out
        if pseudonymise and target.resolve() == result_dir.resolve():
            err_console.print(
                f"note: teams.csv, facilitators.csv and summary.json in {result_dir} still "
                "name everyone: share only the files this run wrote, or write them to a "
                "folder of their own with --out",
                markup=False,
                highlight=False,
            )
        if not quiet:
            print_wrote(written)
        if result.evaluation is not None and not result.evaluation.feasible:
            err_console.print(
                f"Note: the saved assignment breaks rules: {result.evaluation.summary_line()}",
                markup=False,
                highlight=False,
            )
