"""Commands that check before or after a match: check (an assignment, perhaps edited by
hand) and inspect (a survey)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from clnmatch.cli.common import (
    EXIT_BREACH,
    Exit,
    FacilitatorsFile,
    JsonOut,
    MapFile,
    MaxParticipants,
    MaxShare,
    MaxTeamsPerTheme,
    MinAuthorities,
    MinSectors,
    PerFacilitator,
    RulesFile,
    Sheet,
    SizeTolerance,
    Teams,
    app,
    as_flags,
    err_console,
    exit_codes,
    masked,
    out_console,
    read_cohort_for_cli,
    result_mapping,
    rules_from,
    saved_summary,
)
from clnmatch.models import Cohort

if TYPE_CHECKING:
    from clnmatch.evaluate import Evaluation
    from clnmatch.rematch.changes import ChangeRecord


# ------------------------------------------------------------------- check
@app.command()
def check(
    survey: Annotated[Path, typer.Argument(help="Survey export (CSV or .xlsx).")],
    teams_csv: Annotated[
        Path,
        typer.Argument(
            help="An assignment: teams.csv with practitioner_id and team (or a result folder)."
        ),
    ],
    facilitators: FacilitatorsFile = None,
    links: Annotated[
        Path | None,
        typer.Option(
            "--links",
            help="facilitators.csv with facilitator_id and team (default: the one beside "
            "TEAMS_CSV, when --facilitators is given).",
        ),
    ] = None,
    rules_file: RulesFile = None,
    teams: Teams = None,
    max_participants: MaxParticipants = None,
    min_sectors: MinSectors = None,
    min_authorities: MinAuthorities = None,
    max_authority_share: MaxShare = None,
    schools_per_facilitator: PerFacilitator = None,
    size_tolerance: SizeTolerance = None,
    max_teams_per_theme: MaxTeamsPerTheme = None,
    sheet: Sheet = None,
    map_file: MapFile = None,
    json_out: JsonOut = False,
) -> None:
    """Check an existing (perhaps hand-edited) assignment and list every breach.

    Exit 0 when no rule is broken, 4 when at least one is.
    Example: clnmatch check survey.csv out/teams.csv --links out/facilitators.csv
    """
    from clnmatch.errors import InputProblem, InvalidInputError
    from clnmatch.evaluate import check as check_assignment
    from clnmatch.io.assignment import folder_links, match_to_survey, read_assignment, read_links
    from clnmatch.rematch import CHANGES_FILE, cohort_of_folder

    with exit_codes(json_out):
        if teams_csv.is_dir():  # a result folder: its teams.csv
            teams_csv = teams_csv / "teams.csv"
        # the rules the teams were made with (the flags override them, --rules replaces them)
        saved = saved_summary(teams_csv.parent).get("rules")
        rules = rules_from(rules_file, locals(), saved)
        if isinstance(saved, dict) and rules_file is None and not json_out:
            said = f"Using the rules of {teams_csv.parent / 'summary.json'}"
            err_console.print(said, markup=False, highlight=False, soft_wrap=True)
        read: list[str] = []
        mapping, _ = result_mapping(map_file, teams_csv.parent, quiet=json_out)
        cohort = read_cohort_for_cli(
            survey, facilitators, sheet, warn=0 if json_out else 10, mapping=mapping,
            warnings=read,
        )  # fmt: skip
        # a rematched result records its withdrawals and additions beside teams.csv
        survey_cohort = cohort
        cohort, record = cohort_of_folder(cohort, teams_csv.parent)
        if not record.empty and not json_out:
            said = record.summary_line(survey_cohort)
            err_console.print(f"Using {teams_csv.parent / CHANGES_FILE}: {said}")
        try:
            table = match_to_survey(read_assignment(teams_csv, themes=cohort.themes), cohort)
        except InvalidInputError as exc:  # e.g. the workbook written for people to read
            if teams_csv.suffix.casefold() != ".xlsx":
                raise
            hint = InputProblem(
                "a teams table (practitioner_id, team): a teams.xlsx written by clnmatch is "
                "for people to read; check the teams.csv beside it (edit the teams there)",
                file=str(teams_csv),
            )
            raise InvalidInputError([*exc.problems, hint]) from exc
        read += [str(w) for w in table.warnings]  # e.g. two focus themes for one team
        for warning in [] if json_out else table.warnings:
            err_console.print(f"warning: {warning}", markup=False, highlight=False)
        beside = teams_csv.parent / "facilitators.csv"  # a result folder's own links
        link_list = read_links(links) if links is not None else None
        if links is None and cohort.facilitators and beside.is_file():
            # header only when the result was made without facilitators: no links, no error
            link_list = folder_links(teams_csv.parent)
            if not json_out:
                said = f"Using {beside} for the facilitator links"
                err_console.print(said, markup=False, highlight=False, soft_wrap=True)
        evaluation = check_assignment(
            cohort, rules, table.teams, link_list, team_focus=table.focus or None
        )
        if json_out:
            out_console.print_json(
                json.dumps(
                    {
                        "breaches": [b.to_dict() for b in evaluation.breaches],
                        # those checked: the folder's summary.json's, flags, --rules
                        "rules": rules.model_dump(mode="json"),
                        "objective": evaluation.objective,
                        "focus_points": evaluation.focus_points,
                        "cohesion": evaluation.cohesion,
                        "warnings": read,
                    }
                )
            )
        else:
            gone = _withdrawn_people(survey_cohort, record)
            for b in evaluation.breaches:
                where = f"team {b.team}" if b.team is not None else (b.subject or "cohort")
                message = b.message
                if b.rule == "unknown_practitioner" and b.subject in gone:  # a survey's person
                    message = (
                        f"{b.subject!r} withdrew ({teams_csv.parent / 'changes.json'} records "
                        "it): remove the row, or bring them back with clnmatch rematch --add"
                    )
                line = masked(f"BREACH {b.rule} [{where}]: {message}")  # ids may be emails
                out_console.print(line, markup=False, highlight=False)
            out_console.print(evaluation.summary_line())
            for line in _withdrawal_notes(evaluation, record):
                err_console.print(line, markup=False, highlight=False)
        if not evaluation.feasible:
            raise Exit(EXIT_BREACH, answered=json_out)


def _withdrawn_people(survey: Cohort, record: ChangeRecord) -> set[str]:
    """The survey's practitioners a result folder's changes.json records as withdrawn."""
    gone = set(record.withdrawn_of("practitioner"))
    return gone | {
        p.id for e in record.withdrawn_of("establishment") for p in survey.nominees.get(e, ())
    }


def _withdrawal_notes(evaluation: Evaluation, record: ChangeRecord) -> list[str]:
    """A plain note when survey people are in no team and no record of withdrawals is
    beside teams.csv (they may have withdrawn on the day)."""
    unassigned = [b for b in evaluation.breaches if b.rule == "unassigned"]
    if unassigned and record.empty:
        return [
            f"note: {len(unassigned)} practitioner(s) of the survey are in no team. "
            "If they withdrew on the day, check the folder the event or rematch saved: its "
            "changes.json records withdrawals (a teams.csv on its own does not)"
        ]
    return []


# ------------------------------------------------------------------- inspect
@app.command()
def inspect(
    survey: Annotated[Path, typer.Argument(help="Survey export (CSV or .xlsx).")],
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
    sheet: Sheet = None,
    map_file: MapFile = None,
    json_out: JsonOut = False,
) -> None:
    """Summarise a survey before matching: counts, themes, facilitators, warnings.

    Example: clnmatch inspect survey.xlsx --sheet Responses
    """
    from clnmatch.cohort_summary import summarise
    from clnmatch.diagnosis import Conflict

    with exit_codes(json_out):
        rules = rules_from(rules_file, locals())
        read: list[str] = []
        cohort = read_cohort_for_cli(
            survey, facilitators, sheet, warn=0 if json_out else None, mapping=map_file,
            warnings=read,
        )  # fmt: skip
        summary = summarise(cohort, rules)
        if json_out:  # the reader's warnings too: --json prints nothing else
            answer = summary.to_dict()
            answer["warnings"] = [*read, *summary.warnings]
            out_console.print_json(json.dumps(answer))
            return
        out_console.print(
            f"[bold]{summary.participants}[/] participants from "
            f"[bold]{summary.establishments}[/] establishments"
        )
        table = Table(title="By authority")
        sectors = list(summary.by_sector)
        # short headings: a table 80 characters wide (a file, a pipe) cut "establish…"
        for column in ("authority", "estab.", "people", *sectors):
            table.add_column(column, justify="left" if column == "authority" else "right")
        # the largest first (as met in the survey, the order meant nothing: a lead officer)
        ordered = sorted(
            summary.by_authority.items(), key=lambda a: (-a[1]["establishments"], a[0])
        )
        for name, row in ordered:
            table.add_row(
                name, *(str(row[c]) for c in ("establishments", "participants", *sectors))
            )
        out_console.print(table)
        themes = Table(title="Themes by popularity")
        for column in ("theme", "mean rating", "rated 4-5"):
            themes.add_column(column)
        for theme in summary.themes:
            themes.add_row(str(theme["theme"]), f"{theme['mean']:.2f}", str(theme["keen"]))
        out_console.print(themes)
        fac = Table(title="Facilitators each authority must supply")
        for column in ("authority", "establishments", "needed", "supplied"):
            fac.add_column(column)
        for line in summary.facilitators:
            supplied = "-" if line.get("supplied") is None else str(line["supplied"])
            fac.add_row(
                str(line["authority"]), str(line["establishments"]), str(line["needed"]), supplied
            )
        out_console.print(fac)
        for warning in summary.warnings:
            out_console.print(f"[yellow]warning[/]: {escape(warning)}", highlight=False)
        for c in summary.conflict_details:  # as solve says them: the rule, what to try
            said = str(Conflict(tuple(c["rules"]), c["message"], suggestion=c["suggestion"]))
            out_console.print(f"[red]cannot match[/]: {escape(as_flags(said))}", highlight=False)
