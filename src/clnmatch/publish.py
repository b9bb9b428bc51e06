"""Publish a result: every output file, whole or not at all.

The contract's files (teams.csv, facilitators.csv, summary.json, teams.xlsx, report.html)
and the rosters (mailmerge.csv, handouts.html, and handouts.pdf when Chromium is
installed) are written into a hidden staging folder and moved into ``--out`` together
(``clnmatch.io.safe.staged_output_dir``). Under a ``deadline`` (the command line's time
limit, ``clnmatch.time_budget``) the optional parts, the report's explanations and then
handouts.pdf, are written only when the time left allows, each with a hard stop; what is
left out is named with why in the notes, in summary.json (``left_out``) and in the
report. No output may replace an input: a folder
whose outputs would overwrite the survey (or any file the caller names) is refused
before anything is written. This module orchestrates the table writers
(``clnmatch.io.outputs``) and the report (``clnmatch.report``), which know nothing of
each other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from clnmatch.errors import InvalidParameterError
from clnmatch.explain import ExplainTimeout, Explanation, explain
from clnmatch.finish import result_from_assignment
from clnmatch.generate.schools import schools_data_source
from clnmatch.io.assignment import match_to_survey
from clnmatch.io.digests import CHECKED_TABLES, DIGESTS, EDITABLE, checked_digests, table_digest
from clnmatch.io.outputs import (
    DAY_OF_FILES,
    PDF_FILE,
    PSEUDONYMISED,
    SURVEY_MAPPING,
    facilitators_frame,
    output_names,
    read_saved,
    read_summary,
    teams_frame,
)
from clnmatch.io.safe import (
    atomic_write_text,
    refuse_overwriting,
    staged_output_dir,
    write_csv,
)
from clnmatch.models import Cohort
from clnmatch.report.handouts import find_chromium, pdf_timeout, print_to_pdf, render_handouts
from clnmatch.report.html import render_report
from clnmatch.report.mailmerge import mailmerge_frame
from clnmatch.report.many_teams import explains
from clnmatch.report.pseudonymise import PseudonymKey, key_inside, pseudonym_ids
from clnmatch.report.pseudonymise import pseudonymise as anonymise
from clnmatch.report.views import Heading
from clnmatch.report.words import DEFAULT_TITLE
from clnmatch.report.workbook import write_workbook
from clnmatch.result import Result
from clnmatch.time_budget import EXPLANATIONS, PDF, Deadline, OutputCosts, left_out_reason
from clnmatch.trace import TracePoint

__all__ = [
    "WrittenFiles",
    "headed_summary",
    "read_heading",
    "rebuild_result",
    "write_report_files",
    "write_result",
]


class WrittenFiles(list[Path]):
    """The paths written, plus ``notes`` on what was not (e.g. no PDF without Chromium)
    and ``left_out``: each output left out, as {"file": ..., "why": ...}; ``result``: the
    result as the files hold it (pseudonymised when they are), for what a caller shows."""

    def __init__(
        self,
        paths: list[Path],
        notes: tuple[str, ...] = (),
        left_out: tuple[dict[str, str], ...] = (),
        result: Result | None = None,
    ):
        super().__init__(paths)
        self.notes = notes
        self.left_out = left_out
        self.result = result


class _LeftOut(list[dict[str, str]]):
    """Outputs left out, each {"file": ..., "why": ...}, and ``said``: other notes on the
    outputs (not in summary.json's left_out)."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []

    def add(self, file: str, why: str) -> None:
        self.append({"file": file, "why": why})

    def notes(self) -> tuple[str, ...]:
        return (*(f"{item['file']} left out: {item['why']}" for item in self), *self.said)


def read_heading(result_dir: str | Path) -> Heading:
    """The title and contact a result folder was written with (defaults when absent)."""
    return heading_of(read_summary(Path(result_dir)))


def headed_summary(result: Result, heading: Heading) -> dict[str, object]:
    """``result.summary()`` with the title, contact and licence line it was written with
    (report and rematch read them back)."""
    summary = {**result.summary(), "title": heading.title}
    if heading.contact:
        summary["contact"] = heading.contact
    if heading.source:
        summary["source"] = heading.source
    return summary


def heading_of(summary: Mapping[str, object]) -> Heading:
    """The title and contact a summary.json holds (defaults when absent)."""
    title, contact, source = (summary.get(key) for key in ("title", "contact", "source"))
    return Heading(
        title=title if isinstance(title, str) and title.strip() else DEFAULT_TITLE,
        contact=contact if isinstance(contact, str) and contact.strip() else None,
        source=source if isinstance(source, str) and source.strip() else None,
    )


def rebuild_result(cohort: Cohort, result_dir: str | Path) -> Result:
    """A Result from a folder written by ``write_result`` (teams.csv perhaps edited by hand).

    The assignment is re-checked by the one evaluator; the saved bound still holds (it
    bounds every rule-abiding assignment), so the status and gap are recomputed.
    """
    saved = read_saved(result_dir)
    summary = saved.summary
    trace = summary.get("trace", [])
    table = match_to_survey(saved.table, cohort)  # the survey's rows renumbered since
    return result_from_assignment(
        cohort,
        saved.rules,
        table.teams,
        saved.links,
        objective=str(summary.get("objective_name", "blend")),
        team_focus=table.focus or None,
        bound=saved.bound,
        strategy=str(summary.get("strategy", "saved")),
        seed=int(str(summary.get("seed", 0))),
        runtime_s=float(str(summary.get("runtime_s", 0.0))),
        trace=[
            TracePoint(p["time_s"], p.get("objective"), p.get("bound"))
            for p in (trace if isinstance(trace, list) else [])
        ],
        notes=(
            f"rebuilt from {saved.folder}",
            *(str(w) for w in table.warnings[len(saved.table.warnings) :]),
        ),
    )


def _with_teams(result: object, owner: str) -> None:
    """Refuse a result without teams: its rosters would list everyone in no team."""
    if not isinstance(result, Result) or not result.assignment:
        got = result.status if isinstance(result, Result) else result
        raise InvalidParameterError.for_value(
            "result", owner, "a Result with teams (status optimal or feasible)", got
        )


def _prepare(
    result: Result,
    out_dir: Path,
    pseudonymise: bool,
    pseudonym_key: str | os.PathLike[str] | None,
) -> Result:
    """The result to write: pseudonymised when asked, with the key file checked first."""
    if pseudonym_key is not None and not pseudonymise:
        raise InvalidParameterError(
            "The 'pseudonym_key' parameter of write_result needs pseudonymise=True. "
            f"Got {str(pseudonym_key)!r} instead."
        )
    if not pseudonymise:
        return result
    key = None
    if pseudonym_key is not None:
        key_path = Path(pseudonym_key).absolute()
        if key_inside(key_path, out_dir):
            raise InvalidParameterError(
                "The 'pseudonym_key' parameter of write_result must name a file outside the "
                f"output folder (whoever receives the outputs must not get the key). "
                f"Got {str(pseudonym_key)!r} instead."
            )
        key = PseudonymKey.load_or_create(key_path)
    return anonymise(result, key)


def _inputs(
    result: Result, protect: Mapping[str, str | os.PathLike[str] | None] | None
) -> dict[str, str | os.PathLike[str] | None]:
    """The inputs no output may replace: those given, and the survey the cohort came from."""
    inputs: dict[str, str | os.PathLike[str] | None] = {**(protect or {})}
    source = result.cohort.source
    if source and Path(source).is_file():  # not "generated cohort (seed 1)"
        inputs.setdefault("the survey", source)
    return inputs


def _costs(result: Result, pdf: bool | None, slowdown: float) -> OutputCosts:
    return OutputCosts.estimate(
        establishments=len(result.cohort.establishments),
        participants=result.cohort.n_participants,
        teams=result.rules.teams,
        explain=explains(result),
        pdf=pdf is not False,
        slowdown=slowdown,
    )


def _explanations(
    result: Result, deadline: Deadline, costs: OutputCosts, left_out: _LeftOut
) -> tuple[list[Explanation] | None, str | None]:
    """The report's explanations when the time left allows them (None: the report decides)."""
    if deadline.at is None or not result.has_teams or not explains(result):
        return None, None
    needed = costs.explanations + costs.report
    if deadline.allows(needed):
        try:
            return explain(result, deadline=deadline.at - costs.report), None
        except ExplainTimeout:
            pass
    why = left_out_reason(deadline, needed)
    left_out.add(f"{EXPLANATIONS} in report.html", why)
    return [], f"Left out: {why}."


def _pdf_timeout(
    result: Result,
    stage: Path,
    pdf: bool | None,
    deadline: Deadline,
    costs: OutputCosts,
    left_out: _LeftOut,
) -> float | None:
    """Seconds Chromium may take for handouts.pdf after the report, or None when the PDF is
    left out already (not asked for, no Chromium, or no time left after the report)."""
    if pdf is False:
        return None
    if find_chromium() is None:  # says why at once, so that the report can
        why_not = print_to_pdf(stage / "handouts.html", stage / PDF_FILE)
        left_out.add(PDF, (why_not or "").removeprefix("handouts.pdf was not written: "))
        return None
    if deadline.at is not None and deadline.remaining() - costs.report < costs.pdf:
        left_out.add(PDF, left_out_reason(deadline, costs.pdf + costs.report))
        return None
    return pdf_timeout(result.rules.teams)


def _print_pdf(
    stage: Path, timeout: float, deadline: Deadline, needed: float, left_out: _LeftOut
) -> None:
    """handouts.pdf within what is left of the time (Chromium is stopped at the deadline)."""
    timeout = min(timeout, deadline.remaining())
    if timeout < needed / 2:  # the report took longer than foreseen: not worth starting
        left_out.add(PDF, left_out_reason(deadline, needed))
        return
    why_not = print_to_pdf(stage / "handouts.html", stage / PDF_FILE, timeout=timeout)
    if why_not is not None:
        left_out.add(PDF, why_not.removeprefix("handouts.pdf was not written: "))


def _write_for_people(
    result: Result,
    stage: Path,
    heading: Heading,
    pdf: bool | None,
    deadline: Deadline,
    pseudonymised: bool = False,
) -> tuple[_LeftOut, str]:
    """teams.xlsx, mailmerge.csv, handouts.html, report.html (naming what is left out) and
    perhaps handouts.pdf (last: Chromium gets exactly what is left). Returns what was left
    out and the workbook's digest."""
    left_out = _LeftOut()
    workbook = write_workbook(result, stage / "teams.xlsx", heading=heading)
    write_csv(mailmerge_frame(result, heading), stage / "mailmerge.csv")
    if not pseudonymised and not any(p.email for p in result.cohort.practitioners):
        # else a blank column, unsaid (pseudonymised outputs drop e-mails, as documented)
        left_out.said.append(
            "mailmerge.csv has no e-mail addresses: the survey gives none (an anonymous form?)"
        )
    atomic_write_text(stage / "handouts.html", render_handouts(result, heading))
    # how busy the machine has been since the command started (mostly the match, CPU-bound;
    # the writing itself waits on the disk too much to tell)
    costs = _costs(result, pdf, deadline.pace.slowdown())
    explanations, why_unexplained = _explanations(result, deadline, costs, left_out)
    pdf_timeout_s = _pdf_timeout(result, stage, pdf, deadline, costs, left_out)
    report = render_report(
        result,
        explanations,
        heading=heading,
        explanations_left_out=why_unexplained,
        output_notes=[f"{note}." for note in left_out.notes()],
    )
    atomic_write_text(stage / "report.html", report)
    if pdf_timeout_s is not None:
        _print_pdf(stage, pdf_timeout_s, deadline, costs.pdf, left_out)
    return left_out, workbook


def write_report_files(
    result: Result,
    out_dir: str | os.PathLike[str],
    *,
    pseudonymise: bool = False,
    title: str | None = None,
    contact: str | None = None,
    pdf: bool | None = None,
    pseudonym_key: str | os.PathLike[str] | None = None,
    protect: Mapping[str, str | os.PathLike[str] | None] | None = None,
    source: str | None = None,
    restate_summary: bool = False,
) -> WrittenFiles:
    """Write report.html, teams.xlsx and the rosters only (e.g. for a rebuilt result).

    ``pdf`` None prints handouts.pdf when Chromium is found, False never. ``protect``
    names the inputs (how the user named each -> its path) no output may replace.
    ``restate_summary``: ``out_dir`` is the result's own folder, whose summary.json is
    rewritten with what this run left out and the new workbook's digest.
    """
    out = Path(out_dir)
    names_out = output_names(rebuilt=True)
    _with_teams(result, "write_report_files")
    refuse_overwriting(out, names_out, _inputs(result, protect))
    # the teams' status and objective as checked, before any pseudonyms (for summary.json)
    checked = result.summary() if restate_summary else {}
    if source is None:  # rows of the bundled schools data carry its licence line
        source = schools_data_source(result.cohort)
    result = _prepare(result, out, pseudonymise, pseudonym_key)
    heading = Heading(title=title or DEFAULT_TITLE, contact=contact, source=source)
    with staged_output_dir(out, replaces=names_out) as stage:
        left_out, workbook = _write_for_people(
            result, stage, heading, pdf, Deadline(None), pseudonymised=pseudonymise
        )
        if restate_summary:
            _restate_summary(out, stage, left_out, workbook, heading, checked)
        names = sorted(p.name for p in stage.iterdir())
    return WrittenFiles([out / name for name in names], left_out.notes(), tuple(left_out))


# what a rebuilt result restates in its folder's summary.json: the teams as checked again
_RESTATED = ("status", "objective", "bound", "gap", "terms", "breaches", "teams")


def _restate_summary(
    out: Path,
    stage: Path,
    left_out: _LeftOut,
    workbook: str,
    heading: Heading,
    checked: Mapping[str, object],
) -> None:
    """A result folder's summary.json, rewritten beside report files written into it:
    the status, objective and breaches of its teams.csv as checked again (``checked``: the
    rebuilt result's summary; a hand edit left them saying "optimal, no breach") with
    that teams.csv's digest, what was left out this time, the new workbook's digest (else
    the next run into the folder takes the workbook for one edited by hand, or replaces
    one that was), and the title and contact the files now carry (a later report or
    rematch reads them back). The digests as written stay: an edited teams.csv is kept."""
    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # not a result folder (or not one of ours): nothing to restate
    if not isinstance(summary, dict):
        return
    summary.update({key: checked[key] for key in _RESTATED if key in checked})
    summary[CHECKED_TABLES] = checked_digests(out)
    summary["left_out"] = list(left_out)
    summary["title"] = heading.title
    if heading.contact:
        summary["contact"] = heading.contact
    digests = summary.get(DIGESTS)
    if isinstance(digests, dict):
        digests["teams.xlsx"] = workbook
    atomic_write_text(stage / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))


