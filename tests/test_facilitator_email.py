"""A facilitator's e-mail: read from the facilitators table, on the rosters of their
teams (handouts, mail merge, workbook, facilitators.csv), never in the report, and gone
when pseudonymised. It was dropped without a word (found by an outside tester)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from openpyxl import load_workbook
from test_report_html import hand_result

from clnmatch.io.facilitators import read_facilitator_table
from clnmatch.io.outputs import facilitators_frame
from clnmatch.report.handouts import render_handouts
from clnmatch.report.html import render_report
from clnmatch.report.mailmerge import mailmerge_frame
from clnmatch.report.pseudonymise import pseudonymise
from clnmatch.report.workbook import write_workbook
from clnmatch.result import Result


def test_the_table_reads_an_email_and_names_the_columns_it_ignores(tmp_path: Path) -> None:
    path = tmp_path / "fac.csv"
    path.write_text(
        "facilitator_id,name,authority,Email,Phone,Notes\n"
        "F1,Kate Boyd,Inverclyde,kate@council.example,0141,\nF2,Ali Khan,Inverclyde,ali at x,,\n",
        encoding="utf-8",
    )
    reading = read_facilitator_table(path)
    assert [f.email for f in reading.facilitators] == ["kate@council.example", "ali at x"]
    said = [str(w) for w in reading.warnings]
    assert any("these are ignored: 'Phone', 'Notes'" in w for w in said)
    assert any("row 3, column 'Email': expected an email address" in w for w in said)


def _with_emails() -> Result:
    result = hand_result()
    facilitators = tuple(
        f.model_copy(update={"email": f"{f.id.lower()}@council.example"})
        for f in result.cohort.facilitators
    )
    cohort = result.cohort.model_copy(update={"facilitators": facilitators})
    return dataclasses.replace(result, cohort=cohort)


def test_the_rosters_carry_it_and_the_report_does_not(tmp_path: Path) -> None:
    result = _with_emails()
    links = dict(result.facilitator_links)
    merge = mailmerge_frame(result)
    team_of_f0 = merge[merge["team"] == links["F0"]]
    assert team_of_f0["facilitators"].str.contains("f0@council.example").all()
    assert set(facilitators_frame(result)["email"]) >= {"f0@council.example"}
    assert "f0@council.example" in render_handouts(result)
    assert "council.example" not in render_report(result, explanations=[])
    write_workbook(result, book := tmp_path / "teams.xlsx")
    cells = {str(c.value) for ws in load_workbook(book) for row in ws.iter_rows() for c in row}
    assert any("f0@council.example" in c for c in cells)
    hidden = pseudonymise(result)
    assert all(f.email is None for f in hidden.cohort.facilitators)
    assert "council.example" not in render_handouts(hidden)
    assert not facilitators_frame(hidden)["email"].str.contains("@").any()


def test_a_pseudonymised_change_record_holds_no_late_facilitators_email() -> None:
    """changes.json of a pseudonymised folder kept a late facilitator's e-mail (the
    reviewer): their name was replaced, the new field was not."""
    from clnmatch.models import Facilitator
    from clnmatch.rematch.changes import ChangeRecord

    late = Facilitator(id="F9", name="Fiona Late", authority="Inverclyde", email="f@x.gov.uk")
    record = ChangeRecord(added_facilitators=(late,))
    assert record.to_dict()["added"]["facilitators"][0]["email"] == "f@x.gov.uk"
    hidden = record.to_dict(pseudonyms={"F9": "Facilitator 09"})["added"]["facilitators"][0]
    assert hidden["email"] is None and hidden["name"] == "Late facilitator 01"


def test_a_facilitator_added_at_the_event_brings_an_email_to_their_rosters(
    tmp_path: Path,
) -> None:
    """The page's Add a facilitator had no e-mail field (and /api/add took none), so a
    facilitator added on the day was on every roster without an address (a lead officer);
    one that is not an address is refused, adding nobody."""
    from test_event_facilitators import new_event
    from test_web_api import editor_client

    from clnmatch.event import export_bytes

    event = new_event(tmp_path)
    client = editor_client(event)
    version = event.version
    body = {"id": "F9", "name": "Gordon Hay", "authority": "A", "email": "gordon at council"}
    refused = client.post("/api/add", json={"facilitator": body})
    assert refused.status_code == 400 and "name@school.org" in refused.json()["error"]
    assert event.version == version
    form = {**body, "facilitator_id": "F9", "email": " gordon.hay@council.example "}
    assert client.post("/ui/add_facilitator", data=form).is_success
    assert event.all_facilitators(event.state)["F9"].email == "gordon.hay@council.example"
    assert b"gordon.hay@council.example" in export_bytes(event, "facilitators.csv")
    assert 'name="email" type="email"' in client.get("/ui/facilitators").text
    event.close()
