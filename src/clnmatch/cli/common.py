"""The ``clnmatch`` Typer app, its exit codes, and what every command shares.

Exit codes: 0 done; 4 ``check`` found a breach; 2 invalid input; 3 the rules cannot all
be met; 1 anything else. Nothing is written to --out unless the run succeeds.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from typer.core import TyperGroup
from typer.exceptions import TyperException

from clnmatch.errors import ClnmatchError, InfeasibleError, InvalidInputError, InvalidParameterError
from clnmatch.interrupt import STOPPED, WRITTEN, stopped_message
from clnmatch.models import Cohort, Rules
from clnmatch.time_budget import Deadline

if TYPE_CHECKING:  # the readers (pandas) load when a command reads, not for --help
    from clnmatch.io.mapping import SurveyMapping

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_INFEASIBLE, EXIT_BREACH = 0, 1, 2, 3, 4


class _Commands(TyperGroup):
    """The commands; with --json, a command line that cannot be read (an option's value
    of the wrong kind, a required option missing) is answered in JSON too, as every
    other failure is, before click's usage message and its exit code 2."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context
        given = [*getattr(ctx, "_protected_args", ()), *ctx.args]
        try:
            return super().invoke(ctx)
        except TyperException as exc:  # click's usage errors (typer carries its own click)
            if "--json" in given and getattr(exc, "exit_code", None) == EXIT_INVALID:
                answer = {
                    "status": "error",
                    "exit_code": EXIT_INVALID,
                    "error": "invalid_setting",
                    "message": exc.format_message(),  # type: ignore[attr-defined]
                }
                out_console.print_json(json.dumps(answer))
            raise


app = typer.Typer(
    cls=_Commands,
    name="clnmatch",
    help="Form Collaborative Learning Network teams from a practitioner survey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True)


def _show_switches_without_a_type() -> None:
    """Typer 0.2x shows an on/off switch as '--quiet <bool>', as if it took a value: a
    switch shows no type (every other option's help is Typer's own)."""
    option = getattr(getattr(typer, "core", None), "TyperOption", None)
    shown = getattr(option, "display_type_rich", None)
    if option is None or shown is None:
        return

    def display_type_rich(self: Any, ctx: Any) -> Any:
        return None if getattr(self, "is_flag", False) else shown(self, ctx)

    option.display_type_rich = display_type_rich


_show_switches_without_a_type()


def _print_version(value: bool) -> None:
    if value:
        from clnmatch.version import __version__

        out_console.print(f"clnmatch {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version of clnmatch and exit.",
        ),
    ] = False,
) -> None:
    """Form Collaborative Learning Network teams from a practitioner survey."""
    # a console or file that cannot show a character (Windows' cp1252 and "≥" in a theme
    # name) shows "?" for it rather than failing the command after its work is done
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


class Exit(Exception):
    """Leave the command with an exit code after printing ``message`` to stderr;
    ``answered``: a --json answer was printed already."""

    def __init__(self, code: int, message: str = "", answered: bool = False):
        self.code, self.message, self.answered = code, message, answered


_STOP_SAID: list[bool] = []  # exit_codes said why it stopped (main says it otherwise)


def stop_said() -> None:
    """Note that the command said why it stopped (main then adds nothing)."""
    _STOP_SAID.append(True)


def say_stopped_unless_said() -> None:
    """Say the run stopped, where Ctrl+C came before a command's own handling (while the
    command line started: typer ends such a run with 130 and no word)."""
    if not _STOP_SAID:
        err_console.print(stopped_message(), markup=False, highlight=False)


