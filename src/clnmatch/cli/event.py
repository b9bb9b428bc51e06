"""Commands of the matching event: event (the live page) and diff (compare two results)."""

from __future__ import annotations

import json
import re
import sys
import warnings as warnings_module
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clnmatch.cli.common import (
    EXIT_ERROR,
    EXIT_INVALID,
    RULE_FLAGS,
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
    PerFacilitator,
    RulesFile,
    Sheet,
    SizeTolerance,
    Teams,
    Title,
    app,
    err_console,
    exit_codes,
    out_console,
    result_mapping,
    rules_from,
    saved_summary,
)

HEADING_KEYS = ("title", "contact", "source")  # summary.json's: what heads every export

if TYPE_CHECKING:
    from collections.abc import Callable

    from clnmatch.event import Event
    from clnmatch.io.mapping import SurveyMapping
    from clnmatch.io.survey import SurveyReading
    from clnmatch.models import Cohort, Rules

_HOST_WARNING = (
    "Warning: --host {host} makes the event page reachable from other computers on this "
    "network, not only this one. Anyone who has the address with its token can see the "
    "teams and the editor's token can change them. Use it only on a network you trust, "
    "and stop the page (Ctrl+C) when the event ends."
)


@app.command()
def event(
    folder: Annotated[
        Path,
        typer.Option(
            "--dir",
            help="The event folder: every decision is kept here; start again with it to resume.",
        ),
    ],
    survey: Annotated[
        Path | None,
        typer.Argument(
            help="The survey (CSV or .xlsx); to resume an event its --dir is enough.",
            show_default=False,
        ),
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
    from_result: Annotated[
        Path | None,
        typer.Option("--from", help="Start from the teams of a result folder (solve or rematch)."),
    ] = None,
    additions: Annotated[
        Path | None,
        typer.Option("--additions", help="Survey rows of schools that may join on the day."),
    ] = None,
    map_file: MapFile = None,
    sheet: Sheet = None,
    title: Title = None,
    contact: Contact = None,
    objective: Annotated[
        str, typer.Option("--objective", help="focus, cohesion or blend.")
    ] = "blend",
    seed: Annotated[int, typer.Option("--seed")] = 0,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; other than 127.0.0.1 only when asked."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser.")
    ] = False,
    repair_time_limit: Annotated[
        float,
        typer.Option(
            "--repair-time-limit",
            help="Seconds to repair the teams after a withdrawal or addition.",
        ),
    ] = 10.0,
) -> None:
    """Run the matching event page: move schools, see every rule answer back, never lose a decision.

    The first line printed is the address to open. Everything decided is kept in --dir,
    so started again with the same --dir (even after a crash) the page shows the same state.
    Example: clnmatch event survey.csv --facilitators facilitators.csv --dir event/
    """
    from clnmatch.event import Event, JournalWarning
    from clnmatch.event.core import MAPPING_COPY
    from clnmatch.event.snapshot import TOKENS_FILE, private_write
    from clnmatch.io.mapping import load_mapping
    from clnmatch.io.survey import read_survey
    from clnmatch.web.server import (
        LOCAL_HOSTS,
        WILDCARD_HOSTS,
        addresses,
        listen,
        network_address,
        port_in_use,
        serve,
    )
    from clnmatch.wording import plural

    with exit_codes(
        stopped="Stopped (Ctrl+C): everything decided is kept in --dir; start "
        "clnmatch event again with the same --dir to go on."
    ):
        if port_in_use(host, port):  # first: a refused start leaves no event folder behind
            raise Exit(
                EXIT_ERROR,
                f"Port {port} on {host} is in use already (another clnmatch event, or another "
                "program): stop it, or give another --port.",
            )
        warnings: list[str] = []
        resuming = Event.exists(folder)
        if survey is None and not resuming:
            raise Exit(
                EXIT_INVALID,
                f"Invalid setting: give the survey: {folder} holds no event to resume "
                "(clnmatch event SURVEY --dir FOLDER)",
            )
        kept_map = folder / MAPPING_COPY
        if resuming and map_file is None and kept_map.is_file():
            map_file = kept_map  # started again after a crash, --map forgotten
            warnings.append(f"note: using the event's copy of its mapping ({kept_map})")
        mapping = load_mapping(map_file)  # read once: the survey and --additions share it
        from_kept = None  # the mapping --from's result was made with, when no --map
        if not resuming and map_file is None and from_result is not None:
            found, from_kept = result_mapping(None, from_result, quiet=True)
            if found is not None:
                mapping = load_mapping(found)
                warnings.append(
                    f"note: reading the survey with the mapping {from_result} was made with "
                    "(kept in its summary.json); --map gives another"
                )
        if resuming:
            with warnings_module.catch_warnings(record=True) as caught:  # said plainly below
                warnings_module.simplefilter("always", JournalWarning)
                opened = Event.open(folder)
            if not (folder / TOKENS_FILE).exists():  # deleted to revoke a leaked address
                warnings.append(
                    f"note: {TOKENS_FILE} was missing: the event has new addresses (above); "
                    "the old ones no longer open it"
                )
            warnings += [f"note: {w.message}" for w in caught if w.category is JournalWarning]
            warnings.append(  # after a crash too: nothing decided was lost
                f"note: resumed the event in {folder}: every decision made before it stopped "
                f"is kept ({plural(opened.version, 'decision')}); if a re-optimise was "
                "running then, run it again"
            )
            # the event keeps its own copy of the survey: the file is only compared
            differs = (
                _what_differs(
                    opened, lambda: read_survey(survey, facilitators, sheet=sheet, mapping=mapping)
                )
                if survey is not None
                else []
            )
            if facilitators is None:  # not given now: the event's own stand, unsaid
                differs = [d for d in differs if d != "facilitators"]
            if differs:
                said = {
                    "unreadable": f"{survey} cannot be read now"
                    + (
                        " (was the event begun with --map? give it again)"
                        if map_file is None
                        else ""
                    ),
                    "survey": f"{survey} now differs",
                    "facilitators": "the facilitators differ from those it began with",
                }
                warnings.append(
                    f"note: resuming the event in {folder} with the survey and facilitators "
                    f"it started from (kept in {folder}/event.json); "
                    + " and ".join(said[d] for d in differs)
                )
            params = locals()  # not inside the comprehension: it has its own locals
            starting: dict[str, object] = {
                "--from": from_result,
                "--additions": additions,
                "--rules": rules_file,
                "--title": title,
                "--contact": contact,
            }
            if survey is None:  # compared with the event's own only beside the survey
                starting |= {"--facilitators": facilitators, "--sheet": sheet}
            starting |= {f"--{n.replace('_', '-')}": params[n] for n in RULE_FLAGS}
            given = [flag for flag, value in starting.items() if value is not None]
            if given:  # they shaped the event when it began; its decisions now rule
                warnings.append(
                    f"note: {', '.join(given)} not read again: {folder} holds an event "
                    "already, which keeps the teams, rules, late schools and title it began with "
                    "(nothing of them is lost; start a new --dir to use other ones)"
                )
            # kept with the event, so that a start without --map reads as before: a --map
            # that reads the survey as the event keeps it (not one that cannot read it)
            keep_map = survey is not None and not {"unreadable", "survey"} & set(differs)
            if not keep_map and map_file not in (None, kept_map) and kept_map.is_file():
                # pasted rows must be read as the event's own were, not on another scale
                mapping = load_mapping(kept_map)
                warnings.append(
                    f"note: --map {map_file} not used (the survey does not read with it as "
                    f"the event keeps it): using the event's copy of its mapping ({kept_map})"
                )
        else:
            assert survey is not None  # refused above
            opened = _create(
                survey, folder, facilitators, rules_file, locals(), from_result, additions,
                objective, seed, warnings, mapping, sheet,
            )  # fmt: skip
            keep_map = True
        opened.hold_folder()
        if keep_map and map_file is not None and map_file.resolve() != kept_map.resolve():
            private_write(kept_map, map_file.read_text(encoding="utf-8"))
        elif from_kept is not None:
            private_write(kept_map, from_kept["toml"])
        listener = listen(host, port)  # answered from the moment its address is printed
        editor, projector = addresses(opened, host, port)
        print(editor, flush=True)
        print(f"Projector (read-only): {projector}")
        if host in WILDCARD_HOSTS:  # the addresses above work on this computer only
            other = network_address()
            if other is None:
                print("From other computers: this computer's network address, same port.")
            else:
                editor, projector = addresses(opened, other, port)
                print(f"From other computers: {editor}")
                print(f"Projector from other computers: {projector}")
        print(f"Event folder: {folder}   Stop with Ctrl+C.", flush=True)
        for line in warnings:
            err_console.print(line, markup=False, highlight=False, soft_wrap=True)
        if host not in LOCAL_HOSTS:
            err_console.print(
                _HOST_WARNING.format(host=host), markup=False, highlight=False, soft_wrap=True
            )
        sys.stdout.flush()
        serve(opened, host=host, port=port, open_browser=not no_browser,
              repair_time_limit=repair_time_limit, mapping=mapping, listener=listener)  # fmt: skip


