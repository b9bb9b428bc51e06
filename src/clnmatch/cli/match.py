"""Commands that match a survey: solve, demo, generate."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

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
    interactive,
    match_seconds,
    match_spent,
    out_console,
    overrun_note,
    print_infeasible,
    print_written,
    print_wrote,
    read_cohort_for_cli,
    rules_from,
    sample_paths,
    start_clock,
)
from clnmatch.models import Cohort, Rules
from clnmatch.time_budget import Deadline

if TYPE_CHECKING:
    pass


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
        _say_cohort_warnings(cohort, rules, read, quiet=json_out)
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


def _say_cohort_warnings(cohort: Cohort, rules: Rules, read: list[str], *, quiet: bool) -> None:
    """The cohort's warnings (a small cohort, a lone nominee) as `inspect` says them: solve
    said them only in report.html (a statistician); with --json, in its warnings."""
    from clnmatch.cohort_summary import cohort_warnings

    found = cohort_warnings(cohort, rules)
    read += found
    for warning in [] if quiet else found[:10]:
        err_console.print(f"warning: {warning}", markup=False, highlight=False)
    if not quiet and len(found) > 10:
        err_console.print(f"... and {len(found) - 10} more (see `clnmatch inspect`)")


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
