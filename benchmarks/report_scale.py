"""How long the outputs for people take to write, from a CLN cohort to 1,000 teams.

    python -m benchmarks.report_scale                      # 8, 80 and 1,000 teams
    python -m benchmarks.report_scale --scales 80 --pdf    # one scale, with handouts.pdf

For each scale a generated cohort (``generate_cohort(establishments, seed=0,
teams_hint=teams)``) is matched by the ``greedy`` strategy (fast, rule-abiding; the
answer's quality does not matter here), then each output is written on its own and timed
(wall seconds, one run, this machine): report.html as ``write_result`` writes it
(explanations included where ``clnmatch.report.many_teams.explains`` allows them),
teams.xlsx, mailmerge.csv, handouts.html and, with ``--pdf``, handouts.pdf. Prints one
markdown table; the figures quoted in docs/report.md come from it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from clnmatch.generate import generate_cohort
from clnmatch.io.safe import atomic_write_text, write_csv
from clnmatch.models import Rules
from clnmatch.report.handouts import find_chromium, pdf_timeout, print_to_pdf, render_handouts
from clnmatch.report.html import render_report
from clnmatch.report.mailmerge import mailmerge_frame
from clnmatch.report.many_teams import explains
from clnmatch.report.views import Heading
from clnmatch.report.workbook import write_workbook
from clnmatch.solve import solve

SCALES = {8: 50, 80: 500, 1000: 5000}  # teams -> establishments (the harness's sets)


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def measure(teams: int, *, pdf: bool, folder: Path) -> dict[str, object]:
    """Seconds and bytes of each output for one scale."""
    establishments = SCALES[teams]
    cohort = generate_cohort(establishments, seed=0, teams_hint=teams)
    rules = Rules(teams=teams, max_participants=100_000, min_establishments=0)
    started = time.perf_counter()
    result = solve(cohort, rules, strategy="greedy", time_limit=600, seed=0)
    solve_s = time.perf_counter() - started
    if not result.feasible:
        raise SystemExit(f"greedy found no rule-abiding teams at {teams} teams: {result.notes}")
    heading = Heading(title=f"Benchmark cohort, {teams} teams")
    out = folder / f"teams-{teams}"
    out.mkdir()
    row: dict[str, object] = {
        "teams": teams,
        "establishments": establishments,
        "participants": cohort.n_participants,
        "solve_s": solve_s,
        "explained": explains(result),
    }
    row["report_s"] = _timed(
        lambda: atomic_write_text(out / "report.html", render_report(result, heading=heading))
    )
    row["xlsx_s"] = _timed(lambda: write_workbook(result, out / "teams.xlsx", heading=heading))
    row["mailmerge_s"] = _timed(lambda: write_csv(mailmerge_frame(result, heading), out / "m.csv"))
    row["handouts_s"] = _timed(
        lambda: atomic_write_text(out / "handouts.html", render_handouts(result, heading))
    )
    if pdf:
        why: list[str | None] = []
        row["pdf_s"] = _timed(
            lambda: why.append(
                print_to_pdf(
                    out / "handouts.html", out / "handouts.pdf", timeout=pdf_timeout(teams)
                )
            )
        )
        row["pdf_note"] = why[0] or ""
    for name in ("report.html", "teams.xlsx", "handouts.html", "handouts.pdf"):
        path = out / name
        row[f"{name}_mb"] = path.stat().st_size / 1e6 if path.exists() else None
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="8,80,1000", help="teams per scale: 8, 80, 1000")
    parser.add_argument("--pdf", action="store_true", help="also print handouts.pdf")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]
    if args.pdf and find_chromium() is None:
        print("no Chromium found: --pdf needs one", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} cores; one run per scale; seconds are wall time\n")
    header = "| teams | establishments | participants | report.html s (MB) | teams.xlsx s (MB) |"
    header += " mailmerge.csv s | handouts.html s | handouts.pdf s (MB) | explanations |"
    print(header)
    print("|" + "---|" * 9)
    with tempfile.TemporaryDirectory(prefix="report-scale-") as folder:
        for teams in scales:
            r = measure(teams, pdf=args.pdf, folder=Path(folder))
            pdf = (
                f"{r['pdf_s']:.1f} ({r['handouts.pdf_mb']:.1f})"
                if args.pdf and r.get("handouts.pdf_mb")
                else "-"
            )
            print(
                f"| {teams:,} | {r['establishments']:,} | {r['participants']:,} "
                f"| {r['report_s']:.1f} ({r['report.html_mb']:.1f}) "
                f"| {r['xlsx_s']:.1f} ({r['teams.xlsx_mb']:.1f}) "
                f"| {r['mailmerge_s']:.2f} | {r['handouts_s']:.2f} | {pdf} "
                f"| {'yes' if r['explained'] else 'left out'} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
