"""The roster's warnings reach every user of `clnmatch breakouts`: shown with -q (they are
not progress, as with `clnmatch solve`), and carried in --json's answer."""

from __future__ import annotations

import json

from test_breakouts_cli import _roster_rows, _write
from typer.testing import CliRunner

from clnmatch.cli import app

runner = CliRunner()


def test_quiet_shows_and_json_carries_the_rosters_warnings(tmp_path):
    rows = _roster_rows(12)
    rows[7][5] = rows[2][5]  # one e-mail on two rows: a warning naming both rows
    roster = _write(tmp_path / "roster.csv", rows)
    history = tmp_path / "teams.csv"
    history.write_text("practitioner_id,team\n0001,1\n0002,1\nP-X1,1\n")
    args = ["breakouts", str(roster), "--rounds", "2", "--room-size", "4"]
    args += ["--history", str(history), "--time-limit", "5"]

    quiet = runner.invoke(app, [*args, "-q", "--out", str(tmp_path / "q")])
    assert quiet.exit_code == 0, quiet.output
    said = " ".join(quiet.output.split())
    assert "row 9, column 'email'" in said and "1 of the 3 people in --history" in said

    done = runner.invoke(app, [*args, "--json", "--out", str(tmp_path / "j")])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.stdout)
    assert answer["repeats"] >= 0 and len(answer["warnings"]) == 2
    assert any("row 9, column 'email'" in w for w in answer["warnings"])
    assert any("not on the roster" in w for w in answer["warnings"])
    assert rows[2][5] not in done.output  # the address itself is not repeated


def test_read_history_takes_one_path_as_well_as_a_list(tmp_path):
    """read_history("teams.csv") read the path letter by letter ("c: expected a file")."""
    from clnmatch.breakouts.io import read_history

    history = tmp_path / "teams.csv"
    history.write_text("practitioner_id,team\n0001,1\n0002,1\n")
    assert read_history(history).rounds == read_history([history]).rounds
    assert dict(read_history(str(history)).rounds[0]) == {"0001": "1", "0002": "1"}


def test_quiet_keeps_the_note_of_a_run_past_its_limit(tmp_path, monkeypatch):
    """-q turns off progress and the table, not the note that the run took longer than
    --time-limit (writing 300 rounds took 10 s of a 10 s limit, and -q said nothing)."""
    from clnmatch.cli import common

    monkeypatch.setattr(common, "OVERRUN_SLACK", 0.0)  # any run counts as past its limit
    roster = _write(tmp_path / "roster.csv", _roster_rows(12))
    args = ["breakouts", str(roster), "--rounds", "2", "--room-size", "4", "--time-limit", "5"]
    quiet = runner.invoke(app, [*args, "-q", "--out", str(tmp_path / "q")])
    assert quiet.exit_code == 0, quiet.output
    assert "past --time-limit 5" in " ".join(quiet.output.split())
    answer = runner.invoke(app, [*args, "--json", "--out", str(tmp_path / "j")])
    assert any("past --time-limit 5" in w for w in json.loads(answer.stdout)["warnings"])