@contextmanager
def exit_codes(json_out: bool = False, stopped: str = STOPPED) -> Iterator[None]:
    """Map every error to its contract exit code and a message, never a traceback.

    With ``json_out`` (a command's --json) the failure is also one JSON object on stdout
    (``status`` "error", ``exit_code``, ``error`` and ``message``; ``problems`` for
    invalid input), so a script reads every outcome from stdout alone."""
    WRITTEN.clear()  # this command's outputs only (tests run many in one process)
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:  # Ctrl+C: said, as every other ending is (outputs are staged)
        if stopped == STOPPED:  # a command's own words (the event's) stay
            stopped = stopped_message()
        err_console.print(stopped, markup=False, highlight=False)
        _STOP_SAID.append(True)
        if json_out:
            interrupted = {
                "status": "error",
                "exit_code": 130,
                "error": "interrupted",
                "message": stopped,
            }
            out_console.print_json(json.dumps(interrupted))
        raise typer.Exit(130) from None
    except Exception as exc:
        if os.environ.get("CLNMATCH_DEBUG") and not isinstance(exc, ClnmatchError | Exit):
            raise
        code, kind, text = _failure(exc)
        if text:  # unwrapped, so that a file's path in it is copied whole
            err_console.print(text, markup=False, highlight=False, soft_wrap=True)
        if json_out and not (isinstance(exc, Exit) and exc.answered):
            answer: dict[str, Any] = {
                "status": "error",
                "exit_code": code,
                "error": kind,
                "message": text,
            }
            if isinstance(exc, InvalidInputError):
                answer["problems"] = [
                    {k: v for k, v in vars(p).items() if v is not None} for p in exc.problems
                ]
            out_console.print_json(json.dumps(answer))
        raise typer.Exit(code) from None


def print_infeasible(summary: dict[str, Any]) -> None:
    """--json's answer when the rules cannot all be met: the summary (its status and
    diagnosis) with the ``exit_code`` and ``error`` every failing answer carries."""
    diagnosis = summary.get("diagnosis")
    if isinstance(diagnosis, dict):  # what to try, in the command line's words (its flags)
        conflicts = [
            {**c, "message": as_flags(c["message"]), "suggestion": as_flags(c["suggestion"])}
            for c in diagnosis.get("conflicts", [])
        ]
        said = as_flags(diagnosis.get("message", ""))
        summary = {**summary, "diagnosis": {**diagnosis, "conflicts": conflicts, "message": said}}
    out_console.print_json(
        json.dumps({**summary, "exit_code": EXIT_INFEASIBLE, "error": "infeasible"})
    )


_PATH_ERRNOS = {
    errno.EACCES, errno.EEXIST, errno.EISDIR, errno.ENOTDIR, errno.EPERM, errno.EROFS,
}  # fmt: skip
# outputs are staged and moved into place whole (clnmatch.io.safe): a failure changes none
_PATH_HINT = "Nothing was written or changed."
_EXIT_KINDS = {EXIT_INVALID: "invalid_input", EXIT_INFEASIBLE: "infeasible", EXIT_BREACH: "breach"}


def _failure(exc: Exception) -> tuple[int, str, str]:
    """The exit code, kind and message of a command's failure (contract section 4)."""
    if isinstance(exc, Exit):
        kind = _EXIT_KINDS.get(exc.code, "error")
        return exc.code, kind, as_flags(exc.message) if exc.message else ""
    if isinstance(exc, InvalidInputError):
        # a repeated id may be an email: the row numbers find it, the terminal needs no more
        return EXIT_INVALID, "invalid_input", masked(f"Invalid input. {exc}")
    if isinstance(exc, InvalidParameterError | ValidationError):
        return EXIT_INVALID, "invalid_setting", f"Invalid setting: {as_flags(validation_text(exc))}"
    if isinstance(exc, InfeasibleError):
        return EXIT_INFEASIBLE, "infeasible", f"The rules cannot all be met.\n{as_flags(str(exc))}"
    if isinstance(exc, ClnmatchError):
        return EXIT_ERROR, "error", f"Error: {exc}"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return EXIT_ERROR, "error", f"Error: the disk is full ({exc.strerror}). {_PATH_HINT}"
    if isinstance(exc, OSError) and exc.filename is not None:
        # a path the user named that cannot be used (a file where a folder should be, a
        # read-only folder, a locked file); outputs move into place all or none
        from clnmatch.io.safe import path_for_user

        named = path_for_user(exc.filename2 or exc.filename)  # the output, not its staging copy
        where = f"cannot use {named!r}: {exc.strerror or exc}"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            where += " (is it read-only, locked, or open in another program?)"
        if exc.errno in _PATH_ERRNOS:
            return EXIT_INVALID, "invalid_setting", f"Invalid setting: {where}. {_PATH_HINT}"
        return EXIT_ERROR, "error", f"Error: {where}. {_PATH_HINT}"
    # the contract promises exit 1, not a traceback
    return (
        EXIT_ERROR,
        "unexpected",
        f"Unexpected error ({type(exc).__name__}): {exc}\nSet CLNMATCH_DEBUG=1 to see the traceback.",
    )


