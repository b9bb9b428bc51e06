"""Personal data stays where it belongs: pseudonymised outputs name no one.

The property: for generated cohorts whose people have names, e-mails, job titles and ids
of the kinds real surveys use (e-mails, "first.last.N", numbers), no such original value
appears in any file a pseudonymised run writes: CSV, JSON, the report and handouts (HTML
entities decoded) and every XML part of the workbook (sheet names included).
"""

from __future__ import annotations

import dataclasses
import html
import json
import stat
import string
import zipfile
from pathlib import Path
from xml.sax.saxutils import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import check
from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner, Rules
from clnmatch.publish import write_result
from clnmatch.rematch import RematchResult
from clnmatch.report.pseudonymise import PseudonymKey, pseudonymise
from clnmatch.result import Result, Status

AUTHORITIES = ("Glasgow City", "Inverclyde", "East Renfrewshire", "Renfrewshire")
THEMES = ("Literacy", "Numeracy", "Outdoor learning")
word = st.text(string.ascii_lowercase, min_size=3, max_size=9).map(str.capitalize)


@st.composite
def people(draw: st.DrawFn, count: int) -> list[dict[str, str]]:
    """``count`` distinct people: first and last name, an id of a real-survey kind, an e-mail."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    while len(out) < count:
        first, last = draw(word), draw(word)
        n = len(out) + 1
        email = f"{first}.{last}{n}@{draw(word).lower()}.sch.uk".lower()
        kind = draw(st.sampled_from(["email", "name", "number"]))
        pid = {"email": email, "name": f"{first}.{last}.{n}".lower(), "number": f"R{n:07d}"}[kind]
        name = f"{first} {last}"
        if name.casefold() in seen or pid in seen:
            continue
        seen |= {name.casefold(), pid}
        title = draw(st.one_of(st.none(), st.tuples(word, word).map(" ".join)))
        out.append({"id": pid, "name": name, "email": email, "job_title": title or ""})
    return out


@st.composite
def results(draw: st.DrawFn) -> Result:
    """A feasible 2-team result: 4-8 establishments of 1-3 nominees, one facilitator each authority."""
    n_est = draw(st.integers(4, 8))
    sizes = [draw(st.integers(1, 3)) for _ in range(n_est)]
    persons = draw(people(sum(sizes) + len(AUTHORITIES)))
    establishments, practitioners = [], []
    k = 0
    for i, size in enumerate(sizes):
        establishments.append(
            Establishment(
                id=f"EST-{i:03d}",
                name=f"Establishment {i}",
                authority=AUTHORITIES[i % len(AUTHORITIES)],
                sector="primary" if i % 2 else "ELC",
            )
        )
        for j in range(size):
            who = persons[k]
            k += 1
            practitioners.append(
                Practitioner(
                    id=who["id"],
                    name=who["name"],
                    email=who["email"],
                    job_title=who["job_title"] or None,
                    establishment_id=f"EST-{i:03d}",
                    role="promoted" if j == 0 else "practitioner",
                    interests=tuple(draw(st.integers(0, 5)) for _ in THEMES),
                )
            )
    present = [a for a in AUTHORITIES if any(e.authority == a for e in establishments)]
    facilitators = tuple(
        Facilitator(
            id=f"fac.{persons[k + m]['id']}",
            name=persons[k + m]["name"],
            authority=authority,
            role="QIO",
        )
        for m, authority in enumerate(present)
    )
    cohort = Cohort(
        themes=THEMES,
        establishments=tuple(establishments),
        practitioners=tuple(practitioners),
        facilitators=facilitators,
    )
    rules = Rules(
        teams=2,
        min_sectors=1,
        min_authorities=1,
        max_authority_share=1.0,
        size_tolerance=20,
        min_establishments=0,
    )
    est_team = {e.id: i % 2 + 1 for i, e in enumerate(establishments)}
    assignment = {p.id: est_team[p.establishment_id] for p in practitioners}
    links = tuple((f.id, m % 2 + 1) for m, f in enumerate(facilitators))
    evaluation = check(cohort, rules, assignment, links)
    assert evaluation.feasible, evaluation.summary_line()
    return Result(
        status=Status.FEASIBLE,
        cohort=cohort,
        rules=rules,
        objective_name="blend",
        strategy="hand",
        seed=0,
        runtime_s=0.1,
        assignment=assignment,
        team_focus={t + 1: THEMES[f] for t, f in enumerate(evaluation.team_focus) if f >= 0},
        facilitator_links=links,
        evaluation=evaluation,
        notes=tuple(f"checked {p.id} and {p.name}" for p in practitioners[:2]),
    )


def secrets_of(result: Result) -> set[str]:
    """Every original name, e-mail, job title and id of a person in the result's cohort."""
    out: set[str] = set()
    for p in result.cohort.practitioners:
        out |= {p.id, p.name, p.email or "", p.job_title or ""}
    for f in result.cohort.facilitators:
        out |= {f.id, f.name}
    return {s for s in out if s}


