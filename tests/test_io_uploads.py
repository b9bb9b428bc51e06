"""An app's upload is not a file on disk: the survey read from its bytes or a file object
(binary or text), a workbook told by its content, errors naming the upload; a file's
text given where a path goes is said to be so (it was a bare OSError: "File name too
long")."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from clnmatch.cli import sample_paths
from clnmatch.errors import InvalidInputError
from clnmatch.io import read_survey

SURVEY, FACILITATORS = sample_paths()


def _uploads(data: bytes) -> list[object]:
    return [data, bytearray(data), io.BytesIO(data), io.StringIO(data.decode("utf-8-sig"))]


def test_an_upload_reads_as_the_file_does(tmp_path: Path) -> None:
    data = SURVEY.read_bytes()
    expected = read_survey(SURVEY, FACILITATORS).cohort
    for upload in _uploads(data):
        cohort = read_survey(upload, io.BytesIO(FACILITATORS.read_bytes())).cohort
        assert cohort.practitioners == expected.practitioners
        assert cohort.facilitators == expected.facilitators
    with SURVEY.open("rb") as opened:
        assert read_survey(opened).cohort.practitioners == expected.practitioners
    book = tmp_path / "survey.xlsx"
    pd.read_csv(SURVEY, dtype=str, keep_default_na=False).to_excel(book, index=False)
    from_book = read_survey(io.BytesIO(book.read_bytes())).cohort
    assert [p.id for p in from_book.practitioners] == [p.id for p in expected.practitioners]


def test_an_uploads_errors_name_it() -> None:
    data = SURVEY.read_bytes()
    header, first, *rest = data.decode("utf-8-sig").splitlines()
    cells = first.split(",")
    theme = next(i for i, h in enumerate(header.split(",")) if h.startswith("theme:"))
    cells[theme] = "9"
    broken = "\n".join([header, ",".join(cells), *rest]).encode("utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_survey(io.BytesIO(broken))
    assert [(p.file, p.row) for p in caught.value.problems] == [("survey upload", 2)]
    named = io.BytesIO(broken)
    named.name = "/uploads/tmp/responses.csv"
    with pytest.raises(InvalidInputError) as caught:
        read_survey(named)
    assert caught.value.problems[0].file == "responses.csv"


def test_a_files_text_given_as_its_path_is_said_to_be_so() -> None:
    with pytest.raises(InvalidInputError, match="looks like the file's contents"):
        read_survey(SURVEY.read_text(encoding="utf-8-sig"))
    with pytest.raises(InvalidInputError, match=r"\(got int\)"):
        read_survey(7)  # type: ignore[arg-type]


def test_two_uploads_without_names_are_told_apart_and_bad_ones_said_so() -> None:
    """A bad survey and a bad facilitators table, both nameless, were both "upload"; a
    file opened as text in another encoding was a bare UnicodeDecodeError; Starlette's
    UploadFile (whose read() is a coroutine) a TypeError; Flask's FileStorage is named by
    its filename, not its form field."""
    survey = SURVEY.read_bytes().replace(b",3,", b",9,", 1)
    facilitators = FACILITATORS.read_bytes().replace(b",Glasgow City,", b",,", 1)
    with pytest.raises(InvalidInputError) as caught:
        read_survey(io.BytesIO(survey), io.BytesIO(facilitators))
    assert {p.file for p in caught.value.problems} == {"survey upload", "facilitators upload"}

    latin = io.TextIOWrapper(io.BytesIO("name\nSiobh\xe1n\n".encode("latin-1")), "utf-8")
    with pytest.raises(InvalidInputError, match=r"open the file in binary mode"):
        read_survey(latin)

    class Starlette:  # an UploadFile's async read
        filename = "nominations.csv"

        async def read(self) -> bytes:
            return b""

    with pytest.raises(InvalidInputError, match=r"pass upload.file") as caught:
        read_survey(Starlette())
    assert caught.value.problems[0].file == "nominations.csv"

    class Flask(io.BytesIO):  # a FileStorage: name is the form field
        name = "file"
        filename = "responses.csv"

    with pytest.raises(InvalidInputError) as caught:
        read_survey(Flask(survey))
    assert {p.file for p in caught.value.problems} == {"responses.csv"}


def test_breakout_rooms_read_a_survey_upload_as_its_file(tmp_path: Path) -> None:
    """read_people (plan_breakouts' reader) read a survey's file object for a roster, then
    read the spent stream again as a survey: "the file is empty"."""
    from clnmatch.breakouts.io import read_people

    expected = [p.id for p in read_people(SURVEY)[0].people]
    data = SURVEY.read_bytes()
    for upload in _uploads(data)[2:]:
        assert [p.id for p in read_people(upload)[0].people] == expected
    with SURVEY.open("rb") as opened:
        assert [p.id for p in read_people(opened)[0].people] == expected
    header, first, *rest = data.decode("utf-8-sig").splitlines()
    cells = first.split(",")
    cells[next(i for i, h in enumerate(header.split(",")) if h.startswith("theme:"))] = "9"
    broken = io.BytesIO("\n".join([header, ",".join(cells), *rest]).encode("utf-8"))
    broken.name = "uploaded.csv"
    with pytest.raises(InvalidInputError) as refused:
        read_people(broken)
    assert [(p.file, p.row) for p in refused.value.problems] == [("uploaded.csv", 2)]


def test_a_rematchs_late_additions_may_be_an_upload(tmp_path: Path) -> None:
    """rematch(added=...) took a path, a Cohort or a DataFrame, not the upload every survey
    reader takes ("Got a bytes instead"): rows read the same, numbered by the upload's name."""
    from clnmatch.rematch.changes import as_cohort

    rows = SURVEY.read_text(encoding="utf-8-sig").splitlines()
    header = rows[0].split(",")
    late = tmp_path / "late.csv"  # rows without ids: numbered by the file's name
    kept = [i for i, h in enumerate(header) if h != "practitioner_id"]
    late.write_text(
        "\n".join(",".join(r.split(",")[i] for i in kept) for r in rows[:3]), encoding="utf-8"
    )
    expected = as_cohort(late)
    assert expected is not None and expected.practitioners[0].id == "late-R002"
    named = io.BytesIO(late.read_bytes())
    named.name = "uploads/late.csv"
    for upload in (named, late.read_bytes()):
        cohort = as_cohort(upload)
        assert cohort is not None
        assert [p.interests for p in cohort.practitioners] == [
            p.interests for p in expected.practitioners
        ]
        assert cohort.practitioners[0].id == ("late-R002" if upload is named else "added-R002")


def test_a_file_object_is_left_where_it_stood() -> None:
    """Read twice, the same BytesIO said "the file is empty" the second time: the reader
    left it at its end (a developer). A file object is an input: it is now left where it
    stood, and reads the same again."""
    data = SURVEY.read_bytes()
    for upload in (io.BytesIO(data), io.StringIO(data.decode("utf-8-sig"))):
        first = read_survey(upload).cohort
        assert upload.tell() == 0
        assert read_survey(upload).cohort == first