# library messages name parameters; on the command line they are flags
_PARAMETERS = (
    "teams",
    "max_participants",
    "min_sectors",
    "min_authorities",
    "max_authority_share",
    "schools_per_facilitator",
    "size_tolerance",
    "max_teams_per_theme",
    "time_limit",
    "bound_time",
    "seed",
    "rounds",
    "room_size",
    "rooms",
    "max_per_authority",
    "strategy",
    "objective",
    "drop",
    "withdrawn",
)
_FLAG_OF = {"withdrawn": "withdraw"}  # a parameter whose option has another name
_SUGGESTED = re.compile(
    rf"\b(raise|lower|change|longer|set) ({'|'.join(_PARAMETERS)})\b|'({'|'.join(_PARAMETERS)})'"
)
# "The '--rounds' parameter of BreakoutRules": on the command line, an option
_OWNER = re.compile(r"('--[a-z-]+') parameter of (?:clnmatch )?[\w.]+")


_EMAIL = re.compile(r"([^\s'\"(\[@])[^\s'\"(\[@]*(@[\w-]+(?:\.[\w-]+)+)")


def masked(text: str) -> str:
    """Emails cut to their first letter and domain ("s…@school1.sch.uk"): ids are often
    emails, and a terminal line needs only enough to find the person."""
    return _EMAIL.sub("\\1…\\2", text)


def as_flags(text: str) -> str:
    """A library message as the command line says it: parameters named by their flags."""

    def flag(match: re.Match[str]) -> str:
        if match.group(3):
            return f"'--{_FLAG_OF.get(match.group(3), match.group(3)).replace('_', '-')}'"
        return f"{match.group(1)} --{match.group(2).replace('_', '-')}"

    text = text.replace(", 'blend' or an ObjectiveWeights", " or 'blend'")  # not a flag's value
    return _OWNER.sub(r"\1 option", _SUGGESTED.sub(flag, text))