def readable_text(path: Path) -> str:
    """A written file as a person or program would read it (entities decoded, xlsx unzipped)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "\n".join(
                unescape(book.read(n).decode("utf-8"), {"&quot;": '"', "&apos;": "'"})
                for n in book.namelist()
                if n.endswith(".xml") or n.endswith(".rels")
            )
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".html":
        return html.unescape(text)
    if path.suffix == ".json":
        return text + json.dumps(json.loads(text), ensure_ascii=False)
    return text


@pytest.fixture
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts are images of team numbers, themes and authorities; drawing them is slow."""
    monkeypatch.setattr("clnmatch.report.html.report_charts", lambda result: [])
    monkeypatch.setattr("clnmatch.report.html.trace_chart", lambda result: None)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.large_base_example,
    ],
)
@given(result=results(), keyed=st.booleans())
def test_no_original_personal_value_in_any_pseudonymised_output(
    result: Result, keyed: bool, tmp_path_factory: pytest.TempPathFactory, no_charts: None
) -> None:
    """Every file of a pseudonymised run is free of every original name, e-mail, job title, id."""
    folder = tmp_path_factory.mktemp("private")
    key = folder / "key.txt" if keyed else None
    written = write_result(
        result, folder / "out", pseudonymise=True, pdf=False, pseudonym_key=key, title="Cohort"
    )
    assert {p.name for p in written} >= {"teams.csv", "teams.xlsx", "report.html", "mailmerge.csv"}
    secrets = {s.casefold() for s in secrets_of(result)}
    for path in (folder / "out").iterdir():
        text = readable_text(path).casefold()
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{path.name} holds {leaked}"
    # the same run without --pseudonymise does hold them: the check above can fail
    plain = write_result(result, folder / "plain", pdf=False)
    everything = "".join(readable_text(p) for p in plain).casefold()
    assert all(s in everything for s in secrets if "@" in s)  # e-mails: mailmerge, teams.csv


def test_key_file_gives_the_same_pseudonyms_and_stays_private(tmp_path: Path) -> None:
    """A key file is made once (owner-only), read back, and gives the same ids in every run."""
    from test_report_html import hand_result

    result = hand_result()
    key = tmp_path / "keys" / "cohort.key"
    first = pseudonymise(result, PseudonymKey.load_or_create(key))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text().strip()) == 64
    again = pseudonymise(result, PseudonymKey.load_or_create(key))
    assert [p.id for p in first.cohort.practitioners] == [p.id for p in again.cohort.practitioners]
    unkeyed = pseudonymise(result)  # a fresh random key: ids unlike the keyed ones
    assert {p.id for p in unkeyed.cohort.practitioners}.isdisjoint(
        p.id for p in first.cohort.practitioners
    )
    assert "secret" not in repr(PseudonymKey.load(key)).replace("<secret>", "")
    with pytest.raises(InvalidParameterError, match="outside the output folder"):
        write_result(
            result, tmp_path / "out", pseudonymise=True, pseudonym_key=tmp_path / "out" / "k"
        )
    assert not (tmp_path / "out").exists()


def test_rematch_withdrawals_are_pseudonymised_too() -> None:
    """A rematch's withdrawn practitioner and facilitator ids leave summary.json as pseudonyms."""
    from test_report_html import hand_result

    base = hand_result()
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(Result)}
    from clnmatch.rematch import FacilitatorChange

    moved = base.cohort.facilitators[0].id  # and a facilitator whose teams changed (a tester)
    rematched = RematchResult(
        **fields,
        withdrawn_practitioners=("laura.brown.1",),
        withdrawn_facilitators=("F9-claire.grant",),
        facilitator_changes=(
            FacilitatorChange("F9-claire.grant", (2,), ()),
            FacilitatorChange(moved, (1,), (2,)),
        ),
    )
    shown = pseudonymise(rematched)
    summary = json.dumps(shown.summary())
    assert "laura.brown.1" not in summary and "claire.grant" not in summary
    assert f'"{moved}"' not in summary and f'"{moved}"' in json.dumps(rematched.summary())
    assert not any(line.startswith(f"facilitator {moved}:") for line in shown.change_lines())
    said = rematched.change_lines()  # the withdrawals confirmed, counted, never by id
    assert "1 nominee(s) withdrawn alone (their schools stay)." in said
    assert "1 facilitator(s) withdrawn." in said and "laura.brown.1" not in " ".join(said)
    assert '"withdrawn_practitioners": ["P-' in summary


_RECORD_DRAFTS = """
import json, os, sys
import openpyxl.worksheet._writer as sheet_writer
from clnmatch.cli import main
drafted = []
original = sheet_writer.create_temporary_file
def recording(suffix=""):
    path = original(suffix)
    drafted.append([path, os.stat(os.path.dirname(path)).st_mode & 0o777])
    return path
sheet_writer.create_temporary_file = recording
sys.argv = ["clnmatch", *sys.argv[1:]]
try:
    main()
finally:
    print(json.dumps(drafted))
"""


