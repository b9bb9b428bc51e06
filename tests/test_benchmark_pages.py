"""The benchmark pages' generated parts: tables written between markers (the prose kept),
and the Targets rows of the whole call and the certified bounds, with their verdicts."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from benchmarks import bounds
from benchmarks.sections import replace_between
from benchmarks.target_rows import targets
from benchmarks.whole_call import TABLE_END, TABLE_START, Run, write_section
from clnmatch.research.runs import RUN_COLUMNS

PAGE = """# Bounds

Prose written by hand.

<!-- bounds table: region and stress (generated) -->
old table
<!-- end of the scales table -->

More prose.

<!-- bounds table: MDGPLIB (generated) -->
<!-- end of the MDGPLIB table -->
"""


def test_replace_between_keeps_the_prose_and_both_markers() -> None:
    start, end = bounds.SCALES_MARKERS
    page = replace_between(PAGE, start, end, "new table\n")
    assert page is not None
    assert "old table" not in page and "new table" in page
    assert page.startswith("# Bounds\n\nProse written by hand.\n\n<!-- bounds table: region")
    assert "new table\n<!-- end of the scales table -->\n\nMore prose." in page
    assert replace_between(PAGE, "<!-- no such marker", end, "x") is None
    assert replace_between("text <!-- end of the scales table -->", start, end, "x") is None
    no_end = PAGE.replace(end, "")
    assert replace_between(no_end, start, end, "x") is None  # not to the end of the page
    assert replace_between("prose\n" + start, start, end, "x") is None  # the last line


def test_whole_call_table_never_overwrites_a_page_without_markers(tmp_path, capsys):
    """A new page is the table alone; an existing one without the markers is kept whole
    (with a warning), one with them gets the table between them."""
    page = tmp_path / "page.md"
    write_section(page, "| table |\n")
    assert page.read_text(encoding="utf-8") == "| table |\n"
    page.write_text("# Hand-written\n", encoding="utf-8")
    write_section(page, "| table |\n")
    assert page.read_text(encoding="utf-8") == "# Hand-written\n"
    assert "has no" in capsys.readouterr().out
    page.write_text(f"# Page\n{TABLE_START} -->\nold\n{TABLE_END}\nprose\n", encoding="utf-8")
    write_section(page, "| new |\n")
    assert page.read_text(encoding="utf-8") == (
        f"# Page\n{TABLE_START} -->\n| new |\n{TABLE_END}\nprose\n"
    )


def scale_row(scale: str, seed: int, gap: float, seconds: float) -> dict[str, object]:
    return {
        "scale": scale,
        "establishments": 500 if scale == "region" else 5000,
        "teams": 80 if scale == "region" else 1000,
        "seed": seed,
        "feasible": True,
        "search_s": 60.0,
        "objective": 1000.0,
        "bound": 1000.0 * (1 + gap),
        "method": "themed" if scale == "region" else "star",
        "gap": gap,
        "bound_s": seconds,
    }


def mdgp_row(instance: str, gap: float, seconds: float = 2.0) -> dict[str, object]:
    n = int(instance.split("_n")[1][:3])
    return {
        "instance": instance,
        "n": n,
        "groups": 10,
        "best_known": 100.0,
        "ours": "",
        "bound": 100.0 * (1 + gap),
        "method": "semidefinite",
        "gap": gap,
        "relaxation_gap": 0.5,
        "bound_s": seconds,
    }


@pytest.mark.parametrize(
    ("gaps", "seconds", "feasible", "verdict"),
    [
        ((0.02, 0.03), 40.0, True, "met"),
        ((0.02, 0.031), 40.0, True, "not met"),
        ((0.01,), 61.0, True, "not met"),
        ((0.01, 0.01), 40.0, False, "not met"),
    ],
)
def test_region_verdict_needs_every_seed_within_the_gap_and_the_time(
    gaps, seconds, feasible, verdict
):
    """Met only when every seed's assignment keeps the rules and is certified within 3%,
    its bound within 60 s."""
    rows = [scale_row("region", k, g, seconds) for k, g in enumerate(gaps)]
    rows[-1]["feasible"] = str(feasible)  # as read back from the CSV file
    rows.append(scale_row("stress", 0, 0.097, 9.3))
    text = bounds.scales_table(rows)
    assert f"within 60 s: **{verdict}**." in text
    assert ("breaks a rule" in text) is not feasible
    assert "Stress scale (seed 0): certified gap 9.70% (by star, 9.3 s)." in text


def pd_empty() -> pd.DataFrame:
    """A harness run with no rows: only the targets of the other scripts' files."""
    return pd.DataFrame(columns=list(RUN_COLUMNS))


