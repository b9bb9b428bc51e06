"""A result keeps the mapping its survey was read with (summary.json's survey_mapping):
report, check, rematch and event read the survey with it again when given no --map (a
Forms user's `clnmatch report` failed with "draft a mapping")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_event_engine import new_event
from test_mapping import FORMS, _solve_greedy, runner

from clnmatch.cli import app
from clnmatch.event.core import MAPPING_COPY
from clnmatch.event.export import write_folder
from clnmatch.io.outputs import SURVEY_MAPPING


def _folded(text: str) -> str:
    return " ".join(text.split())


def test_report_check_and_rematch_read_the_survey_with_the_results_mapping(
    tmp_path: Path,
) -> None:
    mapping = tmp_path / "map.toml"
    assert runner.invoke(app, ["map", str(FORMS), "--out", str(mapping)]).exit_code == 0
    out = tmp_path / "out"
    _solve_greedy(FORMS, mapping, out)
    kept = json.loads((out / "summary.json").read_text("utf-8"))[SURVEY_MAPPING]
    assert kept == {"file": "map.toml", "toml": mapping.read_text("utf-8")}
    mapping.unlink()  # the result alone is enough
    report = runner.invoke(app, ["report", str(out), "--survey", str(FORMS), "--no-pdf", "-q"])
    assert report.exit_code == 0, report.output
    assert "with the mapping the result was made with" in _folded(report.output)
    checked = runner.invoke(app, ["check", str(FORMS), str(out / "teams.csv")])
    assert checked.exit_code == 0, checked.output
    first = json.loads((out / "summary.json").read_text("utf-8"))["teams"][0]
    school = first["establishments"][0]
    again = tmp_path / "again"
    rematched = runner.invoke(
        app,
        ["rematch", str(FORMS), str(out), "--withdraw", str(school), "--time-limit", "2",
         "--quiet", "--out", str(again)],
    )  # fmt: skip
    assert rematched.exit_code == 0, rematched.output
    # kept on: a rematch of the rematch reads as the first did
    assert json.loads((again / "summary.json").read_text("utf-8"))[SURVEY_MAPPING] == kept
    # an event begun from the result reads the survey with it, and keeps its copy
    import clnmatch.web.server as server

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(server, "serve", lambda event, **kw: None)
        began = runner.invoke(
            app, ["event", str(FORMS), "--from", str(out), "--dir", str(tmp_path / "ev"),
                  "--no-browser"],
        )  # fmt: skip
    assert began.exit_code == 0, began.output
    assert "with the mapping" in _folded(began.output) and str(out) in _folded(began.output)
    assert (tmp_path / "ev" / MAPPING_COPY).read_text("utf-8") == kept["toml"]
    # a --map given is used instead (here one that cannot read the export: said so)
    other = tmp_path / "other.toml"
    other.write_text('[columns]\nname = "No such header"\n', encoding="utf-8")
    refused = runner.invoke(
        app, ["report", str(out), "--survey", str(FORMS), "--map", str(other), "--no-pdf"]
    )
    assert refused.exit_code == 2 and "No such header" in refused.output


def test_an_events_export_keeps_the_events_mapping(tmp_path: Path) -> None:
    event = new_event(tmp_path / "event")
    text = '[columns]\nname = "Your name"\n'
    (event.folder / MAPPING_COPY).write_text(text, encoding="utf-8")
    write_folder(event, tmp_path / "export")
    summary = json.loads((tmp_path / "export" / "summary.json").read_text("utf-8"))
    assert summary[SURVEY_MAPPING] == {"file": MAPPING_COPY, "toml": text}


def test_a_pseudonymised_result_keeps_no_mapping(tmp_path: Path) -> None:
    """A mapping's words may name people (a role typed with a name): a pseudonymised
    folder, which cannot be read against the survey anyway, keeps none (a reviewer)."""
    mapping = tmp_path / "map.toml"
    assert runner.invoke(app, ["map", str(FORMS), "--out", str(mapping)]).exit_code == 0
    out = tmp_path / "out"
    solved = runner.invoke(
        app,
        ["solve", str(FORMS), "--map", str(mapping), "--teams", "4", "--strategy", "greedy",
         "--time-limit", "3", "--quiet", "--pseudonymise", "--out", str(out)],
    )  # fmt: skip
    assert solved.exit_code == 0, solved.output
    assert SURVEY_MAPPING not in json.loads((out / "summary.json").read_text("utf-8"))
