"""The ``clnmatch`` command line (contract section 4).

Exit codes: 0 done; 4 ``check`` found a breach; 2 invalid input; 3 the rules cannot all
be met; 1 anything else. Nothing is written to --out unless the run succeeds.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from clnmatch.errors import ClnmatchError, InfeasibleError, InvalidInputError, InvalidParameterError
from clnmatch.models import Cohort, Rules

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_INFEASIBLE, EXIT_BREACH = 0, 1, 2, 3, 4

app = typer.Typer(
    name="clnmatch",
    help="Form Collaborative Learning Network teams from a practitioner survey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True)


class Exit(Exception):
    """Leave the command with an exit code after printing ``message`` to stderr."""

    def __init__(self, code: int, message: str = ""):
        self.code, self.message = code, message


@contextmanager
def _errors() -> Iterator[None]:
    """Map every error to its contract exit code and a message, never a traceback."""
    try:
        yield
    except Exit as exc:
        if exc.message:
            err_console.print(exc.message, markup=False, highlight=False)
        raise typer.Exit(exc.code) from None
    except InvalidInputError as exc:
        err_console.print(f"Invalid input. {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    except (InvalidParameterError, ValidationError) as exc:
        err_console.print(
            f"Invalid setting: {_validation_text(exc)}", markup=False, highlight=False
        )
        raise typer.Exit(EXIT_INVALID) from None
    except InfeasibleError as exc:
        err_console.print(f"The rules cannot all be met.\n{exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except ClnmatchError as exc:
        err_console.print(f"Error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    except typer.Exit:
        raise
    except Exception as exc:  # the contract promises exit 1, not a traceback
        if os.environ.get("CLNMATCH_DEBUG"):
            raise
        err_console.print(
            f"Unexpected error ({type(exc).__name__}): {exc}\n"
            "Set CLNMATCH_DEBUG=1 to see the traceback.",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(EXIT_ERROR) from None


def _validation_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "rules"
            parts.append(f"'{field}' {error['msg']} (got {error.get('input')!r})")
        return "; ".join(parts)
    return str(exc)


# ------------------------------------------------------------------- shared options
Teams = Annotated[int | None, typer.Option("--teams", help="Teams per cohort (default 8).")]
MaxParticipants = Annotated[
    int | None,
    typer.Option("--max-participants", help="Participants per cohort at most (default 100)."),
]
MinSectors = Annotated[
    int | None,
    typer.Option("--min-sectors", help="Distinct sectors per team at least (default 2)."),
]
MinAuthorities = Annotated[
    int | None,
    typer.Option("--min-authorities", help="Distinct authorities per team at least (default 3)."),
]
MaxShare = Annotated[
    float | None,
    typer.Option(
        "--max-authority-share",
        help="Largest share of a team's establishments from one authority (default 0.5).",
    ),
]
PerFacilitator = Annotated[
    int | None,
    typer.Option(
        "--schools-per-facilitator",
        help="Establishments one facilitator supports at most (default 10).",
    ),
]
MaxTeamsPerTheme = Annotated[
    int | None,
    typer.Option(
        "--max-teams-per-theme", help="Teams that may share one focus theme (default: any)."
    ),
]
SizeTolerance = Annotated[
    int | None,
    typer.Option(
        "--size-tolerance",
        help="A team's participants within +- this of participants/teams (default 2).",
    ),
]
RulesFile = Annotated[
    Path | None,
    typer.Option("--rules", help="TOML file with rule settings (snake_case names).", exists=False),
]
FacilitatorsFile = Annotated[
    Path | None, typer.Option("--facilitators", help="Facilitators table (CSV or .xlsx).")
]
Sheet = Annotated[
    str | None, typer.Option("--sheet", help="Worksheet of an .xlsx survey (default: the first).")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]


RULE_FLAGS = (
    "teams",
    "max_participants",
    "min_sectors",
    "min_authorities",
    "max_authority_share",
    "schools_per_facilitator",
    "size_tolerance",
    "max_teams_per_theme",
)


def _rules(rules_file: Path | None, params: dict[str, Any]) -> Rules:
    """Rules from an optional TOML file, overridden by the rule flags a command was given."""
    flags = {name: params.get(name) for name in RULE_FLAGS}
    if rules_file is not None:
        return Rules.from_toml(rules_file, **flags)
    return Rules(**{k: v for k, v in flags.items() if v is not None})


def _read(
    survey: Path, facilitators: Path | None, sheet: str | None = None, *, warn: int | None = 10
) -> Cohort:
    """Read the survey; print up to ``warn`` of the reader's warnings (None: all, 0: none)."""
    from clnmatch.io.survey import read_survey

    reading = read_survey(survey, facilitators=facilitators, sheet=sheet)
    shown = reading.warnings if warn is None else reading.warnings[:warn]
    for problem in shown:
        err_console.print(f"warning: {problem}", markup=False, highlight=False)
    if warn != 0 and len(shown) < len(reading.warnings):
        err_console.print(
            f"... and {len(reading.warnings) - len(shown)} more warnings (see `clnmatch inspect`)"
        )
    return reading.cohort