def validation_text(exc: Exception) -> str:
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
MapFile = Annotated[
    Path | None,
    typer.Option(
        "--map",
        help="TOML mapping of a survey export's own headers and words (draft one with "
        "`clnmatch map`).",
    ),
]
Title = Annotated[
    str | None,
    typer.Option(
        "--title",
        help="The cohort's name, e.g. 'CLN cohort 3, 2025-26': heads the report, workbook "
        "and handouts (default: 'Collaborative learning teams').",
    ),
]
Contact = Annotated[
    str | None,
    typer.Option(
        "--contact",
        help="Whom teams ask with questions (name, e-mail or phone): printed on the "
        "handouts and in mailmerge.csv.",
    ),
]
Pseudonymise = Annotated[
    bool,
    typer.Option(
        "--pseudonymise",
        help="Replace names, e-mails, job titles and practitioner and facilitator ids in every output.",
    ),
]
PseudonymKeyFile = Annotated[
    Path | None,
    typer.Option(
        "--pseudonym-key",
        help="With --pseudonymise: a key file (made when missing; keep it outside --out) "
        "that gives the same pseudonyms in every run.",
    ),
]
Pdf = Annotated[
    bool,
    typer.Option("--pdf/--no-pdf", help="Print handouts.pdf with Chromium when it is installed."),
]
TimeLimit = Annotated[
    float,
    typer.Option(
        "--time-limit",
        help="Seconds for the whole call: reading the survey, matching and writing every "
        "output. The match gets what writing leaves; explanations and handouts.pdf are "
        "left out (and the report says so) when no time is left for them.",
    ),
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


def rules_from(rules_file: Path | None, params: dict[str, Any], saved: object = None) -> Rules:
    """Rules from an optional TOML file, overridden by the rule flags a command was given.

    ``saved``: the rules a previous result was made with (its summary.json's ``rules``),
    which a re-match or an event started from it keeps: the flags override them, a
    --rules file replaces them."""
    flags = {name: params.get(name) for name in RULE_FLAGS}
    if rules_file is not None:
        return Rules.from_toml(rules_file, **flags)
    given = {k: v for k, v in flags.items() if v is not None}
    if isinstance(saved, dict):
        return Rules.model_validate({**saved, **given})
    return Rules(**given)


def check_out_file(out: Path | None, command: str, inputs: Iterable[Path]) -> None:
    """Refuse, before any work, an --out that is not a file to write in a folder that
    exists, or that is one of the command's inputs (it would be replaced)."""
    if out is None:
        return
    from clnmatch.io.safe import output_folder_problem

    if out.is_dir() or not out.absolute().parent.is_dir():
        raise InvalidParameterError(
            f"The '--out' option of {command} names a file to write, such as solution.txt, "
            f"in a folder that exists. Got {str(out)!r} instead."
        )
    problem = output_folder_problem(out.absolute().parent)  # a read-only folder: before the search
    if problem is not None:
        raise InvalidParameterError(
            f"The '--out' option of {command} names a file in {out.absolute().parent}, which "
            f"{problem}. Give a folder you can write to."
        )
    for path in inputs:
        if out.exists() and path.exists() and out.samefile(path):
            raise InvalidParameterError(
                f"The '--out' option of {command} names its input {str(path)!r}, which "
                "writing would replace: name another file."
            )


def saved_summary(folder: Path) -> dict[str, Any]:
    """A result folder's summary.json ({} when it has none; unreadable: an input error)."""
    from clnmatch.io.outputs import read_summary

    return read_summary(folder) if (folder / "summary.json").exists() else {}


def result_mapping(
    map_file: Path | None, folder: Path, *, quiet: bool = False
) -> tuple[Path | SurveyMapping | None, dict[str, str] | None]:
    """The mapping to read a result's survey with, and to keep in its next result: --map,
    else the one the result in ``folder`` was made with (said, unless ``quiet``)."""
    from clnmatch.io.mapping import SurveyMapping, mapping_to_keep
    from clnmatch.io.outputs import SURVEY_MAPPING

    if map_file is not None:
        return map_file, mapping_to_keep(map_file)
    kept = saved_summary(folder).get(SURVEY_MAPPING)
    if not (isinstance(kept, dict) and isinstance(kept.get("toml"), str)):
        return None, None
    where = f"{folder / 'summary.json'} (a copy of {kept.get('file') or 'its --map'})"
    mapping = SurveyMapping.from_toml_text(kept["toml"], where)
    if not quiet:
        err_console.print(
            f"note: reading the survey with the mapping the result was made with, kept in "
            f"{where}; --map gives another",
            markup=False,
            highlight=False,
        )
    return mapping, {str(k): str(v) for k, v in kept.items()}


def read_cohort_for_cli(
    survey: Path,
    facilitators: Path | None,
    sheet: str | None = None,
    *,
    warn: int | None = 10,
    mapping: Path | SurveyMapping | None = None,
    row_id_prefix: str = "R",
    warnings: list[str] | None = None,
) -> Cohort:
    """Read the survey; print up to ``warn`` of the reader's warnings (None: all, 0: none).

    ``mapping``: the --map file (or a mapping already loaded), for an export's own
    headers and words. ``warnings``: a list that receives every warning, printed or not
    (for a --json answer).
    """
    from clnmatch.io.survey import read_survey

    reading = read_survey(
        survey, facilitators=facilitators, sheet=sheet, mapping=mapping, row_id_prefix=row_id_prefix
    )
    if warnings is not None:
        warnings.extend(str(problem) for problem in reading.warnings)
    shown = reading.warnings if warn is None else reading.warnings[:warn]
    for problem in shown:
        err_console.print(f"warning: {problem}", markup=False, highlight=False)
    if warn != 0 and len(shown) < len(reading.warnings):
        err_console.print(
            f"... and {len(reading.warnings) - len(shown)} more warnings (see `clnmatch inspect`)"
        )
    return reading.cohort


OVERRUN_SLACK = 1.1  # a run this far past its limit is said to have overrun it


def overrun_note(clock: Deadline, spent: str) -> str | None:
    """What to say when the whole run ended past its --time-limit (None: it did not);
    ``spent``: where the time went, in words."""
    if clock.limit is None:
        return None
    took, allowed = clock.elapsed(), clock.limit + clock.extended
    if took <= OVERRUN_SLACK * allowed:
        return None
    return (
        f"note: the run took {took:.1f} s, past --time-limit {clock.limit:g} ({spent}). A "
        f"--time-limit of {math.ceil(1.5 * took)} s or more leaves room for it."
    )


def match_spent(match_s: float) -> str:
    """Where a match's run went, for ``overrun_note``."""
    return (
        f"the match {match_s:.1f} s; reading the survey and writing the outputs the rest: "
        "the machine was busy, or the cohort is large for the limit"
    )


def start_clock(time_limit: float, command: str) -> Deadline:
    """The command's clock: its time limit covers everything from here on."""
    clock = Deadline.after(time_limit)  # first: importing the solver (0.5-2 s) counts too
    from clnmatch.solve import check_time_limit

    check_time_limit(time_limit, command)
    return clock


def match_seconds(clock: Deadline, cohort: Cohort, rules: Rules, pdf: bool, quiet: bool) -> float:
    """The match's share of what is left of the command's time limit.

    The compiled kernels are loaded first (counted: well under a second). Where
    ``pip install`` could not compile them (``clnmatch.precompile``) this run compiles
    them once, 20-60 s that no time limit could pay for: the deadline moves by that much
    and a note says so. Then the outputs' estimated cost is set aside
    (``clnmatch.time_budget.plan_call``).
    """
    from clnmatch.precompile import load_kernels
    from clnmatch.report.handouts import find_chromium
    from clnmatch.report.many_teams import explains_size
    from clnmatch.time_budget import OutputCosts, plan_call

    kernels = load_kernels(rooms=False)
    if kernels.compiled:
        clock.extend(kernels.seconds)
        if not quiet:
            err_console.print(
                f"note: compiled the search kernels ({kernels.seconds:.0f} s, once: later "
                "runs load them); not counted in --time-limit",
                markup=False,
                highlight=False,
            )
    costs = OutputCosts.estimate(
        establishments=len(cohort.establishments),
        participants=cohort.n_participants,
        teams=rules.teams,
        explain=explains_size(len(cohort.establishments), rules.teams),
        pdf=pdf and find_chromium() is not None,
        slowdown=clock.pace.slowdown(),  # how busy the machine was while reading
    )
    return plan_call(clock.remaining(), costs).match_s


def interactive(quiet: bool, json_out: bool) -> bool:
    return not quiet and not json_out and err_console.is_terminal


def sample_paths() -> tuple[Path, Path]:
    """The bundled sample survey and facilitators table."""
    data = resources.files("clnmatch") / "data"
    return Path(str(data / "sample_survey.csv")), Path(str(data / "sample_facilitators.csv"))


def check_outputs(
    out: Path,
    names: Iterable[str],
    inputs: dict[str, Path | None],
    *,
    pseudonymise: bool = False,
    pseudonym_key: Path | None = None,
) -> None:
    """Refuse, before any work, an --out that cannot take the outputs or would replace an input.

    Exit 2 naming --out when it is a file or cannot be written, naming both the output
    folder and the input when an output would replace an input file, and when a
    --pseudonym-key is misused.
    """
    from clnmatch.io.safe import output_folder_problem, overwrite_conflicts

    problem = output_folder_problem(out)
    if problem is not None:
        raise Exit(EXIT_INVALID, f"Invalid --out: {out} {problem}. Give a folder you can write to.")
    conflicts = overwrite_conflicts(out, tuple(names), inputs)
    if conflicts:
        raise Exit(
            EXIT_INVALID,
            "Refused: " + "; ".join(conflicts) + ". Choose another --out folder: "
            "clnmatch never writes over its inputs or your edits.",
        )
    if pseudonym_key is not None:
        if not pseudonymise:
            raise Exit(EXIT_INVALID, "--pseudonym-key needs --pseudonymise.")
        from clnmatch.report.pseudonymise import key_inside

        key = pseudonym_key.absolute()
        if key_inside(key, out):
            raise Exit(
                EXIT_INVALID,
                f"--pseudonym-key {pseudonym_key} is inside --out {out}: keep the key apart "
                "from the outputs you share (whoever has both can re-identify people).",
            )
        if key.is_dir():
            raise Exit(EXIT_INVALID, f"--pseudonym-key {pseudonym_key} is a folder; name a file.")


def print_written(written: Any) -> None:
    """The notes of ``write_result`` (e.g. no PDF without Chromium), on stderr."""
    for note in getattr(written, "notes", ()):
        err_console.print(f"note: {note}", markup=False, highlight=False)


def print_wrote(written: Iterable[Path]) -> None:
    """The files written, each path whole (unwrapped, so that it is copied whole)."""
    out_console.print(
        "Wrote " + ", ".join(str(p) for p in written), markup=False, highlight=False, soft_wrap=True
    )
