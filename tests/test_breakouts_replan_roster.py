"""Re-planning from a later roster: the people who left are on it no more (a mid-year
re-match's teams.csv), so rooms.csv keeps what the rules need of each person and --drop
names them (a lead officer had to paste the old roster and the joiners' rows together)."""

from __future__ import annotations

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