def test_an_unknown_drop_is_named_by_its_option(tmp_path):
    """--drop NOPE said "The 'drop' parameter of replan_round must be ..." (Python's words)."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(12))
    args = ["breakouts", str(roster), "--time-limit", "5"]
    first = runner.invoke(
        app, [*args, "--rounds", "2", "--room-size", "4", "--out", str(tmp_path / "a")]
    )
    assert first.exit_code == 0, first.output
    again = ["--from", str(tmp_path / "a"), "--replan-round", "2", "--drop", "NOPE"]
    done = runner.invoke(app, [*args, *again, "--out", str(tmp_path / "b")])
    said = " ".join(done.output.split())
    assert done.exit_code == 2 and "The '--drop' option must be" in said, said


def test_an_authority_spelled_two_ways_is_warned_of(tmp_path):
    """'Glasgow City', 'Glasgow' and 'Glasgow City Council' were three authorities
    without a word, so a room of Glasgow alone met --min-authorities 2. Now each
    look-alike is warned of, with advice a roster can follow (it is read without a
    mapping)."""
    from clnmatch.breakouts.io import read_people

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "person_id,name,authority\nP1,a,Glasgow City\nP2,b,Glasgow\nP3,c,Glasgow City Council\n"
        "P4,d,Inverclyde\nP5,e,Inverclyde\nP6,f,Renfrewshire\n"
    )
    _, warnings = read_people(roster)
    said = [str(w) for w in warnings]
    assert len(said) == 2 and all("looks like 'Glasgow City'" in w for w in said)
    assert all("write it so in the file" in w and "mapping" not in w for w in said)


def test_a_replan_avoids_the_history_its_plan_was_made_after(tmp_path):
    """A re-plan from --from DIR forgot the --history of the first plan (a tester's re-planned
    round put 28 pairs of team mates together and said 0 repeats). The plan's folder keeps
    that history (history.csv) and the re-plan reads it; a plan without history removes it."""
    from test_breakouts_cli import _rooms

    roster = _write(tmp_path / "roster.csv", _roster_rows(24))
    teams = tmp_path / "teams.csv"  # four teams of six: team mates have met
    teams.write_text("practitioner_id,team\n" + "".join(f"{i:04d},{i % 4}\n" for i in range(24)))
    first, second = tmp_path / "first", tmp_path / "second"
    args = ["breakouts", str(roster), "--time-limit", "10"]
    rules = ["--rounds", "3", "--room-size", "4"]
    done = runner.invoke(app, [*args, *rules, "--history", str(teams), "--out", str(first)])
    assert done.exit_code == 0, done.output
    assert (first / "history.csv").is_file()
    replan = ["--from", str(first), "--replan-round", "2", "--drop", "0007", "--out", str(second)]
    done = runner.invoke(app, [*args, *replan])
    assert done.exit_code == 0, done.output
    assert "for 24 people (23-24 a round, 23 in the last)" in " ".join(done.output.split())
    summary = json.loads((second / "summary.json").read_text())
    assert summary["history_rounds"] == 1 and summary["repeats"] == 0
    team_of = {f"{i:04d}": i % 4 for i in range(24)}
    for rooms in _rooms(second / "rooms.csv")[1:]:
        for person, room in rooms.items():
            mates = [p for p, r in rooms.items() if r == room and p != person]
            assert all(team_of[p] != team_of[person] for p in mates), (person, mates)
    assert (second / "history.csv").is_file()  # a re-plan of the re-plan avoids it too
    # a folder written before it kept its history says so (it was silently forgotten)
    import shutil

    old = shutil.copytree(first, tmp_path / "old")
    (old / "history.csv").unlink()
    older = ["--from", str(old), *replan[2:-1], str(tmp_path / "third")]
    again = runner.invoke(app, [*args, *older])
    said = " ".join(again.output.split())
    assert again.exit_code == 0 and "planned after 1 round of history that it does not" in said
    done = runner.invoke(app, [*args, *rules, "--out", str(first)])  # no history now
    assert done.exit_code == 0, done.output
    assert not (first / "history.csv").exists()


def test_a_teams_csv_is_a_roster(tmp_path):
    """An event's exported teams.csv given as the roster was refused as a survey without
    ratings ('expected at least 2 theme columns'): it is read as the people it lists."""
    from clnmatch.breakouts.io import read_people

    header = "practitioner_id,name,email,role,establishment_id,establishment_name,authority,"
    header += "sector,team,team_focus\n"
    rows = "".join(
        f"P{i:02d},Person {i},p{i}@x.example,practitioner,E{i // 2},School {i // 2},"
        f"{('Glasgow City', 'Renfrewshire', 'Inverclyde')[i // 2 % 3]},primary,{i % 2 + 1},Literacy\n"
        for i in range(12)
    )
    teams = tmp_path / "teams.csv"
    teams.write_text(header + rows, encoding="utf-8")
    roster, _ = read_people(teams, need_authority=True)
    assert [p.id for p in roster.people] == [f"P{i:02d}" for i in range(12)]
    assert roster.people[4].authority == "Inverclyde" and roster.people[4].email == "p4@x.example"
    args = ["breakouts", str(teams), "--rounds", "2", "--room-size", "3", "--min-authorities", "2"]
    done = runner.invoke(app, [*args, "--time-limit", "5", "--out", str(tmp_path / "rooms")])
    assert done.exit_code == 0, done.output


def test_dropping_a_late_addition_never_in_a_room_says_so(tmp_path):
    """--drop of a person added to the roster after the plan (in no room of it) said
    "Dropped out, in no room from then on: 1 person from round 1". It says they are left
    out before a round, and they are in no room of the re-plan."""
    from test_breakouts_cli import _rooms

    rows = _roster_rows(13)
    args = ["--rounds", "3", "--room-size", "4", "--time-limit", "5"]
    first = tmp_path / "first"
    done = runner.invoke(
        app, ["breakouts", str(_write(tmp_path / "r12.csv", rows[:12])), *args, "--out", str(first)]
    )
    assert done.exit_code == 0, done.output
    again = ["--from", str(first), "--replan-round", "2", "--drop", "0012", "--time-limit", "5"]
    roster = _write(tmp_path / "r13.csv", rows)
    done = runner.invoke(app, ["breakouts", str(roster), *again, "--out", str(tmp_path / "b")])
    said = " ".join(done.output.split())
    assert done.exit_code == 0, said
    assert "Dropped before a round: 1 person on the roster but in no room" in said
    assert "Dropped out" not in said and "joined" not in said
    assert all("0012" not in rooms for rooms in _rooms(tmp_path / "b" / "rooms.csv"))
    report = (tmp_path / "b" / "report.html").read_text(encoding="utf-8")
    assert "1 person on the roster but in no room of the plan dropped out" in report
    assert "dropped out and left their rounds" not in report


def test_room_settings_are_refused_in_the_commands_words(tmp_path):
    """A tester's settings: --room-size 200 for 12 people gave a diagnosis about
    colleagues ("only 1 rooms"), --room-size 0 asked for ">= 1" and then 1 was refused as
    ">= 2", and a missing --rounds said "room_size=None, rooms=None"."""
    roster = str(_write(tmp_path / "roster.csv", _roster_rows(12)))
    out = ["--out", str(tmp_path / "o")]
    said = {}
    for case, args in {
        "everyone": ["--rounds", "2", "--room-size", "200"],
        "zero": ["--rounds", "2", "--room-size", "0"],
        "one room": ["--rounds", "2", "--rooms", "1"],
        "no rounds": ["--room-size", "4"],
    }.items():
        done = runner.invoke(app, ["breakouts", roster, *args, *out])
        assert done.exit_code == 2, (case, done.output)
        said[case] = " ".join(done.output.split())
    assert "--room-size 200 for 12 people puts everyone in one room" in said["everyone"]
    assert "must be an int >= 2. Got 0" in said["zero"]
    assert "'--rooms' option must be an int >= 2. Got 1" in said["one room"]
    assert "Got --room-size 4 instead" in said["no rounds"] and "None" not in said["no rounds"]
    assert not (tmp_path / "o").exists()


def test_a_replan_from_a_shorter_roster_says_to_use_drop(tmp_path):
    """A re-plan given a roster without the people who left listed each of their rows
    ("expected a person_id of r90.csv") and never said what to do (a tester)."""
    rows = _roster_rows(12)
    args = ["--rounds", "3", "--room-size", "4", "--time-limit", "2"]
    first = tmp_path / "first"
    full = str(_write(tmp_path / "r12.csv", rows))
    assert runner.invoke(app, ["breakouts", full, *args, "--out", str(first)]).exit_code == 0
    short = str(_write(tmp_path / "r11.csv", rows[:11]))
    again = ["--from", str(first), "--replan-round", "2", "--time-limit", "2"]
    again += ["--out", str(tmp_path / "b")]
    done = runner.invoke(app, ["breakouts", short, *again])
    said = " ".join(done.output.split())
    assert done.exit_code == 2 and "give --drop ID for each who left" in said, said
    dropped = runner.invoke(app, ["breakouts", short, *again, "--drop", rows[11][0]])
    assert dropped.exit_code == 0, dropped.output  # rooms.csv describes the one who left


def test_a_replan_the_rules_rule_out_says_how_to_plan_the_rest(tmp_path):
    """24 people of 4 authorities in rooms of 4 with every authority in each room: one
    drop-out leaves a room of 3, which cannot hold 4 authorities, and --from's rules
    cannot be changed; the refusal said only why, leaving the organiser stuck."""
    authorities = ["Glasgow City", "Inverclyde", "Renfrewshire", "East Renfrewshire"]
    roster = tmp_path / "r24.csv"
    rows = [f"Q{i:02d},Q person {i},S{i},{authorities[i % 4]},primary" for i in range(24)]
    roster.write_text(
        "\n".join(["person_id,name,establishment_id,authority,sector", *rows]) + "\n",
        encoding="utf-8",
    )
    plan = ["--rounds", "4", "--room-size", "4", "--min-authorities", "4", "--time-limit", "10"]
    done = runner.invoke(app, ["breakouts", str(roster), *plan, "--out", str(tmp_path / "o")])
    assert done.exit_code == 0, done.output
    again = ["--from", str(tmp_path / "o"), "--replan-round", "3", "--drop", "Q00"]
    done = runner.invoke(
        app, ["breakouts", str(roster), *again, "--time-limit", "10", "--out", str(tmp_path / "b")]
    )
    said = " ".join(done.output.split())
    assert done.exit_code == 3, said
    assert "cannot hold 4 authorities" in said
    assert "A re-plan keeps the rules of --from's plan" in said and "--history" in said


def test_an_email_copied_as_a_link_is_its_address(tmp_path):
    """'mailto:ann@school.example' (a link copied from Outlook) went into the Zoom files
    as it was, so Zoom would not pre-assign that person (an organiser): it is read as the
    address."""
    rows = _roster_rows(12)
    address = rows[4][5] or "p4@school.example"
    rows[4][5] = f"mailto:{address}?subject=CLN%20webinar"
    roster = _write(tmp_path / "roster.csv", rows)
    args = ["breakouts", str(roster), "--rounds", "1", "--room-size", "4", "--time-limit", "5"]
    done = runner.invoke(app, [*args, "-q", "--out", str(tmp_path / "z")])
    assert done.exit_code == 0, done.output
    zoom = (tmp_path / "z" / "zoom_round_1.csv").read_text(encoding="utf-8-sig")
    assert "mailto:" not in zoom and f",{address}\n" in zoom