def _interactive(quiet: bool, json_out: bool) -> bool:
    return not quiet and not json_out and err_console.is_terminal


# ------------------------------------------------------------------- solve / demo
def _progress_display(enabled: bool) -> tuple[Callable[[Any], None] | None, Callable[[], None]]:
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
    time_limit: float,
    seed: int,
    quiet: bool,
    json_out: bool,
    pseudonymise: bool,
) -> None:
    from clnmatch.io.outputs import write_result
    from clnmatch.result import Status
    from clnmatch.solve import solve

    progress, stop = _progress_display(_interactive(quiet, json_out))
    try:
        result = solve(
            cohort,
            rules,
            objective=objective,
            strategy=strategy,
            time_limit=time_limit,
            seed=seed,
            progress=progress,
        )
    finally:
        stop()
    if result.status == Status.INFEASIBLE:
        message = result.diagnosis.message() if result.diagnosis is not None else "no diagnosis"
        if json_out:
            out_console.print_json(json.dumps(result.summary()))
        raise Exit(EXIT_INFEASIBLE, message)
    if not result.feasible:
        raise Exit(EXIT_ERROR, "No rule-abiding assignment was found. " + " ".join(result.notes))
    written = write_result(result, out, pseudonymise=pseudonymise)
    if json_out:
        out_console.print_json(json.dumps(result.summary()))
        return
    if not quiet:
        _print_result(result, written)


def _print_result(result: Any, written: list[Path]) -> None:
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
    out_console.print(_quality_sentence(result))
    out_console.print("Wrote " + ", ".join(str(p) for p in written))


def _quality_sentence(result: Any) -> str:
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
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 30.0,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same answer.")] = 0,
    sheet: Sheet = None,
    pseudonymise: Annotated[
        bool, typer.Option("--pseudonymise", help="Replace names and emails in every output.")
    ] = False,
    quiet: Quiet = False,
    json_out: JsonOut = False,
) -> None:
    """Match a survey into teams and write the rosters and report.

    Example: clnmatch solve survey.csv --facilitators facilitators.csv --out teams/
    """
    with _errors():
        rules = _rules(rules_file, locals())
        cohort = _read(survey, facilitators, sheet, warn=0 if quiet or json_out else 10)
        _run_solve(
            cohort,
            rules,
            out,
            objective=objective,
            strategy=strategy,
            time_limit=time_limit,
            seed=seed,
            quiet=quiet,
            json_out=json_out,
            pseudonymise=pseudonymise,
        )


def sample_paths() -> tuple[Path, Path]:
    """The bundled sample survey and facilitators table."""
    data = resources.files("clnmatch") / "data"
    return Path(str(data / "sample_survey.csv")), Path(str(data / "sample_facilitators.csv"))


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")] = Path(
        "clnmatch-demo"
    ),
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 20.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    quiet: Quiet = False,
    json_out: JsonOut = False,
) -> None:
    """Match the bundled sample cohort (about 50 schools, 100 practitioners); no input needed.

    Example: clnmatch demo --out demo/
    """
    with _errors():
        survey, facilitators = sample_paths()
        cohort = _read(survey, facilitators, warn=0)
        _run_solve(
            cohort,
            Rules(),
            out,
            objective="blend",
            strategy="auto",
            time_limit=time_limit,
            seed=seed,
            quiet=quiet,
            json_out=json_out,
            pseudonymise=False,
        )


