"""Property tests of the survey reader and writers: round trips and broken files."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import cohorts

from clnmatch.errors import InvalidInputError
from clnmatch.io.headers import DERIVABLE_COLUMNS
from clnmatch.io.safe import write_csv, write_xlsx
from clnmatch.io.survey import (
    SURVEY_REQUIRED,
    cohort_from_dataframe,
    read_cohort,
    read_survey,
)
from clnmatch.io.survey_write import survey_dataframe, write_survey
from clnmatch.models import Cohort, Role, Sector, authority_key

# Each example generates a cohort (~0.1 s of hypothesis work) and writes a file; these
# counts keep the whole file near 30 s on a shared 2-core machine.
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plain(cohort: Cohort) -> Cohort:
    """The cohort without its ``source`` (which names the file it came from) and what
    reading it warned about (a cell that looked like a formula, say)."""
    return cohort.model_copy(update={"source": None, "reading_notes": ()})


# --- (a) round trips ----------------------------------------------------------------------
@settings(SETTINGS, max_examples=40)
@given(cohort=cohorts(), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_round_trip_through_files_keeps_the_cohort(cohort: Cohort, suffix: str) -> None:
    """write_survey then read_cohort gives back an equal cohort, in CSV and in xlsx."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"survey{suffix}"
        write_survey(cohort, path)
        back = read_cohort(path)
    assert back.source == path.name
    assert _plain(back) == cohort


@SETTINGS
@given(cohort=cohorts())
def test_round_trip_through_a_dataframe_keeps_the_cohort(cohort: Cohort) -> None:
    """cohort_from_dataframe(survey_dataframe(c)) == c; formula-like names are untouched."""
    assert _plain(cohort_from_dataframe(survey_dataframe(cohort))) == cohort


# --- (b) broken files ----------------------------------------------------------------------
def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return repr(float(value))  # numpy's repr would say 'np.float64(...)'
    return str(value)


def _grid(cohort: Cohort) -> tuple[list[str], list[list[str]]]:
    """The survey of ``cohort`` as header + rows of text."""
    df = survey_dataframe(cohort)
    rows = [[_text(v) for v in row] for row in df.itertuples(index=False, name=None)]
    return list(df.columns), rows


def _write(headers: list[str], rows: list[list[str]], path: Path) -> None:
    df = pd.DataFrame(rows, columns=headers, dtype=object)
    if path.suffix == ".csv":
        write_csv(df, path)
    else:
        write_xlsx({"survey": df}, path)


Breaker = Callable[[st.DataObject, Cohort, list[str], list[list[str]]], tuple[int, str]]


def _any_row(data: st.DataObject, rows: list[list[str]]) -> int:
    return data.draw(st.integers(0, len(rows) - 1), label="row")


def _later_nominee(data: st.DataObject, headers: list[str], rows: list[list[str]]) -> int:
    """A row that is not the first of its establishment (so the first sets the reference)."""
    est = headers.index("establishment_id")
    seen: set[str] = set()
    later = []
    for k, row in enumerate(rows):
        if row[est] in seen:
            later.append(k)
        seen.add(row[est])
    assume(later)
    return data.draw(st.sampled_from(later), label="row")


