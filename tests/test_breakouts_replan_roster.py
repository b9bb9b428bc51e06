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