def _what_differs(opened: Event, read: Callable[[], SurveyReading]) -> list[str]:
    """What of the files given now differs from the cohort the event keeps: "survey",
    "facilitators" (both may), or "unreadable"; [] when they are the same."""
    from clnmatch.errors import ClnmatchError

    try:
        now = read().cohort.model_dump()
    except ClnmatchError:
        return ["unreadable"]
    kept = opened.snapshot.cohort.model_dump()
    # how it was read (its notes name the files) is not what it says
    survey_same = all(now[k] == kept[k] for k in kept if k not in ("facilitators", "reading_notes"))
    return [
        name
        for name, same in (
            ("survey", survey_same),
            ("facilitators", now["facilitators"] == kept["facilitators"]),
        )
        if not same
    ]


def _create(
    survey: Path,
    folder: Path,
    facilitators: Path | None,
    rules_file: Path | None,
    params: dict[str, object],
    from_result: Path | None,
    additions: Path | None,
    objective: str,
    seed: int,
    warnings: list[str],
    mapping: SurveyMapping | None,
    sheet: str | None,
) -> Event:
    from clnmatch.event import Event
    from clnmatch.io.identity import additions_row_prefix
    from clnmatch.io.survey import read_survey
    from clnmatch.rematch import cohort_of_folder, load_previous, load_previous_links

    reading = read_survey(survey, facilitators=facilitators, sheet=sheet, mapping=mapping)
    warnings += [f"warning: {w}" for w in reading.warnings[:10]]
    cohort = reading.cohort
    summary = saved_summary(from_result) if from_result is not None else {}
    rules = rules_from(rules_file, params, summary.get("rules"))
    teams: dict[str, int] = {}
    links: list[tuple[str, int]] = []
    bound = None
    record = None
    if from_result is not None:
        cohort, record = cohort_of_folder(cohort, from_result)
        matched: list[str] = []  # rows matched back by name: the survey's rows renumbered
        gone: list[str] = []  # its people the survey no longer holds
        teams = load_previous(cohort, from_result / "teams.csv", gone, notes=matched)
        warnings += [f"warning: {note}" for note in matched]
        links = load_previous_links(cohort, from_result) or []
        objective = str(summary.get("objective_name") or objective)
        bound = _bound_if_same(summary, cohort, rules, gone, from_result, warnings)
    extra = None
    if additions is not None:
        late = read_survey(
            additions, mapping=mapping, row_id_prefix=additions_row_prefix(additions)
        )
        warnings += [f"warning: {w}" for w in late.warnings[:10]]  # each names its file
        extra = late.cohort
    # the exports are headed as the result was (--title and --contact given now win)
    heading = {k: v for k in HEADING_KEYS if isinstance(v := summary.get(k), str) and v.strip()}
    heading |= {k: v for k in ("title", "contact") if isinstance(v := params.get(k), str)}
    return Event.create(
        folder, cohort, rules, objective=objective, seed=seed, teams=teams, links=links,
        base_record=record, additions=extra, bound=bound, source=str(from_result or survey),
        heading=heading,
    )  # fmt: skip