def break_rating(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    k = _any_row(data, rows)
    column = data.draw(st.sampled_from([h for h in headers if h.startswith("theme:")]))
    rows[k][headers.index(column)] = data.draw(st.sampled_from(["7", "-1", "3.5", "lots", "6"]))
    return k, column


def break_sector(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    k = _any_row(data, rows)
    rows[k][headers.index("sector")] = data.draw(
        st.sampled_from(["Nurserie", "college", "Secondry", "university"])
    )
    return k, "sector"


def break_role(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    k = _any_row(data, rows)
    rows[k][headers.index("role")] = data.draw(st.sampled_from(["janitor", "Heed teacher"]))
    return k, "role"


def break_blank(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    k = _any_row(data, rows)
    column = data.draw(st.sampled_from(SURVEY_REQUIRED))
    rows[k][headers.index(column)] = ""
    return k, column


def break_duplicate_id(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    k = data.draw(st.integers(1, len(rows) - 1), label="row")
    j = data.draw(st.integers(0, k - 1), label="copied row")
    pid = headers.index("practitioner_id")
    rows[k][pid] = rows[j][pid]
    return k, "practitioner_id"


def break_two_authorities(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    k = _later_nominee(data, headers, rows)
    column = headers.index("authority")
    assume(authority_key(rows[k][column]) != authority_key("Nowhere Council"))
    rows[k][column] = "Nowhere Council"
    return k, "authority"


def break_two_sectors(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    k = _later_nominee(data, headers, rows)
    column = headers.index("sector")
    other = [s for s in Sector if s != Sector.parse(rows[k][column])]
    rows[k][column] = data.draw(st.sampled_from(other)).value
    return k, "sector"


def break_simd(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    assume("simd_quintile" in headers)
    k = _any_row(data, rows)
    rows[k][headers.index("simd_quintile")] = data.draw(st.sampled_from(["0", "6", "high"]))
    return k, "simd_quintile"


def break_place(data, cohort, headers, rows):  # type: ignore[no-untyped-def]
    assume("latitude" in headers)
    placed = [k for k, row in enumerate(rows) if row[headers.index("latitude")]]
    assume(placed)  # a lone coordinate is a second problem, on the other column
    k = data.draw(st.sampled_from(placed), label="row")
    column = data.draw(st.sampled_from(["latitude", "longitude"]))
    rows[k][headers.index(column)] = data.draw(st.sampled_from(["north", "181", "-200", "1e999"]))
    return k, column


BREAKERS: list[Breaker] = [
    break_rating,
    break_sector,
    break_role,
    break_blank,
    break_duplicate_id,
    break_two_authorities,
    break_two_sectors,
    break_simd,
    break_place,
]


@settings(SETTINGS, max_examples=int(os.environ.get("CLNMATCH_BROKEN_EXAMPLES", "50")))
@given(
    cohort=cohorts(max_establishments=6),
    breaker=st.sampled_from(BREAKERS),
    suffix=st.sampled_from([".csv", ".xlsx"]),
    data=st.data(),
)
def test_one_broken_cell_is_reported_at_its_row_and_column(
    cohort: Cohort, breaker: Breaker, suffix: str, data: st.DataObject
) -> None:
    """Break one cell of a valid file: the only problem names that row (as a spreadsheet
    shows it) and column, and the error is an InvalidInputError."""
    headers, rows = _grid(cohort)
    k, column = breaker(data, cohort, headers, rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"survey{suffix}"
        _write(headers, rows, path)
        with pytest.raises(InvalidInputError) as caught:
            read_survey(path)
    assert {(p.row, p.column) for p in caught.value.problems} == {(k + 2, column)}
    assert all(p.file == path.name for p in caught.value.problems)


@SETTINGS
@given(cohort=cohorts(max_establishments=6), data=st.data())
def test_latin1_bytes_are_reported_at_their_row(cohort: Cohort, data: st.DataObject) -> None:
    """A Latin-1 name in a UTF-8 file: one problem naming its row and the 'name' column."""
    headers, rows = _grid(cohort)
    k = _any_row(data, rows)
    rows[k][headers.index("name")] = "PLACEHOLDER"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        _write(headers, rows, path)
        path.write_bytes(path.read_bytes().replace(b"PLACEHOLDER", "Zoë".encode("latin-1")))
        with pytest.raises(InvalidInputError) as caught:
            read_survey(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (k + 2, "name")
    assert "UTF-8" in problem.expected


@SETTINGS
@given(cohort=cohorts(max_establishments=5), data=st.data())
def test_a_missing_column_is_named(cohort: Cohort, data: st.DataObject) -> None:
    """Drop a required column (not an id, which may be derived): one problem on the
    header row naming it and what was found."""
    headers, rows = _grid(cohort)
    column = data.draw(st.sampled_from([c for c in SURVEY_REQUIRED if c not in DERIVABLE_COLUMNS]))
    i = headers.index(column)
    headers.pop(i)
    for row in rows:
        row.pop(i)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        _write(headers, rows, path)
        with pytest.raises(InvalidInputError) as caught:
            read_survey(path)
    (problem,) = caught.value.problems
    assert problem.row == 1
    assert f"'{column}'" in problem.expected
    assert "columns found" in problem.expected


@SETTINGS
@given(cohort=cohorts(max_establishments=5), data=st.data())
def test_leading_zeros_and_formula_names_are_accepted(cohort: Cohort, data: st.DataObject) -> None:
    """Ids like '007' and names like '=SUM(A1)' (as typed by hand, unquoted) read as written."""
    headers, rows = _grid(cohort)
    k = _any_row(data, rows)
    new_id = "000" + "7" * (k + 1)
    column = headers.index("practitioner_id")
    # another practitioner may hold that id already (a duplicate is rightly refused)
    assume(all(row[column] != new_id for i, row in enumerate(rows) if i != k))
    rows[k][column] = new_id
    rows[k][headers.index("name")] = "=SUM(A1)"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        # Written raw (not neutralised), as a person or another tool would write it.
        lines = [
            ",".join('"' + c.replace('"', '""') + '"' for c in row) for row in [headers, *rows]
        ]
        text = "\n".join(lines) + "\n"
        path.write_text(text, encoding="utf-8")
        back = read_cohort(path)
    person = back.practitioners[k]
    assert (person.id, person.name) == (new_id, "=SUM(A1)")


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_arbitrary_bytes_raise_only_invalid_input(data: bytes, suffix: str) -> None:
    """Whatever bytes a file holds, reading it succeeds or raises InvalidInputError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"survey{suffix}"
        path.write_bytes(data)
        with contextlib.suppress(InvalidInputError):
            read_survey(path)


@SETTINGS
@given(cohort=cohorts(max_establishments=4), data=st.data())
def test_damaged_files_raise_only_invalid_input(cohort: Cohort, data: st.DataObject) -> None:
    """Cut or overwrite bytes of a valid CSV or xlsx: success or InvalidInputError, nothing else."""
    suffix = data.draw(st.sampled_from([".csv", ".xlsx"]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"survey{suffix}"
        write_survey(cohort, path)
        raw = bytearray(path.read_bytes())
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] = data.draw(st.integers(0, 255))
        cut = data.draw(st.integers(math.ceil(len(raw) / 2), len(raw)))
        path.write_bytes(bytes(raw[:cut]))
        with contextlib.suppress(InvalidInputError):
            read_survey(path)


def test_strategy_makes_awkward_cohorts() -> None:
    """The cohorts() strategy reaches the cases the round trip is meant to cover."""
    seen: dict[str, bool] = {"formula": False, "zero": False, "comma": False, "role": False}

    @settings(max_examples=25, deadline=None, database=None, derandomize=True)
    @given(cohort=cohorts())
    def look(cohort: Cohort) -> None:
        names = [p.name for p in cohort.practitioners]
        seen["formula"] |= any(n[:1] in "=+-@" for n in names)
        seen["zero"] |= any(p.id.startswith("0") for p in cohort.practitioners)
        seen["comma"] |= any("," in n for n in names)
        seen["role"] |= {p.role for p in cohort.practitioners} == set(Role)

    look()
    assert all(seen.values()), seen


@SETTINGS
@given(cohort=cohorts(max_establishments=6), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_without_id_columns_people_and_places_are_kept(cohort: Cohort, suffix: str) -> None:
    """Drop both id columns: the same people come back (numbered by row) with the same
    answers, one establishment per authority and name; or, where two establishments of
    one authority share a name but not a sector, an error naming that row's sector."""
    from clnmatch.io.identity import name_key

    headers, rows = _grid(cohort)
    keep = [i for i, h in enumerate(headers) if h not in DERIVABLE_COLUMNS]
    headers = [headers[i] for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    places: dict[tuple[str, str], set[Sector]] = {}
    for e in cohort.establishments:
        places.setdefault((e.authority_key, name_key(e.name)), set()).add(e.sector)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"survey{suffix}"
        _write(headers, rows, path)
        if any(len(sectors) > 1 for sectors in places.values()):
            with pytest.raises(InvalidInputError) as caught:
                read_survey(path)
            assert {p.column for p in caught.value.problems} == {"sector"}
            return
        back = read_cohort(path)
    assert [p.id for p in back.practitioners] == [f"R{k + 2:03d}" for k in range(len(rows))]
    assert [(p.name, p.interests, p.role, p.email) for p in back.practitioners] == [
        (p.name, p.interests, p.role, p.email) for p in cohort.practitioners
    ]
    assert len(back.establishments) == len(places)
