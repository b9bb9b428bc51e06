"""The bundled file of the partnership's real schools (``clnmatch/data``), read once: its
rows for the generator's cohorts of real schools and for the survey reader, which tells
two real schools of similar names apart."""

from __future__ import annotations

import csv
import functools
from importlib import resources

__all__ = ["SCHOOLS_FILE", "school_rows"]

SCHOOLS_FILE = "west_partnership_schools.csv"


@functools.cache
def school_rows() -> tuple[dict[str, str], ...]:
    """The file's rows, in file order, as text."""
    text = (resources.files("clnmatch") / "data" / SCHOOLS_FILE).read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))
