"""Decisions the day-of engine refuses or records with care: locks the rules break,
schools the rules name withdrawing, late schools and their ids, bounds keyed by rows,
starting teams, named export folders (from the day-of audit)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from test_event_engine import IDS, _checked_export, late_school, new_event
from test_rematch import PREVIOUS, RULES, sector_cohort

from clnmatch.event import Event, EventError
from clnmatch.report.handouts import CHROMIUM_ENV


def test_a_school_the_rules_lock_can_withdraw(tmp_path: Path) -> None:
    """A school the rules file pins, forbids or pairs can withdraw (it was refused with an
    internal error, a 500 on the page, and the room could not record it)."""
    rules = RULES.model_copy(update={"forbidden": (("E4", 1),), "apart": (("E4", "E5"),)})
    event = Event.create(tmp_path, sector_cohort(), rules, teams=PREVIOUS)
    view = event.withdraw("E4", time_limit=5)
    assert "E4" in view.state.withdrawn and view.evaluation.feasible


def test_a_lock_the_rules_break_is_refused(tmp_path: Path) -> None:
    """Locking a school in a team the rules forbid it, or away from the team they pin it
    to, is refused in words and changes nothing (it was kept, and then every re-optimise
    and repair failed on it)."""
    rules = RULES.model_copy(update={"forbidden": (("E4", 1),), "pins": {"E5": 2}})
    event = Event.create(tmp_path, sector_cohort(), rules, teams=PREVIOUS)
    event.move("E4", 1)
    event.move("E5", 1)
    version = event.version
    with pytest.raises(EventError, match="keep it out of team 1: move it to another team"):
        event.set_lock("E4", True)
    with pytest.raises(EventError, match="pin it to team 2: move it there first"):
        event.set_lock("E5", True)
    assert event.version == version and not event.state.locked
    # the team's lock names both schools the rules block (it named the first only)
    with pytest.raises(EventError, match="team 1 cannot be locked: ") as refused:
        event.set_team_lock(1, True)
    assert "keep it out of team 1" in str(refused.value) and "pin it to team 2" in str(
        refused.value
    )
    assert event.version == version and not event.state.locked
    event.move("E5", 2)
    assert "E5" in event.set_lock("E5", True).state.locked  # where the rules want it


def test_a_survey_school_back_with_other_nominees_exports_a_folder_check_accepts(
    tmp_path: Path,
) -> None:
    """E4 withdraws and is pasted back with one nominee: the other is withdrawn in
    changes.json, and `clnmatch check` on the folder passes (it said E4-2 was in no team:
    exit 4)."""
    event = new_event(tmp_path / "event")
    event.withdraw("E4", time_limit=5)
    back = late_school("E4", sector="special")
    back = back.model_copy(update={"practitioners": back.practitioners[:1]})
    event.add(back, time_limit=5)
    out = _checked_export(event, tmp_path)
    assert json.loads((out / "changes.json").read_text())["withdrawn"]["practitioner"] == ["E4-2"]


def test_a_late_school_cannot_take_a_withdrawn_nominees_id(tmp_path: Path) -> None:
    """A late school whose nominee has the id of a withdrawn school's nominee is refused
    in words (changes.json listed the id as withdrawn and added; check refused it)."""
    event = new_event(tmp_path)
    event.withdraw("E5", time_limit=5)
    version = event.version
    late = late_school("N1")
    reused = late.practitioners[0].model_copy(update={"id": "E5-1", "establishment_id": "N1"})
    late = late.model_copy(update={"practitioners": (reused, late.practitioners[1])})
    with pytest.raises(EventError, match="practitioner id E5-1 is a nominee of .*which withdrew"):
        event.add(late, time_limit=5)
    assert event.version == version


def test_a_school_added_again_with_other_rows_is_another_cohort_for_its_bound(
    tmp_path: Path,
) -> None:
    """A late school added, withdrawn and added again with other ratings: the bound of the
    second cohort is not the first's (they were keyed by establishment ids alone, and the
    page showed a bound a re-optimise then beat)."""
    event = new_event(tmp_path)
    event.add(late_school("N1"), time_limit=5)
    first = event.state.cohort_key(event.view().cohort.establishment_by_id)
    event.withdraw("N1", time_limit=5)
    keen = late_school("N1")
    keen = keen.model_copy(
        update={"practitioners": tuple(p.model_copy(update={"interests": (5, 5, 5)})
                                       for p in keen.practitioners)}
    )  # fmt: skip
    event.add(keen, time_limit=5)
    second = event.state.cohort_key(event.view().cohort.establishment_by_id)
    assert first != second and frozenset(second) in event.state.bounds
    assert Event.open(tmp_path).view().bound == event.view().bound  # journalled with its key


def test_a_school_back_with_its_own_rows_keeps_the_cohorts_bound(tmp_path: Path) -> None:
    """E4 withdraws and comes back with its survey rows: the cohort is the starting one, so
    its bound is the starting one (keyed by its rows' digest, it was proved again)."""
    event = new_event(tmp_path, bound=1000.0)
    event.withdraw("E4", time_limit=5)
    view = event.add_from_list("E4", time_limit=5)
    assert event.state.cohort_key(view.cohort.establishment_by_id) == IDS
    assert view.bound == 1000.0


def test_starting_teams_beyond_the_rules_are_refused(tmp_path: Path) -> None:
    """Teams numbered above the rules' count (a result of 8 teams with --teams 6) are
    refused when the event is made (re-optimise failed on them later, in internal words)."""
    from clnmatch.errors import InvalidParameterError

    teams = {**PREVIOUS, "E5": 3}
    with pytest.raises(InvalidParameterError, match="up to 3 but the rules have 2 teams"):
        Event.create(tmp_path, sector_cohort(), RULES, teams=teams)


def test_a_named_export_folder_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saving the folder "final" twice with another board in between is refused (the
    first was replaced without a word); the default name at one version is one board."""
    from clnmatch.event.export import export_folder

    monkeypatch.setenv(CHROMIUM_ENV, "none")  # the folders' names are the question, not a PDF

    event = new_event(tmp_path)
    export_folder(event, "final")
    event.move("E5", 1)
    with pytest.raises(EventError, match="exports/final exists already"):
        export_folder(event, "final")
    assert export_folder(event)[0] == export_folder(event)[0]
    for device in ("CON", "com1", "Nul"):  # a folder Windows cannot make (a security tester)
        with pytest.raises(EventError, match="which Windows keeps for itself"):
            export_folder(event, device)


def test_two_saves_of_one_name_at_once_are_one_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two saves of "race" at once, a move between them, both answered done, and the
    folder held the second board: the first's acknowledged save was gone (a tester)."""
    import time

    from clnmatch.event import export

    monkeypatch.setenv(CHROMIUM_ENV, "none")  # which board is saved is the question, not a PDF
    event = new_event(tmp_path)
    writing = export.write_folder

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(0.5)
        return writing(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(export, "write_folder", slow)
    answers: list[str] = []

    def save(name: str | None = "race") -> None:
        try:
            export.export_folder(event, name)
            answers.append("done")
        except EventError as exc:
            answers.append(str(exc))

    def save_default() -> None:
        save(None)

    first = threading.Thread(target=save)
    first.start()
    time.sleep(0.1)
    event.move("E5", 1)
    second = threading.Thread(target=save)
    second.start()
    first.join()
    second.join()
    assert sorted(answers)[0] == "done" and "being saved just now" in sorted(answers)[1], answers
    # the default name twice at once: the same board, so no other name is asked for
    answers.clear()
    first, second = threading.Thread(target=save_default), threading.Thread(target=save_default)
    first.start()
    time.sleep(0.1)
    second.start()
    first.join()
    second.join()
    assert sorted(answers)[1].endswith("being saved just now: it will be there in a moment")


def test_a_change_that_sets_a_proposal_aside_says_so(tmp_path: Path) -> None:
    """A proposal waiting for Accept is set aside by a move: the line says so (the panel
    vanished in silence), and Accept after it says why there is nothing to accept."""
    event = new_event(tmp_path)
    event.reoptimise(time_limit=2)
    assert event.timeline.proposal is not None
    event.move("E0", 2)
    assert event.last_change["message"].endswith(
        "; the re-optimise proposal is set aside (the board changed)"
    )
    with pytest.raises(EventError, match="a change to the teams sets one aside"):
        event.accept()
    event.move("E0", 1)  # no proposal waiting: nothing said of one
    assert "proposal" not in event.last_change["message"]
    event.close()


def test_a_proposal_states_the_boards_bound_when_its_own_is_worse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short re-optimise on a busy computer proposed "bound 680.3, gap 16.9%; not proven
    best" while the board already had the bound 581.9, met by the teams. The proposal now
    states the least bound known for these schools, and "optimal" where it is met."""
    import clnmatch.event.engine as engine
    from clnmatch.event.optimise import Solved

    event = new_event(tmp_path)
    board = event.view()
    assert board.bound is not None
    teams = {e: t for e, t in board.state.teams.items() if t >= 1}

    def poor_proof(*args: object, **kwargs: object) -> Solved:
        links = [(f, int(t)) for f, t in board.state.links]
        return Solved("feasible", teams, links, board.evaluation.objective,
                      board.bound + 100.0, [])  # fmt: skip

    monkeypatch.setattr(engine, "solve_in_child", poor_proof)
    proposal = event.reoptimise(time_limit=2)
    assert proposal["bound"] == board.bound and proposal["moves"] == []
    met = board.bound <= board.evaluation.objective and board.evaluation.feasible
    assert (proposal["status"] == "optimal") is met


def test_accepting_a_proposal_of_no_moves_is_no_step_to_undo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepting a proposal that changed nothing was a decision of its own, so the next
    Undo seemed to do nothing (an event tester). It says nothing changes, keeps its proof,
    and Undo undoes the move before it, after a restart too."""
    import clnmatch.event.engine as engine
    from clnmatch.event.optimise import Solved

    event = new_event(tmp_path)
    start = dict(event.state.teams)
    event.move("E0", 2)
    board = event.view()
    teams = {e: t for e, t in board.state.teams.items() if t >= 1}
    links = [(f, int(t)) for f, t in board.state.links]
    same = Solved("optimal", teams, links, board.evaluation.objective, None, [])
    monkeypatch.setattr(engine, "solve_in_child", lambda *a, **k: same)
    assert event.reoptimise(time_limit=2)["moves"] == []
    event.accept()
    assert event.last_change["message"].startswith("accepted: nothing changes")
    assert event.timeline.proposal is None
    event.undo()
    assert dict(event.state.teams) == start
    event.close()
    again = Event.open(tmp_path)
    assert dict(again.state.teams) == start
    again.redo()
    assert again.state.teams["E0"] == 2
    again.close()


def test_redo_after_a_proposal_set_aside_brings_back_no_older_change(tmp_path: Path) -> None:
    """Move, undo, re-optimise, undo (the proposal set aside), redo: the redo re-applied
    the move undone before the proposal (a board the tester could not accept). Nothing to
    redo now; after a restart (the journal replayed) the board is the same."""
    event = new_event(tmp_path)
    start = dict(event.state.teams)
    event.move("E0", 2)
    event.undo()
    event.reoptimise(time_limit=2)
    event.undo()
    assert event.timeline.proposal is None
    assert not event.timeline.can_redo  # the page's Redo button is off
    event.redo()
    assert dict(event.state.teams) == start
    event.close()
    again = Event.open(tmp_path)
    assert dict(again.state.teams) == start
    # the reviewer's order: an undo after the proposal is redone, the one before it not
    again.move("E0", 2)
    again.move("E1", 2)
    again.undo()  # E1 back, before the proposal
    again.reoptimise(time_limit=2)
    again.reject()
    assert not again.timeline.can_redo
    again.undo()  # E0 back, after it
    again.redo()
    again.redo()
    assert again.state.teams["E0"] == 2 and again.state.teams["E1"] == start["E1"]
    again.close()


def test_a_repair_that_found_nothing_says_so_in_the_rooms_words() -> None:
    """The search's notes (stage names, seconds, 'try a longer time limit', which the page
    has no setting for) were the reason shown; now a plain sentence, with what the
    facilitators' allocation said."""
    from clnmatch.event.words import plain_reason

    class Unknown:
        status = "unknown"
        diagnosis = None
        notes = [
            "stage 1 (fewest moves): INFEASIBLE in 0.02 s",
            "fresh solve of the changed cohort: unknown, objective -, bound None",
            "no rule-abiding assignment found in 7.1 s (limit 10 s); try a longer time limit",
        ]

    said = plain_reason(Unknown())
    assert said.startswith("no teams keeping every rule were found")
    assert "stage" not in said and "time limit" not in said and "Re-optimise" in said
    Unknown.notes = [*Unknown.notes, "The facilitators could not be allocated to the teams"]
    assert plain_reason(Unknown()).startswith("The facilitators could not be allocated")


def test_a_teams_suggestions_include_a_school_of_another_team_moving_in(tmp_path: Path) -> None:
    """Team 2 without its only non-primary school: its panel listed only its own schools
    leaving or swapping; a school of team 1 joining it (the tester's one-move fix) was
    missing, though the school's own panel showed it."""
    from clnmatch.event.analysis import suggest

    event = new_event(tmp_path)
    event.move("E4", 1)  # team 2's only non-primary school (special) to team 1
    found = suggest(event, team=2, limit=50)
    joining = [
        s for s in found if s["kind"] == "move" and s["changes"][0]["establishment_id"] == "E4"
    ]
    assert joining and joining[0]["changes"][0]["to_team"] == 2
    assert joining[0]["breaches_left"] == 0
    event.close()


def test_a_whole_team_is_locked_as_one_decision(tmp_path: Path) -> None:
    """The room settles a team: its schools were locked one by one (a decision each, and
    as many undos). Now one decision locks the team's schools, one undo unlocks them, a
    restart replays it, and a school the rules keep out of the team refuses it whole."""
    from test_web_api import editor_client

    event = new_event(tmp_path / "event")
    event.set_lock("E0", True)
    view = event.set_team_lock(1, True)
    assert view.state.locked == {"E0", "E1", "E2"}
    assert event.last_change["message"] == "locked team 1 (2 schools)"
    assert event.undo().state.locked == {"E0"}
    assert event.redo().state.locked == {"E0", "E1", "E2"}
    assert Event.open(tmp_path / "event").state.locked == {"E0", "E1", "E2"}
    assert event.set_team_lock(1, False).state.locked == set()
    client = editor_client(event)
    answer = client.post("/api/lock_team", json={"team": "2", "locked": True})  # as a form's
    assert answer.is_success and set(answer.json()["locked"]) == {"E3", "E4", "E5"}
    for wrong in (9, 3.5, True):  # refused as /api/move refuses them (3.5 locked team 3)
        assert client.post("/api/lock_team", json={"team": wrong}).status_code == 400
    event.view()  # a view to show while a decision holds the event (a repair, say)
    holding, release = threading.Event(), threading.Event()

    def repairing() -> None:
        with event.lock:
            holding.set()
            release.wait(30)

    threading.Thread(target=repairing).start()
    holding.wait(10)
    panel: list[str] = []  # the team's panel waited for the repair, and so the whole page
    reader = threading.Thread(target=lambda: panel.append(client.get("/ui/suggest?team=2").text))
    reader.start()
    reader.join(20)
    release.set()
    assert panel and "Unlock the team" in panel[0]
    ruled = RULES.model_copy(update={"forbidden": (("E4", 1),)})
    other = Event.create(tmp_path / "ruled", sector_cohort(), ruled, teams=PREVIOUS)
    other.move("E4", 1)
    with pytest.raises(EventError, match="keep it out of team 1"):
        other.set_team_lock(1, True)
    assert not other.state.locked


def test_a_re_optimise_searches_for_its_whole_limit_after_the_solver_process_starts() -> None:
    """A re-optimise asked right after another (its solver process still starting) lost
    the start-up from its limit: a 2 s one searched for half a second and proposed the
    board it began from, barely repaired. The limit now starts when the process is ready;
    cancelled while it starts, nothing is sent."""
    import io
    import pickle
    import queue
    import time

    from clnmatch.event import optimise

    class Starting:  # a solver process that says "ready" after a second
        def __init__(self) -> None:
            self.lines: queue.Queue[str | None] = queue.Queue()
            self.process = type("P", (), {"stdin": io.BytesIO(), "poll": lambda self: 0})()
            self.process.stdin.close = lambda: None  # keep what was sent readable
            self.ready_at = time.time() + 1.0
            threading.Timer(1.0, self.starts).start()

        def starts(self) -> None:
            self.lines.put('["ready", null]\n')
            self.lines.put(None)  # and ends, answering nothing

        def close(self) -> None:
            self.lines.put(None)

    child = Starting()
    cancel = threading.Event()
    with pytest.raises(RuntimeError, match="ended without an answer"):
        optimise.solve_in_child(sector_cohort(), RULES, objective="blend", time_limit=2,
                                seed=0, warm_start={}, child=child)  # type: ignore[arg-type]  # fmt: skip
    sent = pickle.loads(child.process.stdin.getvalue())
    assert sent["deadline"] >= child.ready_at + 2 - 0.05
    late = Starting()
    cancel.set()
    assert optimise.solve_in_child(sector_cohort(), RULES, objective="blend", time_limit=2,
                                   seed=0, warm_start={}, child=late, cancel=cancel) is None  # type: ignore[arg-type]  # fmt: skip
    assert late.process.stdin.getvalue() == b""


def test_a_board_that_breaks_a_rule_exports_its_rosters_in_the_workbook(tmp_path: Path) -> None:
    """The report of a board with a breach showed its teams; its teams.xlsx held only the
    Summary and Technical sheets (an outside tester), so the rosters could not be sent."""
    import io

    import openpyxl

    from clnmatch.event.export import export_bytes, result_of

    event = new_event(tmp_path / "ev")
    for school in ("E0", "E1", "E2"):
        event.move(school, 2)
    assert result_of(event, event.view()).status.value == "breaches"
    book = openpyxl.load_workbook(io.BytesIO(export_bytes(event, "teams.xlsx")))
    assert {"Team 1", "Team 2"} <= set(book.sheetnames), book.sheetnames


def test_a_withdrawn_school_is_named_when_a_decision_needs_it(tmp_path: Path) -> None:
    """A stale tab moving a school withdrawn meanwhile was told "'8548927' has withdrawn":
    a bare id and no way forward (a tester)."""
    event = new_event(tmp_path)
    event.withdraw("E1", time_limit=3)
    for decide in (lambda: event.move("E1", 2), lambda: event.set_lock("E1", True)):
        with pytest.raises(EventError, match=r"School 1 \(E1\) has withdrawn: bring it back"):
            decide()
    event.close()


def test_a_half_saved_export_inside_its_folder_is_removed_when_the_event_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 while version-N is saved a second time leaves its staging folder inside
    exports/version-N (names and emails, mode 0644): it stayed until that name was saved
    again, and went along when the folder was copied to a share."""
    from clnmatch.event.export import export_folder

    monkeypatch.setenv(CHROMIUM_ENV, "none")  # the staging folder is the question, not a PDF
    event = new_event(tmp_path / "event")
    folder, _ = export_folder(event)
    event.close()
    half = folder / f".{folder.name}.staging-999999999-x1y2"  # a process that has ended
    half.mkdir()
    (half / "mailmerge.csv").write_text("name,email\n", encoding="utf-8")
    alive = folder / f".{folder.name}.staging-1-keep"  # pid 1 runs: another's, kept
    alive.mkdir()
    Event.open(tmp_path / "event").close()
    assert not half.exists() and alive.exists()
    assert (folder / "teams.csv").exists()  # the saved files stay


def test_the_events_report_lists_the_days_changes(tmp_path: Path) -> None:
    """The export's report said nothing of the day (a lead officer): only changes.json
    held the withdrawals and the late school. It now lists, as a re-match's report does,
    each school withdrawn, moved and added since the event began."""
    from clnmatch.event.export import result_of
    from clnmatch.report.html import render_report
    from clnmatch.report.views import change_views

    event = new_event(tmp_path)
    event.withdraw("E0", time_limit=3)
    event.move("E5", 1)
    event.add(late_school(), time_limit=3)
    result = result_of(event)
    changes = change_views(result)
    gone = [(c.from_team, c.to_team, c.reason) for c in changes if c.what == "withdrawn"]
    assert gone == [(PREVIOUS["E0"], None, "withdrew at the event")]
    moved = [(c.from_team, c.to_team, c.reason) for c in changes if c.what == "moved"]
    assert (2, 1, "moved at the event") in moved
    added = [c for c in changes if c.what == "added"]
    assert [(c.name, c.from_team) for c in added] == [("Late High", None)]
    assert added[0].to_team == event.state.teams["N1"] >= 1
    html = render_report(result)
    assert "Changes since the previous teams" in html and "late addition at the event" in html
    event.close()


def test_a_proposal_says_when_a_locked_school_loses_its_team_mates(tmp_path: Path) -> None:
    """A school moved and locked came back in the proposal among its old team mates under
    its new number, its present ones moved away together, unsaid (the matching day's
    tester): a lock keeps a team number, not team mates. The proposal names each locked
    school keeping fewer than half of its present (unlocked) team mates, and the page
    says what to do."""
    from clnmatch.event.engine import _parted

    names = {e: type("E", (), {"name": f"School {e}"})() for e in "ABCDE"}
    now = {"A": 2, "B": 2, "C": 2, "D": 1, "E": 1}
    proposed = {"A": 2, "B": 1, "C": 1, "D": 2, "E": 2}
    assert _parted({"A": 2}, now, proposed, names) == [
        {"establishment_id": "A", "establishment_name": "School A", "team": 2, "kept": 0,
         "mates": 2}
    ]  # fmt: skip
    assert _parted({"A": 2, "B": 2}, now, proposed, names)[0]["mates"] == 1  # B locked too
    assert _parted({"A": 2}, now, {**proposed, "B": 2}, names) == []  # half stay: said not

    event = new_event(tmp_path)
    team = event.state.teams["E0"]
    other = 1 if team != 1 else 2
    event.move("E0", other)
    event.set_lock("E0", True)
    proposal = event.reoptimise(3)
    teams = {**event.state.teams, **{str(k): int(v) for k, v in proposal["teams"].items()}}
    mates = [e for e, t in event.state.teams.items() if t == other and e != "E0"]
    kept = sum(1 for e in mates if teams[e] == other)
    said = [p["establishment_id"] for p in proposal["parted"]]
    assert said == (["E0"] if 2 * kept < len(mates) else [])


def test_a_board_breaking_a_rule_keeps_the_proven_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A move breaking a rule and scoring above the bound raised the bar's "best possible
    at most" to that board's score (a lead officer read the broken board as the best
    possible); the bound proven for teams that keep every rule stays."""
    event = new_event(tmp_path)
    proven = 30.0  # below the breaking board's score (34.4), as a tight proof would be
    monkeypatch.setattr(event, "bound_for", lambda state, cohort: proven)
    broken = event.move("E4", 1)
    assert not broken.evaluation.feasible and broken.evaluation.objective > proven
    assert broken.bound == proven and broken.gap is None
    kept = event.move("E4", 2)  # back: every rule kept
    assert kept.evaluation.feasible and kept.bound == max(proven, kept.evaluation.objective)


def test_a_proposal_says_which_teams_change_their_focus_theme(tmp_path: Path) -> None:
    """A re-optimise kept team 7's number but changed its focus theme, unsaid (people at
    "team 7, Parental engagement" found it Outdoor learning: a first-time lead officer)."""
    event = new_event(tmp_path)
    event.move("E0", 2)
    event.move("E4", 1)
    before = event.view().team_focus
    proposal = event.reoptimise(time_limit=2)
    event.accept()
    after = event.view().team_focus
    changed = [{"team": t, "from": before.get(t), "to": after[t]}
               for t in sorted(after) if after[t] != before.get(t)]  # fmt: skip
    assert changed and proposal["focus_changes"] == changed