@app.command()
def diff(
    dir_a: Annotated[Path, typer.Argument(help="A result folder (teams.csv, summary.json).")],
    dir_b: Annotated[Path, typer.Argument(help="Another result folder.")],
    survey: Annotated[
        Path | None,
        typer.Option(
            "--survey", help="Re-check both with the evaluator (else: as saved in summary.json)."
        ),
    ] = None,
    facilitators: FacilitatorsFile = None,
    map_file: MapFile = None,
    sheet: Sheet = None,
    json_out: JsonOut = False,
) -> None:
    """List the establishments, practitioners and facilitators whose team differs between two results.

    With --survey both are re-checked by the evaluator (objective and every rule);
    without it the objective and breaches saved in each summary.json are shown.
    Example: clnmatch diff out/ out2/ --survey survey.csv --facilitators facilitators.csv
    """
    from clnmatch.event.analysis import diff as diff_sides
    from clnmatch.event.analysis import diff_lines, folder_side
    from clnmatch.io.survey import read_survey

    with exit_codes(json_out):
        cohort = None
        if survey:
            mapping, _ = result_mapping(map_file, dir_a, quiet=json_out)
            reading = read_survey(survey, facilitators=facilitators, sheet=sheet, mapping=mapping)
            cohort = reading.cohort
        result = diff_sides(folder_side(dir_a, cohort), folder_side(dir_b, cohort))
        if json_out:
            out_console.print_json(json.dumps(result))
            return
        for line in diff_lines(result):
            out_console.print(line, markup=False, highlight=False)
        moved = [row["practitioner_id"] for row in result["practitioners"]]
        if cohort is None and moved and all(re.fullmatch(r"R\d+", str(p)) for p in moved):
            # ids made from row numbers (the export had none): a deleted row renumbers the rest
            err_console.print(
                "note: these practitioner ids are the survey's row numbers (it has no "
                "practitioner_id column), and a row added or deleted since renumbers the "
                "rows after it: give --survey (the export as it is now) to match people by "
                "e-mail or name.",
                markup=False, highlight=False,
            )  # fmt: skip


