"""The survey table written back: a cohort as the contract's survey columns (CSV or .xlsx),
which ``read_cohort`` reads back as an equal cohort."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from clnmatch.errors import InvalidParameterError
from clnmatch.io.safe import write_csv, write_xlsx

if TYPE_CHECKING:
    import pandas as pd

    from clnmatch.models import Cohort

__all__ = ["survey_dataframe", "write_survey"]


def survey_dataframe(cohort: Cohort) -> pd.DataFrame:
    """The survey table of a cohort: one row per practitioner, columns as the contract.

    Optional columns appear only when some row has a value.
    """
    import pandas as pd

    est = cohort.establishment_by_id
    people = cohort.practitioners
    units = [est[p.establishment_id] for p in people]
    columns: dict[str, object] = {
        "practitioner_id": [p.id for p in people],
        "name": [p.name for p in people],
        "establishment_id": [p.establishment_id for p in people],
        "establishment_name": [u.name for u in units],
        "authority": [u.authority for u in units],
        "sector": [u.sector.value for u in units],
        "role": [p.role.value for p in people],
    }
    if any(p.job_title for p in people):
        columns["job_title"] = [p.job_title or "" for p in people]
    for t, theme in enumerate(cohort.themes):
        columns[f"theme:{theme}"] = pd.array([p.interests[t] for p in people], dtype="int64")
    if any(u.simd_quintile is not None for u in units):
        columns["simd_quintile"] = pd.array([u.simd_quintile for u in units], dtype="Int64")
    if any(u.latitude is not None or u.longitude is not None for u in units):
        columns["latitude"] = pd.array([u.latitude for u in units], dtype="Float64")
        columns["longitude"] = pd.array([u.longitude for u in units], dtype="Float64")
    if any(p.email for p in people):
        columns["email"] = [p.email for p in people]
    return pd.DataFrame(columns)


def write_survey(cohort: Cohort, path: str | os.PathLike[str]) -> None:
    """Write a cohort's survey table as CSV (UTF-8 with BOM) or .xlsx, atomically.

    Text a spreadsheet could run gets one leading apostrophe; ``read_cohort`` removes it.
    """
    df = survey_dataframe(cohort)
    name = os.fspath(path).casefold()
    if name.endswith(".csv"):
        write_csv(df, path)
    elif name.endswith(".xlsx"):
        write_xlsx({"survey": df}, path)
    else:
        raise InvalidParameterError.for_value(
            "path", "write_survey", "a path ending in .csv or .xlsx", os.fspath(path)
        )