def write_result(
    result: Result,
    out_dir: str | os.PathLike[str],
    *,
    pseudonymise: bool = False,
    extra_tables: dict[str, pd.DataFrame] | None = None,
    extra_texts: Mapping[str, str | Callable[[Mapping[str, str] | None], str]] | None = None,
    title: str | None = None,
    contact: str | None = None,
    pdf: bool | None = None,
    pseudonym_key: str | os.PathLike[str] | None = None,
    protect: Mapping[str, str | os.PathLike[str] | None] | None = None,
    deadline: Deadline | None = None,
    source: str | None = None,
    survey_mapping: Mapping[str, str] | None = None,
) -> WrittenFiles:
    """Write every output file of a feasible result into ``out_dir``; nothing on failure.

    The result's own files (a re-match's moves.csv and changes.json: ``own_files``), and
    ``extra_tables`` (file name -> table) as CSV and ``extra_texts`` (file name -> text) as
    UTF-8, are written in the same all-or-nothing step; a text may be a function of the
    pseudonyms given (a person's id -> theirs in the outputs; None when not pseudonymised). ``title`` names the cohort in every
    output (default "Collaborative learning teams"); ``contact`` is printed on the handouts
    and in mailmerge.csv. ``pdf`` None prints handouts.pdf when Chromium is found, False
    never. ``pseudonym_key`` is a key
    file (read, or created when missing) that keeps pseudonyms the same across runs.
    ``protect`` maps how the user named each input to its path: no output may replace
    one (the survey the cohort was read from is always protected). ``deadline``
    (``clnmatch.time_budget.Deadline``) leaves the explanations and handouts.pdf out
    when the time left does not allow them (see the module docstring). ``source`` is a
    line that must travel with the schools' facts (a licence's attribution): in the
    report, the workbook, the handouts and summary.json; by default the bundled schools
    data's, when the cohort holds rows of it (``schools_data_source``). ``survey_mapping``
    (``{"file": name, "toml": text}``): the mapping the survey was read with, kept in
    summary.json so that the result can be read against the survey again.
    """
    out = Path(out_dir)
    _with_teams(result, "write_result")
    own = result.own_files()  # a re-match's moves.csv and changes.json
    tables = {n: f for n, f in own.items() if isinstance(f, pd.DataFrame)} | (extra_tables or {})
    texts = {n: f for n, f in own.items() if n not in tables} | dict(extra_texts or {})
    names_out = output_names(extra=(*tables, *texts))
    refuse_overwriting(out, names_out, _inputs(result, protect))
    original, result = result, _prepare(result, out, pseudonymise, pseudonym_key)
    pseudonyms = pseudonym_ids(original, result) if pseudonymise else None
    if source is None:  # rows of the bundled schools data carry its licence line
        source = schools_data_source(original.cohort)
    heading = Heading(title=title or DEFAULT_TITLE, contact=contact, source=source)
    summary = headed_summary(result, heading)
    if pseudonymise:  # such a folder cannot be read back against the survey
        summary[PSEUDONYMISED] = True
    if survey_mapping is not None and not pseudonymise:  # its words may name people
        summary[SURVEY_MAPPING] = dict(survey_mapping)
    # a re-match's moves and changes left in the folder would apply to other teams
    owned = (*names_out, *DAY_OF_FILES)
    with staged_output_dir(out, replaces=owned) as stage:
        write_csv(teams_frame(result), stage / "teams.csv")
        write_csv(facilitators_frame(result), stage / "facilitators.csv")
        for name, frame in tables.items():
            write_csv(frame, stage / name)
        for name, text in texts.items():
            text = text if isinstance(text, str) else text(pseudonyms)
            (stage / name).write_text(text, encoding="utf-8")
        left_out, workbook = _write_for_people(
            result, stage, heading, pdf, deadline or Deadline(None), pseudonymised=pseudonymise
        )
        summary["left_out"] = list(left_out)
        if deadline is not None and deadline.limit is not None:
            # the command's time limit and how much of it had gone when writing ended
            summary["call"] = {
                "time_limit_s": deadline.limit,
                "elapsed_s": round(deadline.elapsed(), 3),
                "not_counted_s": round(deadline.extended, 3),  # one-off kernel compilation
            }
        # a later run into this folder can tell a table edited by hand, and keep it
        summary[DIGESTS] = {
            **{name: table_digest(stage / name) for name in EDITABLE if name.endswith(".csv")},
            "teams.xlsx": workbook,
        }
        atomic_write_text(stage / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
        names = [p.name for p in stage.iterdir()]
    names.sort(key=lambda n: names_out.index(n) if n in names_out else len(names_out))
    return WrittenFiles(
        [out / name for name in names], left_out.notes(), tuple(left_out), result=result
    )