def _bound_if_same(
    summary: dict[str, object],
    cohort: Cohort,
    rules: Rules,
    gone: list[str],
    folder: Path,
    warnings: list[str],
) -> float | None:
    """The result's proven bound, when the event's cohort and rules are the result's; else
    None (proved again at the start), said. A survey downloaded again after a late answer
    started at the old bound, which its re-optimise then beat (a first-time lead officer)."""
    from clnmatch.models import Rules

    bound = summary.get("bound")
    if not isinstance(bound, int | float):
        return None
    people, schools = summary.get("participants"), summary.get("establishments")
    saved = summary.get("rules")
    same_rules = isinstance(saved, dict) and Rules.model_validate(saved) == rules
    digest = summary.get("cohort_digest")  # none in a folder written before it was kept
    if people != cohort.n_participants or schools != len(cohort.establishments) or gone:
        what = (
            f"the survey holds {cohort.n_participants} people of {len(cohort.establishments)} "
            f"establishments, the result {people} of {schools}"
        )
    elif digest is not None and digest != cohort.digest():
        what = "the survey's answers are not those the result was made from (edited since?)"
    elif not same_rules:
        what = "these rules are not the ones it was made with"
    else:
        return float(bound)
    warnings.append(
        f"note: {what} ({folder / 'summary.json'}): its best possible score is not this "
        "event's, so one is proved now"
    )
    return None