# ------------------------------------------------------------------- check
@app.command()
def check(
    survey: Annotated[Path, typer.Argument(help="Survey export (CSV or .xlsx).")],
    teams_csv: Annotated[
        Path, typer.Argument(help="An assignment: teams.csv with practitioner_id and team.")
    ],
    facilitators: FacilitatorsFile = None,
    links: Annotated[
        Path | None, typer.Option("--links", help="facilitators.csv with facilitator_id and team.")
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
    json_out: JsonOut = False,
) -> None:
    """Check an existing (perhaps hand-edited) assignment and list every breach.

    Exit 0 when no rule is broken, 4 when at least one is.
    Example: clnmatch check survey.csv out/teams.csv --links out/facilitators.csv
    """
    from clnmatch.evaluate import check as check_assignment
    from clnmatch.io.assignment import read_assignment, read_links

    with _errors():
        rules = _rules(rules_file, locals())
        cohort = _read(survey, facilitators, sheet, warn=0 if json_out else 10)
        table = read_assignment(teams_csv, themes=cohort.themes)
        link_list = read_links(links) if links is not None else None
        evaluation = check_assignment(
            cohort, rules, table.teams, link_list, team_focus=table.focus or None
        )
        if json_out:
            out_console.print_json(
                json.dumps(
                    {
                        "breaches": [b.to_dict() for b in evaluation.breaches],
                        "objective": evaluation.objective,
                        "focus_points": evaluation.focus_points,
                        "cohesion": evaluation.cohesion,
                    }
                )
            )
        else:
            for b in evaluation.breaches:
                where = f"team {b.team}" if b.team is not None else (b.subject or "cohort")
                out_console.print(
                    f"BREACH {b.rule} [{where}]: {b.message}", markup=False, highlight=False
                )
            out_console.print(evaluation.summary_line())
        if not evaluation.feasible:
            raise Exit(EXIT_BREACH)


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
    json_out: JsonOut = False,
) -> None:
    """Summarise a survey before matching: counts, themes, facilitators, warnings.

    Example: clnmatch inspect survey.xlsx --sheet Responses
    """
    from clnmatch.cohort_summary import summarise

    with _errors():
        rules = _rules(rules_file, locals())
        cohort = _read(survey, facilitators, sheet, warn=0 if json_out else None)
        summary = summarise(cohort, rules)
        if json_out:
            out_console.print_json(json.dumps(summary.to_dict()))
            return
        out_console.print(
            f"[bold]{summary.participants}[/] participants from "
            f"[bold]{summary.establishments}[/] establishments"
        )
        table = Table(title="By authority")
        sectors = list(summary.by_sector)
        for column in ("authority", "establishments", "participants", *sectors):
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
            out_console.print(f"[yellow]warning[/]: {warning}", highlight=False)
        for conflict in summary.conflicts:
            out_console.print(f"[red]cannot match[/]: {conflict}", highlight=False)


# ------------------------------------------------------------------- generate
@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Survey file to write (.csv or .xlsx).")],
    establishments: Annotated[
        int, typer.Option("--establishments", help="Establishments in the cohort.")
    ] = 50,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    facilitators_out: Annotated[
        Path | None,
        typer.Option(
            "--facilitators-out",
            help="Where to write the facilitators table (default: beside the survey).",
        ),
    ] = None,
) -> None:
    """Write a synthetic cohort shaped like the West Partnership.

    Example: clnmatch generate --establishments 50 --seed 7 --out survey.csv
    """
    from clnmatch.generate import generate_cohort
    from clnmatch.io.facilitators import write_facilitators
    from clnmatch.io.survey import write_survey

    with _errors():
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise Exit(EXIT_INVALID, f"--out must end in .csv or .xlsx; got {out.name}")
        if establishments < 1:
            raise Exit(EXIT_INVALID, f"--establishments must be >= 1; got {establishments}")
        cohort = generate_cohort(establishments, seed=seed)
        write_survey(cohort, out)
        fac_path = facilitators_out or out.with_name(f"{out.stem}_facilitators{out.suffix}")
        write_facilitators(cohort.facilitators, fac_path, cohort.themes)
        out_console.print(
            f"Wrote {out} ({cohort.n_participants} practitioners, "
            f"{len(cohort.establishments)} establishments) and {fac_path} "
            f"({len(cohort.facilitators)} facilitators)"
        )


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
    pseudonymise: Annotated[
        bool, typer.Option("--pseudonymise", help="Replace names and emails in every output.")
    ] = False,
    quiet: Quiet = False,
    json_out: JsonOut = False,
) -> None:
    """Re-match after withdrawals and late additions, moving as few establishments as possible.

    Example: clnmatch rematch survey.csv out/teams.csv --withdraw GC-PS-014 --add late.csv --out out2/
    """
    from clnmatch.io.outputs import write_result
    from clnmatch.rematch import load_previous, rematch_teams
    from clnmatch.result import Status

    with _errors():
        rules = _rules(rules_file, locals())
        cohort = _read(survey, facilitators, warn=0 if quiet or json_out else 10)
        previous = load_previous(cohort, teams_csv)
        added = _read(add, None, warn=0 if quiet or json_out else 10) if add is not None else None
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
            result, out, pseudonymise=pseudonymise, extra_tables={"moves.csv": result.moves_frame()}
        )
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
            _print_result(result, written)


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
    pseudonymise: Annotated[
        bool, typer.Option("--pseudonymise", help="Replace names and emails.")
    ] = False,
) -> None:
    """Rebuild report.html and teams.xlsx from a saved result (e.g. after hand edits).

    Example: clnmatch report out/ --survey survey.csv --facilitators facilitators.csv
    """
    from clnmatch.io.outputs import rebuild_result, write_report_files

    with _errors():
        cohort = _read(survey, facilitators, warn=0)
        result = rebuild_result(cohort, result_dir)
        written = write_report_files(result, out or result_dir, pseudonymise=pseudonymise)
        out_console.print("Wrote " + ", ".join(str(p) for p in written))
        if result.evaluation is not None and not result.evaluation.feasible:
            err_console.print(
                f"Note: the saved assignment breaks rules: {result.evaluation.summary_line()}",
                markup=False,
                highlight=False,
            )


