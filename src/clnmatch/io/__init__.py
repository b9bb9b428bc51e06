"""Readers and writers of clnmatch's tables: survey, facilitators, assignments.

Readers collect every problem in a file before raising one ``InvalidInputError`` and
never change the file they read; writers write whole files or nothing, and neutralise
text a spreadsheet could run as a formula.
"""

from clnmatch.io.assignment import AssignmentTable, read_assignment, read_links
from clnmatch.io.facilitators import (
    FacilitatorReading,
    facilitators_dataframe,
    read_facilitator_table,
    read_facilitators,
    write_facilitators,
)
from clnmatch.io.mapping import SurveyMapping, load_mapping
from clnmatch.io.safe import (
    atomic_write_bytes,
    atomic_write_text,
    neutralise,
    staged_output_dir,
    unneutralise,
    write_csv,
    write_xlsx,
)
from clnmatch.io.survey import (
    LIKERT_LABELS,
    LIKERT_SCALE,
    SurveyReading,
    cohort_from_dataframe,
    parse_rating,
    read_cohort,
    read_survey,
)
from clnmatch.io.survey_write import survey_dataframe, write_survey
from clnmatch.io.tables import Row, Table, load_table

__all__ = [
    "AssignmentTable",
    "FacilitatorReading",
    "LIKERT_LABELS",
    "LIKERT_SCALE",
    "Row",
    "SurveyMapping",
    "SurveyReading",
    "Table",
    "atomic_write_bytes",
    "atomic_write_text",
    "cohort_from_dataframe",
    "facilitators_dataframe",
    "load_mapping",
    "load_table",
    "neutralise",
    "parse_rating",
    "read_assignment",
    "read_cohort",
    "read_facilitator_table",
    "read_facilitators",
    "read_links",
    "read_survey",
    "staged_output_dir",
    "survey_dataframe",
    "unneutralise",
    "write_csv",
    "write_facilitators",
    "write_survey",
    "write_xlsx",
]