def test_the_sheets_drafted_with_names_are_in_a_private_folder_gone_at_the_end(
    tmp_path: Path,
) -> None:
    """openpyxl drafts each sheet (names, e-mails) as a temporary file: the command keeps
    them in a folder only the user can open, inside the temporary folder, and removes it."""
    import os
    import subprocess
    import sys

    from clnmatch.cli import sample_paths

    survey, facilitators = sample_paths()
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    args = ["solve", str(survey), "--facilitators", str(facilitators), "--out",
            str(tmp_path / "out"), "--no-pdf", "-q", "--time-limit", "3"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", _RECORD_DRAFTS, *args],
        capture_output=True, text=True, env={**os.environ, "TMPDIR": str(shared)}, timeout=300,
    )  # fmt: skip
    drafted = json.loads(done.stdout.strip().splitlines()[-1])
    assert drafted and (tmp_path / "out" / "teams.xlsx").is_file()
    assert {mode for _, mode in drafted} == {0o700}
    folders = {Path(path).parent for path, _ in drafted}
    assert all(f.parent == shared and f.name.startswith("clnmatch-") for f in folders), folders
    assert list(shared.iterdir()) == []  # removed at the end


def test_an_input_error_on_the_terminal_does_not_spell_out_an_email(tmp_path: Path) -> None:
    """Ids are often e-mails: a repeated one is named by its row numbers and cut to its
    first letter and domain (``check`` printed it whole)."""
    import csv

    from typer.testing import CliRunner

    from clnmatch.cli import app, sample_paths

    with sample_paths()[0].open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["practitioner_id"] = row["email"]
    survey, teams = tmp_path / "survey.csv", tmp_path / "teams.csv"
    with survey.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    pairs = [(r["email"], k % 8 + 1) for k, r in enumerate(rows)] + [(rows[3]["email"], 2)]
    teams.write_text("practitioner_id,team\n" + "".join(f"{e},{t}\n" for e, t in pairs))
    done = CliRunner().invoke(app, ["check", str(survey), str(teams)])
    assert done.exit_code == 2 and "row 5 has the same practitioner_id" in done.output
    assert rows[3]["email"] not in done.output and "@example.org" in done.output


def test_ids_that_are_plain_numbers_leave_the_numbers_of_texts_alone() -> None:
    """A form's row numbers as practitioner ids ("1", "2", ...): a note's "2 cores" and "1
    establishment" stay numbers (every digit matching an id became a pseudonym); an id
    named as one, quoted or after "practitioner", is still replaced."""
    from test_report_html import hand_result

    result = hand_result()
    cohort = result.cohort
    numbered = {p.id: str(i + 1) for i, p in enumerate(cohort.practitioners)}
    people = tuple(p.model_copy(update={"id": numbered[p.id]}) for p in cohort.practitioners)
    cohort = Cohort.model_validate(
        {**{f: getattr(cohort, f) for f in Cohort.model_fields}, "practitioners": people}
    )
    note = "searched over 2 cores; practitioner 1 and '2' moved; 1 establishment, 3.5 points"
    result = dataclasses.replace(
        result,
        cohort=cohort,
        assignment={numbered[p]: t for p, t in result.assignment.items()},
        notes=(note,),
    )
    written = pseudonymise(result, PseudonymKey(b"k" * 32)).notes[0]
    one, two = (
        pseudonymise(result, PseudonymKey(b"k" * 32)).cohort.practitioners[i].id for i in (0, 1)
    )
    assert written == (
        f"searched over 2 cores; practitioner {one} and '{two}' moved; 1 establishment, 3.5 points"
    )


def test_a_pseudonymised_run_shows_no_real_id_on_the_terminal_or_in_json(
    tmp_path: Path, no_charts: None
) -> None:
    """The files were pseudonymised, but the terminal's table and --json's teams named the
    facilitators by their real ids (e-mail addresses in a tester's table)."""
    import pandas as pd
    from typer.testing import CliRunner

    from clnmatch.cli import app, sample_paths

    survey, facilitators = sample_paths()
    table = pd.read_csv(facilitators, dtype=str, keep_default_na=False)
    table["facilitator_id"] = [f"fac.{i}@council.example" for i in range(len(table))]
    own = tmp_path / "facilitators.csv"
    table.to_csv(own, index=False)
    args = ["solve", str(survey), "--facilitators", str(own), "--strategy", "greedy"]
    args += ["--time-limit", "20", "--no-pdf"]
    for json_out in (["--json"], []):
        done = CliRunner().invoke(
            app, [*args, *json_out, "--pseudonymise", "--out", str(tmp_path / f"p{len(json_out)}")]
        )
        assert done.exit_code == 0, done.output
        assert "@council.example" not in done.output and "fac.0" not in done.output
    plain = CliRunner().invoke(app, [*args, "--json", "--out", str(tmp_path / "plain")])
    assert "@council.example" in plain.output  # the check above can fail