@app.command()
def mdgp(
    instance: Annotated[Path, typer.Argument(help="An MDGPLIB (or CCPLIB) instance file.")],
    strategy: Annotated[
        str, typer.Option("--strategy", help="A strategy name (see `clnmatch strategies`).")
    ] = "local_search",
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 3.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the assignment as 'element group' lines (0-based)."),
    ] = None,
) -> None:
    """Solve one research grouping instance; print one JSON object.

    Maximises the within-group sum of weights under per-group size bounds.
    Example: clnmatch mdgp RanReal_n120_ss_01.txt --time-limit 3 --seed 1 --out sol.txt
    """
    import time

    from clnmatch.evaluate import evaluate
    from clnmatch.problem import SCALE
    from clnmatch.research import read_instance, write_solution
    from clnmatch.solve import validate_parameters
    from clnmatch.strategies import Budget, get_strategy, prepare

    with _errors():
        validate_parameters("blend", strategy, time_limit, seed)
        problem = read_instance(instance)
        runner = get_strategy(strategy)
        prepare(runner)  # one-off compilation, outside the time limit
        started = time.perf_counter()
        proposal = runner.run(problem, Budget(time_limit=time_limit, seed=seed, started=started))
        runtime = time.perf_counter() - started
        if proposal.unit_team is None:
            code = EXIT_INFEASIBLE if proposal.proven_infeasible else EXIT_ERROR
            raise Exit(code, f"{strategy} found no feasible grouping within {time_limit:g} s")
        evaluation = evaluate(problem, proposal.unit_team)
        if not evaluation.feasible:
            raise Exit(
                EXIT_ERROR,
                f"{strategy} returned a grouping that breaks: {evaluation.summary_line()}",
            )
        bound = None if proposal.bound_milli is None else proposal.bound_milli / SCALE
        if out is not None:
            write_solution(out, proposal.unit_team)
        print(
            json.dumps(
                {
                    "instance": problem.name,
                    "objective": evaluation.objective,
                    "bound": bound,
                    "runtime_s": round(runtime, 3),
                    "strategy": strategy,
                    "seed": seed,
                    "n": problem.n_units,
                    "groups": problem.n_teams,
                }
            )
        )


@app.command(
    context_settings={
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        "help_option_names": [],
    }
)
def bench(ctx: typer.Context) -> None:
    """Benchmark strategies and peers over instance sets (see benchmarks/README.md).

    Example: clnmatch bench --sets cln,mdgp --strategies greedy,local_search --seeds 0,1,2 --out bench-out
    """
    from clnmatch.research.harness import run_bench

    raise typer.Exit(run_bench(ctx.args, prog="clnmatch bench"))


@app.command()
def strategies() -> None:
    """List the matching strategies."""
    from clnmatch.strategies import available_strategies

    for name in available_strategies():
        out_console.print(name)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