def write(folder: Path, name: str, rows: list[dict[str, object]]) -> None:
    """Rows into a CSV file the way bounds.py writes its own."""
    bounds._write_csv(folder / name, rows)


def test_bound_targets_come_from_the_csv_files_of_the_run(tmp_path: Path) -> None:
    """The Targets rows of items 4 and 5 are read back from bounds.py's CSV files."""
    write(tmp_path, "region.csv", [scale_row("region", 0, 0.061, 33.0)])
    write(tmp_path, "stress.csv", [scale_row("stress", 0, 0.097, 9.3)])
    mdgp = [mdgp_row("Geo_n120_ss_01", 0.005), mdgp_row("RanReal_n120_ss_01", 0.074)]
    write(tmp_path, "mdgplib.csv", [*mdgp, mdgp_row("Geo_n240_ss_01", 0.003)])
    rows = [line.split(" | ") for line in targets(pd_empty(), bounds=tmp_path)[2:]]
    by_target = {r[0].lstrip("| "): (r[1], r[2].rstrip(" |")) for r in rows}
    region = by_target["region (500 est., 80 teams), blend: certified gap at most 3% within 60 s"]
    assert region == (
        "certified gap 6.10% over 1 seed (bound: themed, at most 33.0 s), against local "
        "search's assignment",
        "not met",
    )
    stress = by_target["stress (5,000 est., 1,000 teams): certified gap reported"]
    assert stress[0].startswith("9.70% (bound: star")
    mdgp_cell, mdgp_verdict = by_target[
        "MDGPLIB: a certified bound for every instance; n=120 within 2% of the best known in 600 s"
    ]
    assert mdgp_cell == (
        "3 instances bounded; n=120: 1/2 within 2% (Geo 0.50%, RanReal 7.40%; slowest 2.0 s)"
    )
    assert mdgp_verdict == "not met"
    # the same files through bounds.py's own tables: the per-family table and verdict
    scales, mdgp_read, records = bounds.read_rows(tmp_path)
    text = bounds.mdgp_table(mdgp_read)
    assert "| 120 | RanReal | 1 | 7.40% | 0 | 2.0 |" in text
    assert "every n=120 instance within 2% in 600 s: **not met**." in text
    assert records == [] and len(scales) == 2


def call(scale: str, limit: float, wall: float, code: int = 0) -> Run:
    overrun = 100 * (wall - 2.5 - limit) / limit
    return Run(scale, "solve", 50, 8, limit, wall, 2.5, overrun, code, 1.0, wall - 2.5,
               "colgen", "optimal", "", 8)  # fmt: skip


def test_whole_call_target_counts_every_call_within_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"

    def row(calls: list[Run]) -> tuple[str, str]:
        from dataclasses import asdict

        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(asdict(calls[0])))
            writer.writeheader()
            writer.writerows(asdict(c) for c in calls)
        line = targets(pd_empty(), whole_call=path)[2]
        cells = line.strip("| ").split(" | ")
        return cells[1], cells[2]

    measured, verdict = row([call("cln", 5.0, 6.0), call("region", 20.0, 24.5)])
    assert verdict == "met" and measured.startswith("2/2 calls within; the closest solve")
    assert "overrun +10.0%" in measured
    assert row([call("cln", 5.0, 6.0), call("region", 20.0, 24.6)])[1] == "not met"
    assert row([call("cln", 5.0, 6.0, code=1)])[1] == "not met"


