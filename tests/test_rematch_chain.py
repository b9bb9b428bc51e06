"""Re-matching on the day (contract section 8): chains, honest records, stable numbers, diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import balanced_cohort
from test_rematch import PREVIOUS, RULES, sector_cohort
from typer.testing import CliRunner

from clnmatch.cli import app, sample_paths
from clnmatch.evaluate import check
from clnmatch.models import Facilitator, Rules
from clnmatch.rematch import (
    ChangeRecord,
    apply_changes,
    facilitator_changes,
    rematch_teams,
    stable_labels,
)

runner = CliRunner()
SURVEY, FACILITATORS = sample_paths()


def run(*args: object):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _first_ids(n: int) -> list[str]:
    """The first n distinct establishment ids of the sample survey, in file order."""
    seen: list[str] = []
    for line in SURVEY.read_text(encoding="utf-8-sig").splitlines()[1:]:
        eid = line.split(",")[2]
        if eid not in seen:
            seen.append(eid)
    return seen[:n]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """solve -> rematch (one school withdraws) -> rematch of the rematch (another withdraws)."""
    base = tmp_path_factory.mktemp("chain")
    first, second = _first_ids(2)
    fac = ("--facilitators", FACILITATORS)
    out0, out1, out2 = base / "solved", base / "r1", base / "r2"
    quick = ("--time-limit", "3", "--no-pdf")  # no one reads a handouts.pdf here
    done = run("solve", SURVEY, *fac, "--strategy", "greedy", *quick, "--out", out0, "--quiet")
    assert done.exit_code == 0, done.output
    done = run("rematch", SURVEY, out0, *fac, "--withdraw", first, *quick, "--out", out1)
    assert done.exit_code == 0, done.output
    (base / "r1.txt").write_text(done.output, encoding="utf-8")
    done = run("rematch", SURVEY, out1, *fac, "--withdraw", second, *quick, "--out", out2)
    assert done.exit_code == 0, done.output
    (base / "r2.txt").write_text(done.output, encoding="utf-8")
    return {"solved": out0, "r1": out1, "r2": out2, "base": base}


def test_a_withdrawn_school_never_comes_back(chain: dict[str, Path]) -> None:
    """The second rematch remembers the first withdrawal: neither school is in its teams."""
    first, second = _first_ids(2)
    teams = (chain["r2"] / "teams.csv").read_text(encoding="utf-8-sig")
    assert first not in teams and second not in teams
    record = ChangeRecord.read(chain["r2"])
    assert set(record.withdrawn_of("establishment")) == {first, second}
    assert "late addition" not in (chain["r2"] / "moves.csv").read_text(encoding="utf-8-sig")


def test_check_and_report_accept_a_rematched_result(chain: dict[str, Path]) -> None:
    """check exits 0 (no 'unassigned') and report rebuilds the files of a rematched result."""
    r2 = chain["r2"]
    done = run("check", SURVEY, r2 / "teams.csv", "--facilitators", FACILITATORS,
               "--links", r2 / "facilitators.csv")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "unassigned" not in done.output
    # the folder itself is its teams.csv; its teams.xlsx (for people) points to that
    folder = run("check", SURVEY, r2, "--facilitators", FACILITATORS)
    assert folder.exit_code == 0, folder.output
    workbook = runner.invoke(app, ["check", str(SURVEY), str(r2 / "teams.xlsx")])
    said = " ".join(workbook.output.split())
    assert workbook.exit_code == 2 and "check the teams.csv beside it" in said, said
    out = chain["base"] / "report"
    done = run("report", r2, "--survey", SURVEY, "--facilitators", FACILITATORS, "--no-pdf",
               "--out", out)  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (out / "report.html").is_file()


def test_summary_lists_moves_and_facilitator_changes(chain: dict[str, Path]) -> None:
    """summary.json carries the moves, facilitator link changes and the whole problem's bound."""
    summary = json.loads((chain["r1"] / "summary.json").read_text(encoding="utf-8"))
    section = summary["rematch"]
    assert {"moves", "facilitator_changes", "fewest_moves_bound", "withdrawn"} <= set(section)
    assert summary["bound"] is not None and summary["bound"] >= summary["objective"] - 1e-9
    if summary["status"] == "optimal":
        assert summary["bound"] == pytest.approx(summary["objective"])
    output = (chain["base"] / "r1.txt").read_text(encoding="utf-8")
    assert "establishment(s) moved" in output and "facilitator(s) changed team" in output
    # the withdrawal is confirmed, by id and name (it was said in moves.csv only)
    first = section["withdrawn"][0]
    said = f"withdrawn {first['establishment_id']} ({first['establishment_name']}): was in team"
    assert said in " ".join(output.split()) and "withdrawn alone" not in output


