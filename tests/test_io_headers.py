"""Tests of clnmatch.io.headers: an export's headers matched loosely to survey columns."""

from __future__ import annotations

import pytest

from clnmatch.io.headers import guess_column, header_score, is_form_metadata


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Full name", "name"),
        ("Your name", "name"),
        ("Your full name", "name"),
        ("School", "establishment_name"),
        ("Name of your school or early learning centre", "establishment_name"),
        ("School / ELC", "establishment_name"),
        ("Local authority", "authority"),
        ("Which local authority is it in?", "authority"),
        ("Council", "authority"),
        ("Job title", "job_title"),
        ("Your job title", "job_title"),
        ("Email address", "email"),
        ("E-mail", "email"),
        ("Your role", "role"),
        ("Are you the promoted member of staff or the practitioner?", "role"),
        ("Which sector is your establishment in?", "sector"),
        ("SEED code", "establishment_id"),
        ("Id", "practitioner_id"),
        ("SIMD quintile", "simd_quintile"),
        ("Long", "longitude"),
        ("establishment_name", "establishment_name"),
    ],
)
def test_headers_are_matched_by_their_words(header: str, column: str) -> None:
    """The header synonyms of forms name their column."""
    guess = guess_column(header)
    assert guess is not None and guess[0] == column


@pytest.mark.parametrize(
    "header",
    [
        "How interested are you in Literacy?",
        "How long have you been teaching?",
        "Start time",
        "theme:Literacy",
        "Anything else you would like to tell us?",
    ],
)
def test_other_headers_name_no_column(header: str) -> None:
    """Questions, form metadata and theme headers are not survey columns."""
    assert guess_column(header) is None


def test_a_header_with_more_words_scores_lower() -> None:
    """'Name' is surer than 'Name of your school': both guessed, ranked by specificity."""
    assert guess_column("Name") == ("name", 1.0)
    column, score = guess_column("Name of your school or early learning centre") or ("", 0)
    assert column == "establishment_name" and score < 0.5


def test_header_score_counts_header_like_cells() -> None:
    """A header row scores more than a title row or a data row."""
    header = ["Id", "Start time", "Email", "Name", "School", "Local authority", "theme:A"]
    title = ["West Partnership CLN launch survey", "", ""]
    data = ["1", "5/2/24 9:00", "ann@x.org", "Ann Reid", "Hillhead Primary", "Inverclyde", "3"]
    assert header_score(header) == 7
    assert header_score(title) == 0
    assert header_score(data) < 3
    assert is_form_metadata("Completion time") and not is_form_metadata("Completion")