def test_render_writes_the_tables_between_the_markers(tmp_path: Path, capsys) -> None:
    """bounds.py --render rewrites only the marked tables, keeping the prose; a table whose
    markers the page lacks is not written, with a warning."""
    write(tmp_path, "region.csv", [scale_row("region", 0, 0.061, 33.0)])
    write(tmp_path, "mdgplib.csv", [mdgp_row("Geo_n120_ss_01", 0.005)])
    record = {"instance": "Geo_n120_ss_01", "objective": 101.0, "best_known": 100.0,
              "improvement": 1.0, "improvement_pct": 1.0, "file": "r.txt"}  # fmt: skip
    write(tmp_path, "records.csv", [record])
    page = tmp_path / "page.md"
    page.write_text(PAGE, encoding="utf-8")
    bounds.main(["--render", "--out", str(tmp_path), "--docs", str(page)])
    text = page.read_text(encoding="utf-8")
    assert "old table" not in text and "Prose written by hand." in text and "More prose." in text
    assert "| region (500/80) | 0 | 1,000.000 (60 s) | 1,061.000 | themed | 6.10% |" in text
    assert "1 instance bounded; n=120: 1/1 within 2% (Geo 0.50%; slowest 2.0 s)." in text
    assert "in 600 s: **met**." in text
    assert "| Geo_n120_ss_01 | 101.000" not in text  # the records table has no markers here
    assert "has no '<!-- bounds table: records' marker" in capsys.readouterr().out


def test_held_out_family_cohorts_get_their_own_rows() -> None:
    """Family cohorts from FIRST_HELD_OUT on are counted apart, in the Targets rows and
    the per-family table: a held-out miss is not averaged into the cohorts measured on."""
    from benchmarks.target_rows import FIRST_HELD_OUT
    from benchmarks.write_docs import _families_table

    def run(k: int, status: str, seconds: float) -> dict[str, object]:
        return {"set": "fam-themes20:cohesion", "instance": f"fam-themes20-{k:02d}",
                "strategy": "auto", "status": status, "runtime_s": seconds, "notes": ""}  # fmt: skip

    def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
        return pd.DataFrame(rows).reindex(columns=RUN_COLUMNS)

    measured = [run(k, "optimal", 1.0) for k in range(FIRST_HELD_OUT)]
    held = [run(FIRST_HELD_OUT, "optimal", 1.0), run(FIRST_HELD_OUT + 1, "feasible", 30.0)]
    rows = [r for r in targets(frame(measured + held)) if "families" in r]
    assert len(rows) == 2
    assert "measured on" in rows[0] and "5/5 proven optimal" in rows[0]
    assert rows[0].endswith("| met |")
    assert "held out" in rows[1] and "1/2 proven optimal" in rows[1]
    assert "slowest 30.0 s" in rows[1] and rows[1].endswith("| not met |")
    table = "\n".join(_families_table(frame(measured + held)))
    assert "| fam-themes20 | - | 5/5; 1.0 s; 1.0 s | - | - | 1/2; 15.5 s; 30.0 s | - |" in table
    assert "| family | focus (cohorts 0-4) |" in table
    # held-out runs alone: one labelled group, no empty columns
    (alone,) = [r for r in targets(frame(held)) if "families" in r]
    assert "held out" in alone
    assert "| fam-themes20 | - | 1/2; 15.5 s; 30.0 s | - |" in "\n".join(
        _families_table(frame(held))
    )
    # with nothing held out, the rows and the table are as before: one group, no labels
    (only,) = [r for r in targets(frame(measured)) if "families" in r]
    assert "held out" not in only and "measured on" not in only
    assert "cohesion (" not in "\n".join(_families_table(frame(measured)))


def test_a_run_in_two_result_folders_is_counted_once(tmp_path: Path) -> None:
    """A researcher gave write_docs two folders sharing a run: the Targets row said
    "2 instances x 2 seed(s) (5 runs)", that run counted twice."""
    import importlib

    write_docs = importlib.import_module("benchmarks.write_docs")
    row = {c: None for c in RUN_COLUMNS} | {
        "set": "mdgp", "instance": "RanReal_n120_ss_01", "strategy": "colgen", "seed": 0,
        "time_limit": 5.0, "sweep": "S1", "objective": 1.0,
    }  # fmt: skip
    for name, rows in (("a", [row]), ("b", [row, {**row, "seed": 1}])):
        (tmp_path / name).mkdir()
        pd.DataFrame(rows, columns=RUN_COLUMNS).to_csv(tmp_path / name / "runs.csv", index=False)
    runs = write_docs._runs([tmp_path / "a", tmp_path / "b"])
    assert len(runs) == 2
