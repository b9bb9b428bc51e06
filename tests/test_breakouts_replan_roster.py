"""Re-planning a breakout round from an earlier folder (--from, --replan-round): rounds
that happened stay, people dropped and added, and from a later roster, on which the people
who left are no more (a mid-year re-match's teams.csv): rooms.csv keeps what the rules need
of each person and --drop names them (a lead officer had to paste the old roster and the
joiners' rows together)."""

from __future__ import annotations

import csv
import json

from test_breakouts_cli import _plan_into, _rooms, _roster_rows, _said, _write, runner

from clnmatch.breakouts.io import load_plan, read_people
from clnmatch.cli import EXIT_INVALID, app


def test_a_replan_from_a_roster_without_those_who_left(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    rows = _roster_rows(32)
    _plan_into(
        first,
        ["breakouts", str(_write(tmp_path / "autumn.csv", rows[:30])), "--min-authorities", "3"],
        size=5,
    )
    header = (first / "rooms.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header == ["round", "room", "person_id", "name", "establishment_id", "authority",
                      "sector"]  # fmt: skip
    left = ["0004", "0009"]
    later = [r for r in rows if r[0] not in left]  # two left, two joined (0030, 0031)
    roster = _write(tmp_path / "spring.csv", later)
    args = ["breakouts", str(roster), "--from", str(first), "--replan-round", "2"]
    args += ["--time-limit", "10", "--out", str(second)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == EXIT_INVALID
    assert "give --drop ID for each who left" in _said(refused)
    assert not second.exists()
    done = runner.invoke(app, [*args, "--drop", "0004", "--drop", "0009"])
    assert done.exit_code == 0, done.output
    before, after = _rooms(first / "rooms.csv"), _rooms(second / "rooms.csv")
    assert after[0] == before[0]  # round 1 happened: kept, with those who left
    for later_round in after[1:]:
        assert not set(left) & set(later_round) and {"0030", "0031"} <= set(later_round)
    summary = json.loads((second / "summary.json").read_text())
    assert summary["dropped"] == left and summary["joined"] == ["0030", "0031"]
    assert summary["repeats"] == 0
    people, _ = read_people(roster)
    again = load_plan(people, second, left=left)
    assert again.feasible and again.evaluation is not None
    assert again.evaluation.mean_authorities_per_room >= 3
    # a re-plan of the re-plan knows who left from its summary.json (a reviewer: each
    # later re-plan had to name every earlier drop-out again)
    third = tmp_path / "third"
    args[args.index(str(first))] = str(second)
    args[args.index("2")] = "3"
    args[args.index(str(second), args.index("--out"))] = str(third)
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert _rooms(third / "rooms.csv")[:2] == after[:2]


def test_a_replan_needs_only_the_columns_its_rules_read(tmp_path):
    """A first roster without sectors, a later one with them: the re-plan was refused for
    the sector column rooms.csv lacked (sectors are a soft aim), naming 'authority'."""
    first, second = tmp_path / "first", tmp_path / "second"
    rows = _roster_rows(30)
    no_sector = [[*r[:4], "", *r[5:]] for r in rows]
    autumn = _write(tmp_path / "autumn.csv", no_sector)
    _plan_into(first, ["breakouts", str(autumn), "--min-authorities", "3"], size=5)
    assert "sector" not in (first / "rooms.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    spring = _write(tmp_path / "spring.csv", [r for r in rows if r[0] != "0004"])
    done = runner.invoke(app, ["breakouts", str(spring), "--from", str(first), "--replan-round",
                               "2", "--drop", "0004", "--out", str(second)])  # fmt: skip
    assert done.exit_code == 0, done.output


def test_replan_a_round_from_an_earlier_folder(tmp_path):
    """--from DIR --replan-round 2 --drop ID: round 1 stays, the person is gone from round 2
    on, and the new folder says which rounds were planned again."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(30))
    first, second = tmp_path / "first", tmp_path / "second"
    args = ["breakouts", str(roster), "--time-limit", "10"]
    _plan_into(first, args, size=5)
    done = runner.invoke(
        app,
        [
            *args,
            "--from",
            str(first),
            "--replan-round",
            "2",
            "--drop",
            "0007",
            "--out",
            str(second),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "Dropped out, in no room from then on: 1 person from round 2." in _said(done)
    before, after = _rooms(first / "rooms.csv"), _rooms(second / "rooms.csv")
    assert before[0] == after[0]
    assert "0007" not in after[1] and "0007" not in after[2]
    summary = json.loads((second / "summary.json").read_text())
    assert 2 in summary["replanned_rounds"] and summary["dropped"] == ["0007"]
    roster_obj, _ = read_people(roster)
    again = load_plan(roster_obj, second)
    assert again.feasible and again.repeats == summary["repeats"]
    done = runner.invoke(
        app,
        [*args, "--from", str(first), "--replan-round", "2", "--rounds", "4", "--out", str(second)],
    )
    assert done.exit_code == EXIT_INVALID and "cannot change a plan" in _said(done)


def test_replan_places_people_added_to_the_roster_since(tmp_path):
    """Two people added to the roster after the first plan: a re-plan from round 2 places
    them in rounds 2 and 3 (never in round 1, which happened), says so, and the new plan
    still keeps every rule; a person dropped before is not brought back."""
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    rows = _roster_rows(32)
    small = _write(tmp_path / "small.csv", rows[:30])
    _plan_into(first, ["breakouts", str(small), "--time-limit", "10"], size=5)
    grown = _write(tmp_path / "grown.csv", rows)
    args = ["breakouts", str(grown), "--time-limit", "10", "--from", str(first)]
    done = runner.invoke(
        app, [*args, "--replan-round", "2", "--drop", "0004", "--out", str(second)]
    )
    assert done.exit_code == 0, done.output
    assert "2 people on the roster but in no round of --from's plan joined from round 2" in (
        done.output
    )
    after = _rooms(second / "rooms.csv")
    assert "0030" not in after[0] and "0031" not in after[0]
    assert all({"0030", "0031"} <= set(r) for r in after[1:])
    summary = json.loads((second / "summary.json").read_text())
    assert summary["joined"] == ["0030", "0031"] and summary["dropped"] == ["0004"]
    roster_obj, _ = read_people(grown)
    assert load_plan(roster_obj, second).feasible
    args[args.index(str(first))] = str(second)
    done = runner.invoke(app, [*args, "--replan-round", "3", "--out", str(third)])
    assert done.exit_code == 0, done.output
    assert "0004" not in _rooms(third / "rooms.csv")[2]
    assert json.loads((third / "summary.json").read_text())["joined"] == []


def test_a_replan_never_changes_a_round_that_happened(tmp_path):
    """Round 1 of the folder edited by hand so that two colleagues share a room: re-planning
    round 2 refuses (naming round 1 and the rule) rather than rewrite round 1."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(24))
    first = tmp_path / "first"
    args = ["breakouts", str(roster), "--time-limit", "5"]
    _plan_into(first, args, size=4)
    rows = list(csv.DictReader((first / "rooms.csv").open(encoding="utf-8-sig")))
    room_of = {r["person_id"]: r["room"] for r in rows if r["round"] == "1"}
    for r in rows:  # person 0001 joins their colleague 0000 (both of E0) in round 1
        if r["round"] == "1" and r["person_id"] == "0001":
            r["room"] = room_of["0000"]
    with (first / "rooms.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = runner.invoke(
        app, [*args, "--from", str(first), "--replan-round", "2", "--out", str(tmp_path / "b")]
    )
    assert done.exit_code == EXIT_INVALID, done.output
    assert "Round 1 of the plan breaks a rule" in _said(done)
    assert not (tmp_path / "b").exists()


def test_a_pseudonymised_plan_cannot_be_replanned_and_says_why(tmp_path):
    """A folder written with --pseudonymise holds pseudonyms, not the roster's ids: a
    re-plan from it is refused in one sentence (it listed every row of rooms.csv)."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(30))
    first, out = tmp_path / "first", tmp_path / "out"
    _plan_into(first, ["breakouts", str(roster), "--time-limit", "10", "--pseudonymise"], size=5)
    done = runner.invoke(
        app,
        ["breakouts", str(roster), "--from", str(first), "--replan-round", "2", "--out", str(out)],
    )
    assert done.exit_code == EXIT_INVALID
    said = " ".join(done.output.split())
    assert "a plan written without --pseudonymise" in said and said.count("person_id") == 0


def test_a_late_joiner_who_leaves_is_said_to_leave_after_joining(tmp_path):
    """Joined at round 2 and dropped at round 3, a late joiner was said to have "dropped
    out ... from round 1" (the first round they were in no room: before joining)."""
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    rows = _roster_rows(32)
    _plan_into(first, ["breakouts", str(_write(tmp_path / "a.csv", rows[:30]))], size=5)
    roster = str(_write(tmp_path / "b.csv", rows))  # 0030 and 0031 join at round 2
    common = ["breakouts", roster, "--time-limit", "10"]
    joined = runner.invoke(app, [*common, "--from", str(first), "--replan-round", "2",
                                 "--out", str(second)])  # fmt: skip
    assert joined.exit_code == 0, joined.output
    left = runner.invoke(app, [*common, "--from", str(second), "--replan-round", "3",
                               "--drop", "0030", "--out", str(third)])  # fmt: skip
    assert left.exit_code == 0, left.output
    people, _ = read_people(roster)
    assert load_plan(people, third, left=["0030"]).dropped_from() == {"0030": 3}
    said = _said(left)
    assert "1 person from round 3" in said and "from round 1" not in said


def test_rows_cut_from_a_plans_rooms_csv_are_refused_not_read_as_absence(tmp_path):
    """A room's rows deleted from round 2 of rooms.csv (a slip in Excel): its people were
    re-planned as in no room that round, their meeting forgotten, unsaid; rounds cut off
    were refused as rules that cannot be met (an organiser). Both are input errors naming
    the rows missing."""
    first = tmp_path / "first"
    roster = _write(tmp_path / "roster.csv", _roster_rows(30))
    _plan_into(first, ["breakouts", str(roster)], size=5)
    lines = (first / "rooms.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], [line.split(",") for line in lines[1:]]
    cut = [",".join(r) for r in rows if not (r[0] == "2" and r[1] == "1")]
    (first / "rooms.csv").write_text("\n".join([header, *cut]) + "\n", encoding="utf-8")
    args = ["breakouts", str(roster), "--from", str(first), "--replan-round", "3"]
    refused = runner.invoke(app, [*args, "--out", str(tmp_path / "again")])
    assert refused.exit_code == EXIT_INVALID and not (tmp_path / "again").exists()
    missing = sorted(r[2] for r in rows if r[0] == "2" and r[1] == "1")
    said = _said(refused)
    assert f"round 2 has no row for {', '.join(missing)}" in said
    # a room cut from the last round (a reviewer): its people were left out of it unsaid
    last = max(r[0] for r in rows)
    cut = [",".join(r) for r in rows if not (r[0] == last and r[1] == "1")]
    (first / "rooms.csv").write_text("\n".join([header, *cut]) + "\n", encoding="utf-8")
    refused = runner.invoke(app, [*args, "--out", str(tmp_path / "again")])
    missing = sorted(r[2] for r in rows if r[0] == last and r[1] == "1")
    assert refused.exit_code == EXIT_INVALID
    assert f"round {last} has no row for {', '.join(missing)}" in _said(refused)
    kept = [",".join(r) for r in rows if r[0] in ("1", "2")]
    (first / "rooms.csv").write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
    refused = runner.invoke(app, [*args, "--out", str(tmp_path / "again")])
    assert refused.exit_code == EXIT_INVALID
    assert "round(s) 3" in _said(refused) and "have none (cut from the file?)" in _said(refused)
