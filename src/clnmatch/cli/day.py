"""Commands for the day and after: rematch, report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from clnmatch.cli.common import (
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    Contact,
    Exit,
    FacilitatorsFile,
    JsonOut,
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
    SizeTolerance,
    Teams,
    Title,
    app,
    check_outputs,
    err_console,
    exit_codes,
    out_console,
    print_written,
    read_cohort_for_cli,
    rules_from,
)
from clnmatch.cli.match import print_result


@app.command()
def rematch(
    survey: Annotated[Path, typer.Argument(help="The survey the previous match was made from.")],
    teams_csv: Annotated[Path, typer.Argument(help="The previous teams.csv.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the new outputs and moves.csv.")],
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
        str, typer.Option("--objective", help="focus, cohesion or blend.")
    ] = "blend",
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 30.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    title: Title = None,
    contact: Contact = None,
    pseudonymise: Pseudonymise = False,
    pseudonym_key: PseudonymKeyFile = None,
    pdf: Pdf = True,
    quiet: Quiet = False,
    json_out: JsonOut = False,
) -> None:
    """Re-match after withdrawals and late additions, moving as few establishments as possible.

    Example: clnmatch rematch survey.csv out/teams.csv --withdraw GC-PS-014 --add late.csv --out out2/
    """
    from clnmatch.errors import InvalidInputError
    from clnmatch.io.outputs import output_names, read_heading, write_result
    from clnmatch.rematch import load_previous, rematch_teams
    from clnmatch.result import Status

    with exit_codes():
        inputs = {
            "the survey": survey,
            "the previous result": teams_csv,
            "--add": add,
            "--facilitators": facilitators,
            "--rules": rules_file,
        }
        check_outputs(
            out,
            output_names(extra=("moves.csv",)),
            inputs,
            pseudonymise=pseudonymise,
            pseudonym_key=pseudonym_key,
        )
        previous_dir = teams_csv if teams_csv.is_dir() else teams_csv.parent
        try:  # the title and contact the previous result was written with, if it says
            saved = read_heading(previous_dir)
        except InvalidInputError:
            saved = None
        rules = rules_from(rules_file, locals())
        cohort = read_cohort_for_cli(survey, facilitators, warn=0 if quiet or json_out else 10)
        previous = load_previous(cohort, teams_csv)
        added = (
            read_cohort_for_cli(add, None, warn=0 if quiet or json_out else 10)
            if add is not None
            else None
        )
        result = rematch_teams(
            cohort,
            previous,
            withdraw or (),
            added,
            rules=rules,
            objective=objective,
            time_limit=time_limit,
            seed=seed,
        )
        if result.status == Status.INFEASIBLE:
            message = result.diagnosis.message() if result.diagnosis is not None else "no diagnosis"
            raise Exit(EXIT_INFEASIBLE, message)
        if not result.feasible:
            raise Exit(EXIT_ERROR, "No rule-abiding re-match was found. " + " ".join(result.notes))
        written = write_result(
            result,
            out,
            pseudonymise=pseudonymise,
            extra_tables={"moves.csv": result.moves_frame()},
            title=title or (saved.title if saved else None),
            contact=contact or (saved.contact if saved else None),
            pdf=None if pdf else False,
            pseudonym_key=pseudonym_key,
            protect=inputs,
        )
        if not json_out:
            print_written(written)
        if json_out:
            out_console.print_json(json.dumps(result.summary()))
            return
        if not quiet:
            for move in result.moves:
                out_console.print(
                    f"move {move.establishment_id}: team {move.from_team} -> "
                    f"{move.to_team} ({move.reason})",
                    markup=False,
                    highlight=False,
                )
            out_console.print(f"{result.n_moves} establishment(s) moved.")
            print_result(result, written)


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
) -> None:
    """Rebuild report.html, teams.xlsx and the rosters from a saved result (e.g. after hand edits).

    Example: clnmatch report out/ --survey survey.csv --facilitators facilitators.csv
    """
    from clnmatch.io.outputs import (
        output_names,
        read_heading,
        rebuild_result,
        write_report_files,
    )

    with exit_codes():
        target = out or result_dir
        saved = [result_dir / name for name in ("teams.csv", "facilitators.csv", "summary.json")]
        inputs: dict[str, Path | None] = {"--survey": survey, "--facilitators": facilitators}
        inputs.update({f"the saved result's {p.name}": p for p in saved})
        check_outputs(
            target,
            output_names(rebuilt=True),
            inputs,
            pseudonymise=pseudonymise,
            pseudonym_key=pseudonym_key,
        )
        cohort = read_cohort_for_cli(survey, facilitators, warn=0)
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
        )
        out_console.print("Wrote " + ", ".join(str(p) for p in written))
        print_written(written)
        if result.evaluation is not None and not result.evaluation.feasible:
            err_console.print(
                f"Note: the saved assignment breaks rules: {result.evaluation.summary_line()}",
                markup=False,
                highlight=False,
            )
