"""Commands that match a survey: solve, demo, check, inspect, generate."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from clnmatch.cli.common import (
    EXIT_BREACH,
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
    as_flags,
    check_outputs,
    err_console,
    exit_codes,
    interactive,
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
    sample_paths,
    saved_summary,
    start_clock,
)
from clnmatch.models import Cohort, Rules
from clnmatch.time_budget import Deadline

if TYPE_CHECKING:
    from clnmatch.evaluate import Evaluation
    from clnmatch.rematch.changes import ChangeRecord


def progress_display(enabled: bool) -> tuple[Callable[[Any], None] | None, Callable[[], None]]:
    """A live line on the terminal: best objective, bound, gap, elapsed."""
    if not enabled:
        return None, lambda: None
    status = err_console.status("Matching ...")
    status.start()

    def update(p: Any) -> None:
        objective = "-" if p.objective is None else f"{p.objective:,.1f}"
        bound = "-" if p.bound is None else f"{p.bound:,.1f}"
        gap = "-" if p.gap is None else f"{100 * p.gap:.2f}%"
        status.update(f"Matching: best {objective}  bound {bound}  gap {gap}  {p.elapsed_s:.1f}s")

    return update, status.stop


def _run_solve(
    cohort: Cohort,
    rules: Rules,
    out: Path,
    *,
    objective: str,
    strategy: str,
    clock: Deadline,
    seed: int,
    quiet: bool,
    json_out: bool,
    pseudonymise: bool,
    title: str | None = None,
    contact: str | None = None,
    pdf: bool = True,
    pseudonym_key: Path | None = None,
    inputs: dict[str, Path | None] | None = None,
    bound_time: float = 0.0,
    warnings: list[str] | None = None,
    source: str | None = None,
    survey_mapping: dict[str, str] | None = None,
) -> None:
    from clnmatch.publish import write_result
    from clnmatch.result import Status
    from clnmatch.solve import solve

    time_limit = match_seconds(clock, cohort, rules, pdf, quiet or json_out)
    progress, stop = progress_display(interactive(quiet, json_out))
    try:
        result = solve(
            cohort,
            rules,
            objective=objective,
            strategy=strategy,
            time_limit=time_limit,
            seed=seed,
            progress=progress,
            # of what the search may take (the outputs' writing is kept apart)
            bound_time=min(bound_time, 0.9 * time_limit),
        )
    finally:
        stop()
    if result.status == Status.INFEASIBLE:
        message = result.diagnosis.message() if result.diagnosis is not None else "no diagnosis"
        if json_out:
            print_infeasible({**result.summary(), "warnings": warnings or []})
        raise Exit(EXIT_INFEASIBLE, message, answered=json_out)
    if not result.feasible:
        # the notes are the library's ("no ... found within 0.8 s"): say whose seconds
        limit = clock.limit
        share = (
            f" The match had {time_limit:.1f} s of --time-limit {limit:g}: writing the "
            "outputs of this many establishments takes the rest (--no-pdf saves some)."
            if limit is not None and time_limit < 0.5 * limit
            else ""
        )
        raise Exit(
            EXIT_ERROR,
            "No rule-abiding assignment was found: " + "; ".join(result.notes) + "." + share,
        )
    written = write_result(
        result,
        out,
        pseudonymise=pseudonymise,
        title=title,
        contact=contact,
        pdf=None if pdf else False,
        pseudonym_key=pseudonym_key,
        protect=inputs,
        deadline=clock,
        source=source,
        survey_mapping=survey_mapping,
    )
    if not json_out:
        print_written(written)
    result = written.result or result  # as the files hold it: pseudonymised when they are
    late = overrun_note(clock, match_spent(result.runtime_s))
    if json_out:  # the reader's warnings too: --json prints nothing else
        said = [*(warnings or []), *([late] if late else [])]
        answer = {**result.summary(), "left_out": written.left_out, "warnings": said}
        out_console.print_json(json.dumps(answer))
        return
    if not quiet:
        print_result(result, written)
    if late:  # with -q too: it is not progress
        err_console.print(late, markup=False, highlight=False)


def print_result(result: Any, written: list[Path]) -> None:
    table = Table(
        title=f"{len(result.team_focus)} teams ({result.status}, strategy {result.strategy})"
    )
    for column in ("team", "focus", "size", "estab.", "sectors", "authorities", "facilitators"):
        table.add_column(column)
    for row in result.summary()["teams"]:
        table.add_row(
            str(row["team"]),
            row["focus"] or "-",
            str(row["size"]),
            str(len(row["establishments"])),
            ", ".join(row["sectors"]),
            str(len(row["authorities"])),
            ", ".join(row["facilitators"]) or "-",
        )
    out_console.print(table)
    out_console.print(quality_sentence(result))
    print_wrote(written)


def quality_sentence(result: Any) -> str:
    if result.status == "optimal":
        return f"Objective {result.objective:,.3f}: proven optimal."
    if result.bound is not None:
        return (
            f"Objective {result.objective:,.3f}; no assignment can exceed {result.bound:,.3f} "
            f"(gap {100 * result.gap:.2f}%)."
        )
    return f"Objective {result.objective:,.3f}; no bound was proven in the time limit."


@app.command()
def solve(
    survey: Annotated[Path, typer.Argument(help="Survey export (CSV or .xlsx).")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for teams.csv, facilitators.csv, summary.json, teams.xlsx, report.html.",
        ),
    ],
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
    strategy: Annotated[
        str,
        typer.Option("--strategy", help="auto, or a strategy name (see `clnmatch strategies`)."),
    ] = "auto",
    time_limit: TimeLimit = 30.0,
    bound_time: Annotated[
        float,
        typer.Option(
            "--bound-time",
            min=0,
            help="Seconds of --time-limit spent proving how far from the best the answer can "
            "be, when the strategy proves nothing itself (local search at scale: a gap of about "
            "7% instead of 15%). 0: the quick estimate only.",
        ),
    ] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same answer.")] = 0,
    sheet: Sheet = None,
    map_file: MapFile = None,
    title: Title = None,
    contact: Contact = None,
    pseudonymise: Pseudonymise = False,
    pseudonym_key: PseudonymKeyFile = None,
    pdf: Pdf = True,
    quiet: Quiet = False,
    json_out: JsonOut = False,
) -> None:
    """Match a survey into teams and write the rosters and report.

    Example: clnmatch solve survey.csv --facilitators facilitators.csv --title "CLN cohort 3" --out teams/
    """
    from clnmatch.io.mapping import mapping_to_keep
    from clnmatch.io.outputs import output_names

    with exit_codes(json_out):
        clock = start_clock(time_limit, "solve")
        if bound_time >= time_limit:  # its seconds are part of the limit
            raise Exit(
                EXIT_INVALID,
                f"Invalid setting: --bound-time ({bound_time:g}) must be less than "
                f"--time-limit ({time_limit:g}): its seconds are part of it.",
            )
        inputs = {
            "the survey": survey,
            "--facilitators": facilitators,
            "--rules": rules_file,
            "--map": map_file,
        }
        check_outputs(
            out,
            output_names(),
            inputs,
            pseudonymise=pseudonymise,
            pseudonym_key=pseudonym_key,
        )
        rules = rules_from(rules_file, locals())
        read: list[str] = []
        cohort = read_cohort_for_cli(
            survey, facilitators, sheet, warn=0 if json_out else 10, mapping=map_file,
            warnings=read,
        )  # fmt: skip
        _run_solve(
            cohort,
            rules,
            out,
            objective=objective,
            strategy=strategy,
            clock=clock,
            seed=seed,
            quiet=quiet,
            json_out=json_out,
            pseudonymise=pseudonymise,
            title=title,
            contact=contact,
            pdf=pdf,
            pseudonym_key=pseudonym_key,
            inputs=inputs,
            bound_time=bound_time,
            warnings=read,
            survey_mapping=mapping_to_keep(map_file),
        )


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")] = Path(
        "clnmatch-demo"
    ),
    time_limit: TimeLimit = 20.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            help="The cohort's name: heads the report, workbook and handouts (default: "
            "'Sample cohort (clnmatch demo)').",
        ),
    ] = None,
    contact: Contact = None,
    pdf: Pdf = True,
    quiet: Quiet = False,
    json_out: JsonOut = False,
) -> None:
    """Match the bundled sample cohort (about 50 schools, 99 practitioners); no input needed.

    Example: clnmatch demo --title "Sample CLN cohort" --out demo/
    """
    from clnmatch.generate.schools import SCHOOLS_ATTRIBUTION
    from clnmatch.io.outputs import output_names

    with exit_codes(json_out):
        clock = start_clock(time_limit, "demo")
        check_outputs(out, output_names(), {})
        survey, facilitators = sample_paths()
        cohort = read_cohort_for_cli(survey, facilitators, warn=0)
        _run_solve(
            cohort,
            Rules(),
            out,
            objective="blend",
            strategy="auto",
            clock=clock,
            seed=seed,
            quiet=quiet,
            json_out=json_out,
            pseudonymise=False,
            title=title or "Sample cohort (clnmatch demo)",
            contact=contact,
            pdf=pdf,
            # the sample's schools are rows of the bundled West Partnership data
            source=f"The sample's schools are real West Partnership schools. {SCHOOLS_ATTRIBUTION}",
        )


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
            # ids stripped of their zeros leave their people in no team: not withdrawals
            notes = _leading_zero_notes(evaluation, survey_cohort, teams_csv) or (
                _withdrawal_notes(evaluation, record)
            )
            for line in notes:
                err_console.print(line, markup=False, highlight=False)
        if not evaluation.feasible:
            raise Exit(EXIT_BREACH, answered=json_out)


def _withdrawn_people(survey: Cohort, record: ChangeRecord) -> set[str]:
    """The survey's practitioners a result folder's changes.json records as withdrawn."""
    gone = set(record.withdrawn_of("practitioner"))
    return gone | {
        p.id for e in record.withdrawn_of("establishment") for p in survey.nominees.get(e, ())
    }


def _leading_zero_notes(evaluation: Evaluation, survey: Cohort, teams_csv: Path) -> list[str]:
    """A note when ids of teams.csv are the survey's but for leading zeros (a spreadsheet
    that opened teams.csv read '00012' as the number 12 and saved it so)."""
    by_number = {p.id.lstrip("0"): p.id for p in survey.practitioners if p.id.isdigit()}
    unknown = [b.subject for b in evaluation.breaches if b.rule == "unknown_practitioner"]
    stripped = [(i, by_number[i]) for i in unknown if i and i.isdigit() and i in by_number]
    if not stripped:
        return []
    first, theirs = stripped[0]
    return [
        f"note: {len(stripped)} practitioner id(s) of {teams_csv.name} are the survey's but "
        f"for leading zeros ({first!r} is {theirs!r} in the survey): a spreadsheet that "
        f"opened {teams_csv.name} dropped them. Check the copy clnmatch wrote, or import the "
        "file with its id columns as text"
    ]


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
        for name, row in summary.by_authority.items():
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


# ------------------------------------------------------------------- generate
@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Survey file to write (.csv or .xlsx).")],
    establishments: Annotated[
        int, typer.Option("--establishments", help="Establishments in the cohort.")
    ] = 50,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    teams: Annotated[
        int,
        typer.Option(
            "--teams",
            help="The teams the cohort is for: no authority gets more schools than half of "
            "each of that many teams can hold, and there is a facilitator for each.",
        ),
    ] = 8,
    facilitators_out: Annotated[
        Path | None,
        typer.Option(
            "--facilitators-out",
            help="Where to write the facilitators table (default: beside the survey).",
        ),
    ] = None,
    synthetic: Annotated[
        bool,
        typer.Option(
            "--synthetic",
            help="Made-up places too (default: real West Partnership schools, made-up "
            "nurseries and people).",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the files if they exist (a real survey?).")
    ] = False,
) -> None:
    """Write a sample cohort: real West Partnership schools with made-up nurseries and people.

    With --synthetic every place is made up as well. A note on what is real, with the
    data's licence, is written beside a survey of real schools (NAME_about.txt).
    Example: clnmatch generate --establishments 50 --seed 7 --out survey.csv
    """
    from clnmatch.generate import generate_cohort, generate_school_cohort
    from clnmatch.generate.schools import MAX_SCHOOL_ESTABLISHMENTS
    from clnmatch.io.facilitators import write_facilitators
    from clnmatch.io.safe import atomic_write_text
    from clnmatch.io.survey_write import write_survey

    with exit_codes():
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise Exit(EXIT_INVALID, f"--out must end in .csv or .xlsx; got {out.name}")
        if establishments < 1:
            raise Exit(EXIT_INVALID, f"--establishments must be >= 1; got {establishments}")
        if not 1 <= teams <= establishments:
            raise Exit(
                EXIT_INVALID,
                f"--teams must be 1 to --establishments ({establishments}); got {teams}",
            )
        if not synthetic and establishments > MAX_SCHOOL_ESTABLISHMENTS:
            raise Exit(
                EXIT_INVALID,
                f"--establishments must be at most {MAX_SCHOOL_ESTABLISHMENTS} with real "
                f"schools (or add --synthetic); got {establishments}",
            )
        fac_path = facilitators_out or out.with_name(f"{out.stem}_facilitators{out.suffix}")
        note_path = out.with_name(f"{out.stem}_about.txt")
        there = [str(p) for p in (out, fac_path, *([] if synthetic else [note_path])) if p.exists()]
        if there and not force:  # a made-up cohort must never replace a real survey
            raise Exit(
                EXIT_INVALID,
                f"{', '.join(there)} already exist{'s' if len(there) == 1 else ''}: give "
                "another --out, or --force to replace",
            )
        if synthetic:
            cohort = generate_cohort(establishments, seed=seed, teams_hint=teams)
        else:
            cohort = generate_school_cohort(establishments, seed=seed, teams_hint=teams)
        write_survey(cohort, out)
        write_facilitators(cohort.facilitators, fac_path, cohort.themes)
        note = ""
        if not synthetic:
            atomic_write_text(note_path, _sample_note(out, fac_path, establishments, seed))
            note = f" and {note_path}"
        out_console.print(
            f"Wrote {out} ({cohort.n_participants} practitioners, "
            f"{len(cohort.establishments)} establishments), {fac_path} "
            f"({len(cohort.facilitators)} facilitators){note}",
            highlight=False,
        )
        if not math.ceil(establishments / 10) <= teams <= establishments // 4:
            out_console.print(  # a facilitator per 10 schools; a team mixes sectors and places
                f"note: {teams} team(s) of {establishments} establishments may not keep every "
                "rule (teams of 4 to 10 establishments can); `clnmatch inspect` says which",
                highlight=False,
            )
        if not synthetic:
            from clnmatch.generate import SCHOOLS_ATTRIBUTION

            out_console.print(
                "The schools are real; nurseries, people and answers are made up. "
                + SCHOOLS_ATTRIBUTION,
                highlight=False,
            )


def _sample_note(survey: Path, facilitators: Path, establishments: int, seed: int) -> str:
    """What is real in a generated survey of real schools, and the data's licence."""
    from clnmatch.generate import SCHOOLS_ATTRIBUTION

    return (
        f"{survey.name} and {facilitators.name}: a sample cohort made by\n"
        f"  clnmatch generate --establishments {establishments} --seed {seed}\n\n"
        "Real: the primary, secondary and special schools (name, SEED code as "
        "establishment_id, authority, sector), their SIMD 2020 quintile and location, from "
        "the Scottish Government's school contact list 2023 joined with SIMD 2020.\n"
        "Made up: the nurseries (ids such as GC-EY-001, named after a real primary school "
        "nearby, with its SIMD), every person, role, e-mail and survey answer, and the "
        "facilitators.\n\n"
        f"{SCHOOLS_ATTRIBUTION}\n"
    )