def test_diff_lists_what_changed(chain: dict[str, Path]) -> None:
    """diff names the withdrawn school and re-checks both sides with the survey."""
    first, _ = _first_ids(2)
    done = run("diff", chain["solved"], chain["r1"], "--survey", SURVEY,
               "--facilitators", FACILITATORS, "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    changed = {row["establishment_id"]: (row["a"], row["b"]) for row in result["establishments"]}
    assert changed[first][1] is None
    assert result["a"]["checked"] and result["b"]["checked"]
    assert result["b"]["breaches"] == []
    plain = run("diff", chain["solved"], chain["r1"])
    assert plain.exit_code == 0 and "as saved in summary.json" in plain.output
    moved = [row["practitioner_id"] for row in result["practitioners"]]
    # each with their school (ids alone meant nothing with a Forms export: a lead officer)
    schools = {row["establishment_name"] for row in result["practitioners"]}
    assert moved and "" not in schools
    said = " ".join(plain.output.split())
    assert all(f"{pid} (of {next(iter(schools))}): team " in said for pid in moved), said


def test_diff_of_row_number_ids_says_to_give_the_survey(tmp_path: Path) -> None:
    """An export without practitioner_id is read with row numbers for ids (R002, ...); one
    response deleted renumbers the rest, and diff without --survey listed 94 of 95 people
    as moved. It says what the ids are and to give --survey."""
    rows = {"a": ["R002,E1,1", "R003,E1,1", "R004,E2,2"], "b": ["R002,E1,1", "R003,E2,2"]}
    for side, lines in rows.items():
        (tmp_path / side).mkdir()
        text = "\n".join(["practitioner_id,establishment_id,team", *lines]) + "\n"
        (tmp_path / side / "teams.csv").write_text(text, encoding="utf-8")
    done = run("diff", tmp_path / "a", tmp_path / "b")
    assert done.exit_code == 0, done.output
    assert "row numbers" in done.output and "give --survey" in " ".join(done.output.split())


def test_diff_says_a_withdrawn_school_is_withdrawn(chain: dict[str, Path]) -> None:
    """The plain diff words a missing side (it said "not in the event" of rematched folders,
    where no event was held); --json keeps null."""
    first, _ = _first_ids(2)
    plain = run("diff", chain["solved"], chain["r1"])
    assert plain.exit_code == 0, plain.output
    line = next(x for x in plain.output.splitlines() if x.startswith(f"  {first}"))
    assert line.endswith("-> withdrawn or not yet added"), line
    assert "None" not in plain.output
    import pandas as pd

    # named from teams.csv, as the survey would name it (a tester had ids alone)
    rows = pd.read_csv(chain["solved"] / "teams.csv", dtype=str)
    name = dict(zip(rows["establishment_id"], rows["establishment_name"], strict=True))[first]
    assert line.startswith(f"  {first} ({name}):"), line
    files = run("diff", chain["solved"] / "teams.csv", chain["r1"] / "teams.csv")
    assert files.exit_code == 0 and line in files.output  # the folders' teams.csv named


def test_stable_labels_keep_the_biggest_overlap() -> None:
    """Renamed teams get back the number of the previous team they overlap most."""
    previous = {"a": 1, "b": 1, "c": 2, "d": 2, "e": 3, "f": 3}
    new = {"a": 3, "b": 3, "c": 1, "d": 1, "e": 2, "f": 2}  # the same teams, renumbered
    labels = stable_labels(new, previous, 3)
    assert {e: labels[t] for e, t in new.items()} == previous


def test_stable_labels_respect_fixed_teams() -> None:
    """A team named by a pin keeps its number even when another number overlaps more."""
    previous = {"a": 1, "b": 1, "c": 2}
    new = {"a": 2, "b": 2, "c": 1}  # team 2 now holds a, b; c is pinned in team 1
    labels = stable_labels(new, previous, 2, fixed={1})
    assert labels == {1: 1, 2: 2}


def test_reoptimise_mode_keeps_team_numbers() -> None:
    """A fresh solve of the changed cohort comes back numbered like the previous teams."""
    cohort = balanced_cohort(12, 2)
    rules = Rules(teams=2, min_establishments=0)
    from clnmatch.solve import solve

    first = solve(cohort, rules, strategy="greedy", time_limit=3)
    before = first.establishment_team()
    result = rematch_teams(cohort, before, ["E3"], rules=rules, time_limit=4, mode="reoptimise")
    assert result.feasible
    after = result.establishment_team()
    stay = sum(after[e] == before[e] for e in after)
    swapped = sum(after[e] != before[e] for e in after)
    assert stay >= swapped  # numbered by largest overlap
    assert check(result.cohort, rules, result.assignment).feasible


def test_reoptimise_at_the_least_time_limit_still_answers() -> None:
    """The command line gives the match at least 0.5 s; the fresh solve, the only answer of
    a re-optimise, was refused under 0.5 s left, so a busy machine got 'No rule-abiding
    re-match was found' (exit 1) for a cohort that has one."""
    cohort = balanced_cohort(12, 2)
    rules = Rules(teams=2, min_establishments=0)
    from clnmatch.solve import solve

    before = solve(cohort, rules, strategy="greedy", time_limit=3).establishment_team()
    result = rematch_teams(cohort, before, ["E3"], rules=rules, time_limit=0.5, mode="reoptimise")
    assert result.feasible, result.notes
    assert check(result.cohort, rules, result.assignment).feasible


def test_facilitator_links_kept_when_they_hold() -> None:
    """Links that keep every facilitator rule stay; the summary lists no change."""
    cohort = sector_cohort().model_copy(update={"facilitators": (
        Facilitator(id="F1", name="Fac One", authority="A"),
        Facilitator(id="F2", name="Fac Two", authority="B"),
        Facilitator(id="F3", name="Fac Three", authority="C"),
    )})  # fmt: skip
    links = [("F1", 1), ("F2", 2), ("F3", 1)]
    result = rematch_teams(
        cohort, PREVIOUS, ["E5"], rules=RULES, time_limit=3, previous_links=links
    )
    assert result.feasible
    assert set(result.facilitator_links) == set(links)
    assert result.facilitator_changes == ()


def test_a_new_facilitator_joins_and_the_others_keep_their_teams() -> None:
    """A late facilitator added: the old links no longer use everyone, so facilitators are
    allocated again, but every old link that keeps the rules stays (the allocation
    afresh would move F1 and F2)."""
    from clnmatch.facilitators import allocate_facilitators

    people = (
        Facilitator(id="F1", name="Fac One", authority="A"),
        Facilitator(id="F2", name="Fac Two", authority="B"),
    )
    cohort = sector_cohort().model_copy(update={"facilitators": people})
    unit_team = [PREVIOUS[e.id] - 1 for e in cohort.establishments]
    late = Facilitator(id="F9", name="Fac Late", authority="C")
    everyone = cohort.model_copy(update={"facilitators": (*people, late)})
    fresh = set(allocate_facilitators(everyone, RULES, unit_team).links)
    links = [("F1", 2), ("F2", 1)]  # valid, but not what an allocation afresh picks
    assert fresh.isdisjoint(links)
    added = cohort.model_copy(update={"practitioners": (), "establishments": (),
                                      "facilitators": (late,)})  # fmt: skip
    result = rematch_teams(
        cohort, PREVIOUS, (), added, rules=RULES, time_limit=3, previous_links=links
    )
    assert result.feasible and set(links) < set(result.facilitator_links)
    assert [c.facilitator_id for c in result.facilitator_changes] == ["F9"]


def test_every_facilitator_withdrawing_is_a_conflict_not_a_table_never_given() -> None:
    """With a facilitators table, losing all its facilitators leaves teams nobody nurtures:
    infeasible, said in numbers (it became a cohort without a table, 'optimal')."""
    people = (
        Facilitator(id="F1", name="Fac One", authority="A"),
        Facilitator(id="F2", name="Fac Two", authority="B"),
    )
    cohort = sector_cohort().model_copy(update={"facilitators": people})
    result = rematch_teams(
        cohort, PREVIOUS, ["F1", "F2"], rules=RULES, time_limit=3,
        previous_links=[("F1", 1), ("F2", 2)],
    )  # fmt: skip
    assert result.status.value == "infeasible" and result.diagnosis is not None
    assert "all 2 facilitators withdrew" in result.diagnosis.message()


def test_facilitator_changes_are_listed() -> None:
    """Every facilitator whose teams differ is listed with both sides."""
    changes = facilitator_changes([("F1", 1), ("F2", 2)], [("F1", 2), ("F2", 2), ("F3", 1)])
    assert [(c.facilitator_id, c.before, c.after) for c in changes] == [
        ("F1", (1,), (2,)),
        ("F3", (), (1,)),
    ]


def test_change_record_round_trip_and_re_adding() -> None:
    """A record survives JSON; a withdrawn school added again leaves the withdrawn list."""
    cohort = sector_cohort()
    change = apply_changes(cohort, ["E4"])
    record = ChangeRecord(themes=cohort.themes).then(change, cohort)
    again = ChangeRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert (
        again.apply(cohort).establishment_by_id.keys() == change.cohort.establishment_by_id.keys()
    )
    rows = cohort.model_copy(
        update={
            "establishments": tuple(e for e in cohort.establishments if e.id == "E4"),
            "practitioners": cohort.nominees["E4"],
        }
    )
    back = apply_changes(again.apply(cohort), (), rows)
    later = again.then(back, again.apply(cohort))
    assert "E4" not in later.withdrawn_of("establishment")
    assert "E4" in later.apply(cohort).establishment_by_id


def test_a_pseudonymised_rematch_names_no_one_in_its_change_record(
    chain: dict[str, Path], tmp_path: Path
) -> None:
    """changes.json of `rematch --pseudonymise`: a withdrawn practitioner's id and a late
    school's ids, names, emails and job titles are replaced, by the ids teams.csv gives
    them (it replaced names and emails only: ids such as emails and job titles stayed)."""
    import pandas as pd

    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    gone = survey["practitioner_id"].iloc[-1]
    late = survey[survey["establishment_id"] == _first_ids(1)[0]].copy()
    late["establishment_id"] = "LATE-1"
    late["practitioner_id"] = ["late.one@school.sch.uk", "late.two@school.sch.uk"][: len(late)]
    late["email"] = late["practitioner_id"]
    late["job_title"] = "Acting Principal Teacher of Secrets"
    add = tmp_path / "late.csv"
    late.to_csv(add, index=False)
    out = tmp_path / "pseudo"
    done = run("rematch", SURVEY, chain["solved"], "--facilitators", FACILITATORS,
               "--withdraw", gone, "--add", add, "--time-limit", "3", "--no-pdf", "--out",
               out, "--pseudonymise")  # fmt: skip
    assert done.exit_code == 0, done.output
    text = (out / "changes.json").read_text(encoding="utf-8")
    for secret in (gone, "late.one@", "Secrets", *late["name"]):
        assert secret not in text, secret
    record = json.loads(text)
    teams_ids = set(pd.read_csv(out / "teams.csv", dtype=str)["practitioner_id"])
    added = {p["id"] for p in record["added"]["practitioners"]}
    assert added and added <= teams_ids
    assert all(x.startswith("P-") for x in record["withdrawn"]["practitioner"])
    # a pseudonymised folder is no input: its people are in no row of the survey
    assert json.loads((out / "summary.json").read_text())["pseudonymised"] is True
    for command in (
        ["rematch", SURVEY, out, "--facilitators", FACILITATORS, "--out", tmp_path / "again"],
        ["check", SURVEY, out / "teams.csv"],
        ["report", out, "--survey", SURVEY, "--no-pdf"],
    ):
        done = run(*command)
        assert done.exit_code == 2 and "written without --pseudonymise" in " ".join(
            done.output.split()
        )
    assert not (tmp_path / "again").exists()
    # one written before summary.json said so: none of its people is the survey's
    solved = tmp_path / "solved"
    done = run("solve", SURVEY, "--facilitators", FACILITATORS, "--time-limit", "5", "--strategy",
               "greedy", "--no-pdf", "-q", "--pseudonymise", "--out", solved)  # fmt: skip
    summary = json.loads((solved / "summary.json").read_text())
    del summary["pseudonymised"]
    (solved / "summary.json").write_text(json.dumps(summary))
    done = run("rematch", SURVEY, solved, "--facilitators", FACILITATORS, "--out", tmp_path / "x")
    assert done.exit_code == 2 and "none of its" in done.output and not (tmp_path / "x").exists()


def test_a_teams_csv_without_its_changes_is_said_so(chain: dict[str, Path]) -> None:
    """A teams.csv copied away from its changes.json: check says the people in no team may
    have withdrawn, and a rematch from it names every school it placed as a late addition
    (they come back: nothing records their withdrawal) instead of saying nothing."""
    first, second = _first_ids(2)
    loose = chain["base"] / "loose"
    loose.mkdir()
    (loose / "teams.csv").write_bytes((chain["r2"] / "teams.csv").read_bytes())
    done = runner.invoke(app, ["check", str(SURVEY), str(loose / "teams.csv")])
    assert done.exit_code == 4 and "changes.json records withdrawals" in " ".join(
        done.output.split()
    )
    out = chain["base"] / "from-loose"
    done = run("rematch", SURVEY, loose / "teams.csv", "--facilitators", FACILITATORS,
               "--time-limit", "3", "--no-pdf", "--out", out)  # fmt: skip
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert f"add {first} (" in text and f"add {second} (" in text  # id (name): team ...
    assert "placed as late additions" in text and "2 establishment(s) added." in text


def test_check_says_a_row_left_in_teams_csv_withdrew(chain: dict[str, Path]) -> None:
    """A withdrawn nominee's row put back into a rematched teams.csv by hand: check names
    them as withdrawn (changes.json), not as someone the survey does not hold."""
    first, _ = _first_ids(2)
    edited = chain["base"] / "edited"
    edited.mkdir()
    for name in ("teams.csv", "changes.json"):
        (edited / name).write_bytes((chain["r2"] / name).read_bytes())
    lines = SURVEY.read_text(encoding="utf-8-sig").splitlines()
    pid = next(line.split(",")[0] for line in lines[1:] if line.split(",")[2] == first)
    header = (edited / "teams.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    row = {"practitioner_id": pid, "establishment_id": first, "team": "1"}
    with (edited / "teams.csv").open("a", encoding="utf-8") as handle:
        handle.write(",".join(row.get(column, "") for column in header) + "\n")
    done = runner.invoke(app, ["check", str(SURVEY), str(edited / "teams.csv")])
    assert done.exit_code == 4
    said = " ".join(done.output.split())
    # the breach itself names them as withdrawn (it said "not a practitioner of the survey")
    assert f"BREACH unknown_practitioner [{pid}]: '{pid}' withdrew (" in said
    assert "not a practitioner" not in said


def test_a_late_nominee_may_not_take_a_withdrawn_nominees_id(
    chain: dict[str, Path], tmp_path: Path
) -> None:
    """--add giving a new school's nominee the id of a nominee who withdrew earlier in the
    chain: refused (exit 2, the file and column named, nothing written). Taken, check and
    report would read the survey's person under that id, not the newcomer."""
    import pandas as pd

    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    first = _first_ids(1)[0]
    late = survey[survey["establishment_id"] == first].copy()  # that school withdrew in r1
    late["establishment_id"] = "LATE-9"
    late["name"] = ["Someone Else", "Another One"][: len(late)]
    add = tmp_path / "late.csv"
    late.to_csv(add, index=False)
    out = tmp_path / "reused"
    done = run("rematch", SURVEY, chain["r2"], "--facilitators", FACILITATORS, "--add", add,
               "--time-limit", "3", "--out", out)  # fmt: skip
    said = " ".join(done.output.split())
    assert done.exit_code == 2 and "late.csv, column 'practitioner_id'" in said, said
    assert "an id of the new nominee's own" in said and not out.exists()


def test_diff_of_a_broken_summary_names_the_file(chain: dict[str, Path]) -> None:
    """A summary.json that is not JSON is an input error (exit 2) naming that file, as in
    `report`, not an unexpected error."""
    broken = chain["base"] / "broken"
    broken.mkdir()
    (broken / "teams.csv").write_bytes((chain["r1"] / "teams.csv").read_bytes())
    (broken / "summary.json").write_text("{bad", encoding="utf-8")
    done = runner.invoke(app, ["diff", str(chain["solved"]), str(broken)])
    said = " ".join(done.output.split())
    assert done.exit_code == 2 and "broken/summary.json: expected a summary.json" in said, said


def test_a_rematch_keeps_the_previous_results_rules_and_objective(tmp_path: Path) -> None:
    """Solved with --teams 7 and focus: the rematch keeps 7 teams and focus without being
    told again; a rule option overrides one rule and keeps the others."""
    first = _first_ids(1)[0]
    fac = ("--facilitators", FACILITATORS)
    solved = tmp_path / "solved"
    done = run("solve", SURVEY, *fac, "--teams", "7", "--objective", "focus", "--strategy",
               "greedy", "--time-limit", "3", "--no-pdf", "--out", solved, "--quiet")  # fmt: skip
    assert done.exit_code == 0, done.output
    for extra, teams, tolerance in (((), 7, 2), (("--size-tolerance", "3"), 7, 3)):
        out = tmp_path / f"r{tolerance}"
        done = run("rematch", SURVEY, solved, *fac, "--withdraw", first, *extra,
                   "--time-limit", "3", "--no-pdf", "--out", out, "--quiet")  # fmt: skip
        assert done.exit_code == 0, done.output
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["rules"]["teams"] == teams and summary["objective_name"] == "focus"
        assert summary["rules"]["size_tolerance"] == tolerance


def test_an_addition_clashing_with_the_survey_names_its_file(
    chain: dict[str, Path], tmp_path: Path
) -> None:
    """A late nominee of a school the survey places in another authority: exit 2, the
    --add file named, in the command line's words (not a Python parameter's)."""
    import pandas as pd

    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    late = survey.iloc[[-1]].copy()
    late["practitioner_id"] = "LATE-77"
    late["authority"] = "Fife"
    add = tmp_path / "late.csv"
    late.to_csv(add, index=False)
    done = run("rematch", SURVEY, chain["solved"], "--facilitators", FACILITATORS, "--add",
               add, "--time-limit", "3", "--out", tmp_path / "out")  # fmt: skip
    said = " ".join(done.output.split())
    assert done.exit_code == 2 and "late.csv: expected late additions that agree" in said, said
    assert "parameter" not in said and not (tmp_path / "out").exists()


def test_schools_locked_at_the_event_stay_in_a_later_rematch(
    chain: dict[str, Path], tmp_path: Path
) -> None:
    """An event's export records the schools the room locked (summary.json's event.locked);
    a rematch from that folder moved them like any other. Now they stay (as pins), said in
    a note, and the new summary carries them on as the event's locks, so that a rematch of
    the rematch keeps them too, or --unlock lets them move."""
    import shutil

    import pandas as pd

    exported = tmp_path / "exported"
    shutil.copytree(chain["solved"], exported)
    summary = json.loads((exported / "summary.json").read_text(encoding="utf-8"))
    teams = pd.read_csv(exported / "teams.csv", dtype=str).drop_duplicates("establishment_id")
    team_of = dict(zip(teams["establishment_id"], teams["team"].astype(int), strict=True))
    locked = [e for e in team_of if e not in _first_ids(2)][:12]
    summary["event"] = {"version": 9, "locked": locked}
    first = _first_ids(1)[0]  # pinned by the rules too, and withdrawn: its pin goes with it
    summary["rules"]["pins"] = {first: team_of[first]}
    (exported / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    args = ("rematch", SURVEY, exported, "--facilitators", FACILITATORS, "--withdraw", first,
            "--reoptimise", "--time-limit", "2", "--no-pdf")  # fmt: skip
    done = run(*args, "--out", tmp_path / "kept")
    assert done.exit_code == 0, done.output
    assert "12 school(s) locked at the matching event stay" in " ".join(done.output.split())
    after = pd.read_csv(tmp_path / "kept" / "teams.csv", dtype=str).drop_duplicates(
        "establishment_id"
    )
    now = dict(zip(after["establishment_id"], after["team"].astype(int), strict=True))
    assert all(now[e] == team_of[e] for e in locked)
    saved = json.loads((tmp_path / "kept" / "summary.json").read_text(encoding="utf-8"))
    assert sorted(saved["event"]["locked"]) == sorted(locked)  # carried on, not as own pins
    assert not set(locked) & set(saved["rules"].get("pins", {}))
    free = run(*args, "--unlock", "--out", tmp_path / "free")
    assert free.exit_code == 0 and "locked at the matching event" not in free.output
    second = _first_ids(2)[1]  # a rematch of the rematch keeps them, or frees them
    again = ("rematch", SURVEY, tmp_path / "kept", "--facilitators", FACILITATORS,
             "--withdraw", second, "--reoptimise", "--time-limit", "2", "--no-pdf")  # fmt: skip
    assert "12 school(s) locked" in run(*again, "--out", tmp_path / "k2").output
    freed = run(*again, "--unlock", "--out", tmp_path / "f2")
    assert freed.exit_code == 0
    assert "event" not in json.loads((tmp_path / "f2" / "summary.json").read_text(encoding="utf-8"))


def test_diff_says_a_school_split_by_a_hand_edit_is_split(
    chain: dict[str, Path], tmp_path: Path
) -> None:
    """One nominee of a school moved by hand: diff said the school "moved" to its first
    nominee's team (or nothing, when that one stayed); it says split, with both teams."""
    import shutil

    import pandas as pd

    edited = tmp_path / "edited"
    shutil.copytree(chain["solved"], edited)
    rows = pd.read_csv(edited / "teams.csv", dtype=str, keep_default_na=False)
    twice = rows["establishment_id"].value_counts()
    eid = str(twice[twice >= 2].index[0])
    last = rows.index[rows["establishment_id"] == eid][-1]
    team = int(rows.at[last, "team"])
    other = 1 if team != 1 else 2
    rows.at[last, "team"] = str(other)
    rows.to_csv(edited / "teams.csv", index=False)
    for extra in ([], ["--survey", SURVEY, "--facilitators", FACILITATORS]):
        plain = run("diff", chain["solved"], edited, *extra)
        assert plain.exit_code == 0, plain.output
        line = next(x for x in plain.output.splitlines() if x.startswith(f"  {eid}"))
        low, high = sorted((team, other))
        assert line.endswith(f"team {team} -> split over teams {low} and {high}"), line
        done = json.loads(run("diff", chain["solved"], edited, *extra, "--json").output)
        row = next(r for r in done["establishments"] if r["establishment_id"] == eid)
        assert row["a_split"] == [] and row["b_split"] == [low, high]


def test_cohort_of_folder_names_a_path_given_for_the_survey(tmp_path: Path) -> None:
    """docs/python.md's recipe, given the survey's path as the readers take it, ended in
    AttributeError ('str' object has no attribute 'establishments': a re-tester)."""
    from clnmatch.errors import InvalidParameterError
    from clnmatch.rematch import cohort_of_folder

    with pytest.raises(InvalidParameterError, match="a Cohort"):
        cohort_of_folder(str(SURVEY), tmp_path)  # type: ignore[arg-type]
