"""Tests of clnmatch.io.safe: formula neutralisation and whole-or-nothing writing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from clnmatch.errors import InvalidInputError
from clnmatch.io.safe import (
    FORMULA_TRIGGERS,
    atomic_write_bytes,
    atomic_write_text,
    neutralise,
    staged_output_dir,
    unneutralise,
    write_csv,
    write_xlsx,
)


@pytest.mark.parametrize("text", ["=SUM(A1)", "+cmd", "-2+3", "@SUM(1)", "\tx", "\rx", "-", "=="])
def test_formula_like_text_gets_one_apostrophe(text: str) -> None:
    """Text a spreadsheet could run starts with one added apostrophe."""
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["-4.25", "+44", "1e-3", "-0", "Glasgow", "", "'Tis", " =x"])
def test_numbers_and_plain_text_are_left_alone(text: str) -> None:
    """Numbers (a longitude of -4.25) and harmless text are written as they are."""
    assert neutralise(text) == text


def test_a_real_leading_apostrophe_survives() -> None:
    """ "'=x" (apostrophe typed by a person) is written "''=x" and read back "'=x"."""
    assert neutralise("'=x") == "''=x"
    assert unneutralise("''=x") == "'=x"
    assert unneutralise("'Tis") == "'Tis"


@given(st.text(max_size=20))
def test_unneutralise_undoes_neutralise(text: str) -> None:
    """unneutralise(neutralise(t)) == t for every text, and neutralise never lets a
    formula through."""
    guarded = neutralise(text)
    assert unneutralise(guarded) == text
    if guarded[:1] in FORMULA_TRIGGERS:  # only a plain number may start so
        float(guarded.replace(",", "."))


def test_write_csv_has_bom_neutralised_text_and_plain_numbers(tmp_path: Path) -> None:
    """write_csv: UTF-8 with BOM, formula text guarded, numeric columns untouched."""
    df = pd.DataFrame(
        {
            "name": ["=SUM(A1)", "Zoë", None],
            "longitude": [-4.25, np.nan, 1.0],
            "count": pd.array([3, None, -1], dtype="Int64"),
        }
    )
    path = tmp_path / "out.csv"
    write_csv(df, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == [
        "name,longitude,count",
        "'=SUM(A1),-4.25,3",
        "Zoë,,",
        ",1.0,-1",
    ]


def test_write_xlsx_never_writes_a_formula(tmp_path: Path) -> None:
    """write_xlsx stores formula-like text as guarded text and numbers as numbers."""
    df = pd.DataFrame({"name": ["=1+1", "-x", "bell\x07"], "lat": [55.86, -4.25, np.nan]})
    path = tmp_path / "out.xlsx"
    write_xlsx({"people": df}, path)
    sheet = load_workbook(path)["people"]
    cells = [[c for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for row in cells for c in row] == ["s", "n", "s", "n", "s", "n"]
    assert [row[0].value for row in cells] == ["'=1+1", "'-x", "bell"]
    assert [row[1].value for row in cells] == [55.86, -4.25, None]


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    """atomic_write_text replaces the file and leaves nothing else in the folder."""
    path = tmp_path / "a.txt"
    path.write_text("old")
    atomic_write_text(path, "new\r\nline")
    assert path.read_bytes() == b"new\r\nline"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_atomic_write_keeps_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the final rename fails, the old file is intact and the temp file is gone."""
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_atomic_write_gives_ordinary_permissions(tmp_path: Path) -> None:
    """A new file gets the umask's permissions, not mkstemp's owner-only 0600."""
    mask = os.umask(0o022)
    os.umask(mask)
    path = tmp_path / "p.txt"
    atomic_write_text(path, "x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_staged_output_dir_moves_files_in_on_success(tmp_path: Path) -> None:
    """On success the files land in out_dir (made with its parents); others stay."""
    out = tmp_path / "runs" / "one"
    with staged_output_dir(out) as stage:
        assert stage.parent == tmp_path and not out.exists()
        (stage / "teams.csv").write_text("a")
        (stage / "sub").mkdir()
        (stage / "sub" / "x.txt").write_text("b")
    assert (out / "teams.csv").read_text() == "a"
    assert (out / "sub" / "x.txt").read_text() == "b"
    assert sorted(os.listdir(tmp_path)) == ["runs"]

    (out / "keep.txt").write_text("mine")
    with staged_output_dir(out) as stage:
        (stage / "teams.csv").write_text("new")
    assert (out / "teams.csv").read_text() == "new"
    assert (out / "keep.txt").read_text() == "mine"


def test_staged_output_dir_leaves_out_dir_untouched_on_error(tmp_path: Path) -> None:
    """On an exception nothing is written: out_dir keeps its files, the stage is removed."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "teams.csv").write_text("old")
    with pytest.raises(RuntimeError), staged_output_dir(out) as stage:
        (stage / "teams.csv").write_text("half")
        raise RuntimeError("solver failed")
    assert (out / "teams.csv").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["out"]

    fresh = tmp_path / "fresh"
    with pytest.raises(KeyboardInterrupt), staged_output_dir(fresh) as stage:
        (stage / "a.csv").write_text("x")
        raise KeyboardInterrupt
    assert not fresh.exists()
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_staged_output_dir_refuses_a_file(tmp_path: Path) -> None:
    """An out_dir that is a file is an InvalidInputError before any work starts."""
    path = tmp_path / "taken"
    path.write_text("x")
    with pytest.raises(InvalidInputError, match="output folder"), staged_output_dir(path):
        pass
