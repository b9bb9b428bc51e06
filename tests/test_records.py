"""Our MDGPLIB records, re-scored by a scorer written here from the instance files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "benchmarks" / "records"
TABLE = ROOT / "benchmarks" / "results" / "bounds" / "records.csv"  # the benchmark run


def table() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def score(instance: Path, solution: Path) -> float:
    """Sum of d_ij over pairs in one group, after checking the grouping is complete and
    every group's size is within its interval (the instance's header)."""
    lines = instance.read_text(encoding="ascii").splitlines()
    header = lines[0].split()
    n, m = int(header[0]), int(header[1])
    limits = [(int(header[3 + 2 * g]), int(header[4 + 2 * g])) for g in range(m)]
    group: dict[int, int] = {}
    for line in solution.read_text(encoding="utf-8").splitlines():
        if line.strip():
            element, label = (int(x) for x in line.split())
            assert element not in group, f"element {element} twice"
            group[element] = label
    assert sorted(group) == list(range(n)), "every element exactly once"
    for g, (low, high) in enumerate(limits):
        size = sum(1 for label in group.values() if label == g)
        assert low <= size <= high, f"group {g} holds {size}, not {low}-{high}"
    assert set(group.values()) <= set(range(m))
    total = 0.0
    for line in lines[1:]:
        if line.strip():
            i, j, d = line.split()
            if group[int(i)] == group[int(j)]:
                total += float(d)
    return total


def published(bks: Path) -> dict[str, float]:
    with bks.open(encoding="utf-8", newline="") as handle:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(handle)}


def test_every_record_file_is_in_the_table() -> None:
    """The records table lists exactly the solution files in benchmarks/records."""
    files = {p.stem for p in RECORDS.glob("*.txt")}
    assert files, "no record solutions"
    assert files == {row["instance"] for row in table()}


@pytest.mark.parametrize("row", table(), ids=lambda row: row["instance"])
def test_record_beats_the_published_best_known_value(
    shared_benchmarks: Path, row: dict[str, str]
) -> None:
    """Each record grouping is complete, keeps every group size, scores what the table says
    (to 0.001) and scores above the published best-known value in bks.csv."""
    mdgplib = shared_benchmarks / "mdgplib"
    name = row["instance"]
    instance = next(mdgplib.glob(f"*/{name}.txt"))
    value = score(instance, RECORDS / f"{name}.txt")
    assert abs(value - float(row["objective"])) <= 1e-3
    assert value > published(mdgplib / "bks.csv")[name] + 1e-3
