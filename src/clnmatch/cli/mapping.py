"""``clnmatch map``: draft a mapping for a survey export as it comes (contract section 10).

The lead officer runs it once on a Forms export, checks the lines marked CHECK, and
passes the file to every other command with ``--map``. The draft is tried at once and
the outcome printed, so the user knows whether it reads before going further.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clnmatch.cli.common import (
    EXIT_INVALID,
    Exit,
    Sheet,
    app,
    err_console,
    exit_codes,
    out_console,
)
from clnmatch.errors import InvalidInputError, without_command


@app.command(name="map")
def map_survey(
    survey: Annotated[Path, typer.Argument(help="Survey export as it comes (CSV or .xlsx).")],
    out: Annotated[Path, typer.Option("--out", help="The mapping file to write (.toml).")],
    sheet: Sheet = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out if it exists (it may hold your edits).")
    ] = False,
) -> None:
    """Draft a mapping of a survey export's headers, themes, rating words and job titles.

    Check the lines marked CHECK, then use the file with --map on inspect, solve, check,
    rematch and report.
    Example: clnmatch map responses.xlsx --out map.toml
    """
    from clnmatch.io.draft import draft_mapping
    from clnmatch.io.draft_toml import render_draft
    from clnmatch.io.safe import atomic_write_text
    from clnmatch.io.survey import read_survey

    with exit_codes():
        if out.suffix.casefold() != ".toml":
            raise Exit(EXIT_INVALID, f"--out must be a .toml file; got {out.name}")
        if out.exists() and out.resolve() == survey.resolve():
            raise Exit(EXIT_INVALID, f"--out {out} is the survey itself; name another file")
        if out.is_dir():
            raise Exit(EXIT_INVALID, f"--out {out} is a folder; name a .toml file")
        if out.exists() and not force:
            raise Exit(
                EXIT_INVALID,
                f"--out {out} exists and may hold your edits; name another file, or add "
                "--force to replace it",
            )
        draft = draft_mapping(survey, sheet=sheet)
        text = render_draft(draft)
        try:
            atomic_write_text(out, text)
        except OSError as exc:
            raise Exit(
                EXIT_INVALID, f"--out {out} cannot be written ({exc.strerror or exc})"
            ) from None
        checks = text.count("CHECK:")
        out_console.print(
            f"Wrote {out}: {len(draft.columns)} columns, "
            f"{len(draft.theme_headers) + draft.theme_prefixed} theme columns, "
            f"{len(draft.scale)} rating words; {checks} line(s) marked CHECK.",
            markup=False,
            highlight=False,
            soft_wrap=True,  # a path in it is copied whole
        )
        try:
            reading = read_survey(survey, sheet=sheet, mapping=out)
        except InvalidInputError as exc:
            # the reader's advice to run `clnmatch map`, said by clnmatch map, goes in circles
            shown = "\n".join(
                f"  - {p}" for p in without_command(exc.problems[:10], "clnmatch map")
            )
            more = f"\n  ... and {len(exc.problems) - 10} more" if len(exc.problems) > 10 else ""
            # a problem naming the mapping (or one a mapping mends: words, a scale) is the
            # draft's; the others (a blank cell, a file's encoding) are the export's
            in_draft = [
                any(word in str(p) for word in (out.name, "mapping", "built-in scale"))
                for p in exc.problems
            ]
            if all(in_draft):
                mend = f"Edit {out} where it says CHECK"
            elif any(in_draft):
                mend = (
                    f"Edit {out} where it says CHECK, and correct the other problems in a "
                    "copy of the export"
                )
            else:
                mend = "The export has the problems above: correct them in a copy of the export"
            rows = sorted({p.row for p, own in zip(exc.problems, in_draft, strict=True)
                           if p.row is not None and p.row > 1 and not own})  # fmt: skip
            if 0 < len(rows) <= 3:  # a totals row or a note under the answers, perhaps
                listed = ", ".join(map(str, rows))
                mend += (
                    f" (if row {listed} holds no one's answers, such as a totals row, write "
                    f"leave_out_rows = [{listed}] at the top of {out} instead)"
                )
            err_console.print(
                f"With this draft the survey does not read yet ({len(exc.problems)} "
                f"problem(s)):\n{shown}{more}\n{mend}, then run: "
                f"clnmatch inspect {survey} --map {out}",
                markup=False,
                highlight=False,
                soft_wrap=True,  # a path in it is copied whole
            )
            return
        cohort = reading.cohort
        warned = without_command(reading.warnings[:10], "clnmatch map")
        listed = "".join(f"\n  - {w}" for w in warned)
        if len(reading.warnings) > 10:
            listed += f"\n  ... and {len(reading.warnings) - 10} more (clnmatch inspect lists them)"
        # the reader's warnings are not the draft's guesses: those are its CHECK lines
        to_check = f"Check the {checks} line(s) of {out} marked CHECK" if checks else "Check it"
        out_console.print(
            f"With this draft the survey reads: {cohort.n_participants} practitioner(s) from "
            f"{len(cohort.establishments)} establishment(s), {len(cohort.themes)} themes, "
            f"{len(reading.warnings)} warning(s) reading it{':' if listed else '.'}{listed}\n"
            f"{to_check}, then run: clnmatch inspect {survey} --map {out}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
