"""What reading a survey warned about travels to the outputs a lead officer reads: the
report's and the workbook's notes (it was printed on the terminal only, so a school
typed two ways, split over two teams, looked like every rule met)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from test_rematch import RULES, sector_cohort

from clnmatch import solve
from clnmatch.io.survey import read_survey
from clnmatch.io.survey_write import survey_dataframe
from clnmatch.publish import write_result


def test_a_repeated_email_is_in_the_report_and_the_workbook(tmp_path: Path) -> None:
    frame = survey_dataframe(sector_cohort())
    frame["email"] = [f"person{i}@school.org" for i in range(len(frame))]
    frame.loc[3, "email"] = frame.loc[0, "email"]  # one person answering twice?
    frame.to_csv(tmp_path / "survey.csv", index=False)
    reading = read_survey(tmp_path / "survey.csv")
    said = [str(w) for w in reading.warnings if "repeats the email" in str(w)]
    assert said and reading.cohort.reading_notes == tuple(str(w) for w in reading.warnings)
    result = solve(reading.cohort, RULES, time_limit=10)
    for pseudonymise in (False, True):
        out = tmp_path / f"out{pseudonymise}"
        write_result(result, out, pdf=False, pseudonymise=pseudonymise)
        report = (out / "report.html").read_text(encoding="utf-8")
        assert "repeats the email of row 2" in report
        assert 'id="reading-warnings">Reading the survey raised' in report
        book = load_workbook(out / "teams.xlsx", read_only=True)
        cells = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
        assert any("repeats the email of row 2" in c for c in cells)
        assert "person0@school.org" not in report  # the note names rows, not the e-mail
    private = write_result(result, tmp_path / "named", pdf=False, pseudonymise=True)
    assert private and "survey.csv" not in (tmp_path / "named" / "report.html").read_text("utf-8")
