"""The domain model: aliases, cross-field validation, rules and their arithmetic."""

from __future__ import annotations

import pytest
from builders import make_cohort
from pydantic import ValidationError

from clnmatch.models import Cohort, Establishment, Practitioner, Role, Rules, Sector, authority_key


@pytest.mark.parametrize(
    "text,sector",
    [
        ("ELC", Sector.ELC),
        ("Nursery", Sector.ELC),
        ("early years", Sector.ELC),
        ("Early Learning and Childcare", Sector.ELC),
        ("P", Sector.PRIMARY),
        ("primary", Sector.PRIMARY),
        ("S", Sector.SECONDARY),
        ("High School", Sector.SECONDARY),
        ("ASN", Sector.SPECIAL),
        ("additional support needs", Sector.SPECIAL),
        (" special ", Sector.SPECIAL),
    ],
)
def test_sector_aliases(text, sector):
    """Every alias the contract names maps to its sector, whatever the case or spacing."""
    assert Sector.parse(text) is sector


@pytest.mark.parametrize(
    "text,role",
    [
        ("promoted", Role.PROMOTED),
        ("Headteacher", Role.PROMOTED),
        ("Depute", Role.PROMOTED),
        ("PT", Role.PROMOTED),
        ("teacher", Role.PRACTITIONER),
        ("EYP", Role.PRACTITIONER),
        ("Practitioner", Role.PRACTITIONER),
    ],
)
def test_role_aliases(text, role):
    """Role wording of real exports maps to promoted or practitioner."""
    assert Role.parse(text) is role


def test_a_forms_tick_boxes_are_read_only_when_they_agree():
    """A multi-select answer ("Primary, Early Learning and Childcare (ELC)", Microsoft
    Forms' "Primary;...;") names a sector only when every part names the same one; two
    sectors or two roles are never guessed (the bracket's word used to win)."""
    for text in ("Primary, Early Learning and Childcare (ELC)", "Primary;Nursery class;",
                 "Early Learning and Childcare (ELC);Primary;"):  # fmt: skip
        assert Sector.parse(text) is None
        assert Sector.named(text) == [Sector.ELC, Sector.PRIMARY]
    assert Sector.parse("Primary;") is Sector.PRIMARY
    assert Sector.parse("Additional Support Needs (ASN);") is Sector.SPECIAL
    assert Sector.parse("Special, ASN") is Sector.SPECIAL  # both parts name special
    assert Role.parse("Class Teacher;Principal Teacher (PT);") is None
    assert Role.parse("Promoted (e.g. HT, DHT, PT)") is Role.PROMOTED  # a bracket's commas
    assert Role.parse("Class Teacher;") is Role.PRACTITIONER
    # a box naming nothing is not passed over (each was read as the box it knew)
    assert Sector.parse("Secondary, ASN base") is None
    assert Role.parse("Teacher, Curricular leader") is None
    assert Role.named("Class teacher, Acting PT") == [Role.PROMOTED, Role.PRACTITIONER]
    assert Role.parse("Teacher of English, Music") is Role.PRACTITIONER  # a post's field


def test_unknown_alias_is_none():
    """An unknown word maps to nothing rather than to a guess."""
    assert Sector.parse("college") is None and Role.parse("janitor") is None


def test_authority_key_folds_case_and_space():
    """Authorities are compared after trimming and case folding."""
    assert authority_key("  Glasgow   City ") == authority_key("glasgow city")


def test_rating_out_of_range_rejected():
    """Ratings are 0-5."""
    with pytest.raises(ValidationError, match="0-5"):
        Practitioner(id="p", name="n", establishment_id="e", role="promoted", interests=(1, 7))


def test_cohort_rejects_duplicates_and_dangling_ids():
    """Unique ids, known establishments and one rating per theme are checked across fields."""
    est = Establishment(id="E1", name="S", authority="A", sector="primary")
    p = Practitioner(id="p", name="n", establishment_id="E1", role="promoted", interests=(1, 2))
    with pytest.raises(ValidationError, match="repeated"):
        Cohort(themes=("a", "b"), establishments=(est,), practitioners=(p, p))
    stray = p.model_copy(update={"id": "q", "establishment_id": "E9"})
    with pytest.raises(ValidationError, match="not in the cohort"):
        Cohort(themes=("a", "b"), establishments=(est,), practitioners=(p, stray))
    with pytest.raises(ValidationError, match="at least 2 themes"):
        Cohort(
            themes=("a",),
            establishments=(est,),
            practitioners=(p.model_copy(update={"interests": (1,)}),),
        )


def test_models_are_immutable():
    """A cohort cannot be changed after validation."""
    cohort = make_cohort([("A", "primary", [[1, 2]])])
    with pytest.raises(ValidationError):
        cohort.themes = ("x", "y")  # type: ignore[misc]


def test_rules_defaults_match_domain():
    """Defaults are those of domain.md."""
    rules = Rules()
    assert (
        rules.teams,
        rules.max_participants,
        rules.min_establishments,
        rules.min_sectors,
        rules.min_authorities,
        rules.max_authority_share,
        rules.size_tolerance,
        rules.schools_per_facilitator,
    ) == (8, 100, 40, 2, 3, 0.5, 2, 10)


def test_size_bounds_and_facilitators_needed():
    """100 participants in 8 teams: 12.5 +- 2 gives 11..14; 11 schools need 2 facilitators."""
    rules = Rules()
    assert rules.size_bounds(100) == (11, 14)
    assert rules.size_bounds(96) == (10, 14)
    assert rules.facilitators_needed(11) == 2 and rules.facilitators_needed(10) == 1


def test_rules_reject_bad_values():
    """Bad rule values are refused naming the field."""
    with pytest.raises(ValidationError, match="max_authority_share"):
        Rules(max_authority_share=1.5)
    with pytest.raises(ValidationError, match="team 9"):
        Rules(teams=8, pins={"E1": 9})
    # True is not a count (pydantic would read it as 1: one team)
    for field in ("teams", "min_sectors", "max_authority_share", "max_teams_per_theme"):
        with pytest.raises(ValidationError, match=f"{field}(.|\n)*not True"):
            Rules(**{field: True})
    # absurd sizes: refused at once (10**20 teams crashed, 99,999 ran for 93 s)
    for field in ("teams", "size_tolerance", "schools_per_facilitator", "min_sectors"):
        with pytest.raises(ValidationError, match=f"{field}(.|\n)*less than or equal"):
            Rules(**{field: 10**20})


def test_a_wrong_objective_is_named_without_naming_solve():
    """check() takes an objective too: its error did say "parameter of solve"."""
    from clnmatch import InvalidParameterError, check

    cohort = make_cohort([("A", "primary", [[1, 2, 3]])], themes=("a", "b", "c"))
    with pytest.raises(InvalidParameterError, match="'objective' parameter must be") as error:
        check(cohort, Rules(teams=1, min_sectors=1, min_authorities=1), {}, objective="x")
    assert "solve" not in str(error.value)


def test_rules_from_toml(tmp_path):
    """A TOML rules file uses the CLI names in snake_case; flags override it."""
    path = tmp_path / "rules.toml"
    path.write_text("teams = 6\nmin_sectors = 3\n[pins]\nE1 = 2\n", encoding="utf-8")
    rules = Rules.from_toml(path, min_sectors=None, size_tolerance=1)
    assert (rules.teams, rules.min_sectors, rules.size_tolerance, dict(rules.pins)) == (
        6,
        3,
        1,
        {"E1": 2},
    )


def test_a_together_pair_names_two_establishments_as_apart_does() -> None:
    with pytest.raises(ValueError, match="together pairs two different"):
        Rules(together=(("E1", "E1"),))


def test_theme_names_differing_only_in_case_are_one_theme_twice() -> None:
    """The survey's reader takes "Literacy" and "literacy" for one theme."""
    with pytest.raises(ValueError, match="whatever their case"):
        Cohort(themes=("Literacy", "literacy"), establishments=(), practitioners=())


def test_interest_ratings_are_not_true_or_false() -> None:
    """pydantic read True as 1 (as Rules already refuses)."""
    with pytest.raises(ValueError, match="not True/False"):
        Practitioner(id="p", name="n", establishment_id="e", role="promoted", interests=(True, 2))


def test_the_mappings_of_frozen_objects_cannot_be_changed_in_place() -> None:
    """``rules.pins["E2"] = 2`` went through, and the next solve obeyed it; a result's
    assignment could be changed and no longer matched its evaluation. Each is a dict that
    refuses every change, hashes, pickles and reads as a dict."""
    import json
    import pickle

    rules = Rules(pins={"E1": 1})
    cohort = make_cohort([("A", "primary", [[1, 2]]), ("B", "secondary", [[2, 1]])])
    copies = (Rules().pins, rules.locks_within(lambda e: True).pins)  # a default, a copy
    for mapping in (rules.pins, *copies, cohort.establishment_by_id, cohort.nominees,
                    cohort.authorities):  # fmt: skip
        with pytest.raises(TypeError, match="cannot be changed"):
            mapping["x"] = 1  # type: ignore[index]
        with pytest.raises(TypeError, match="cannot be changed"):
            mapping.clear()
    assert rules.pins == {"E1": 1} and json.loads(json.dumps(rules.pins)) == {"E1": 1}
    assert hash(rules) == hash(Rules(pins={"E1": 1})) and hash(Rules()) == hash(Rules())
    assert pickle.loads(pickle.dumps(rules)) == rules
    again = pickle.loads(pickle.dumps(cohort))
    assert again.establishment_by_id == cohort.establishment_by_id
    assert dict(rules.pins) | {"E2": 2} == {"E1": 1, "E2": 2}  # a copy changes freely
    from clnmatch.result import Result, Status

    result = Result(Status.FEASIBLE, cohort, rules, "blend", "greedy", 0, 0.0, {"P1": 1})
    with pytest.raises(TypeError, match="cannot be changed"):
        result.assignment["P1"] = 2  # type: ignore[index]


def test_a_nan_setting_says_it_is_not_a_number() -> None:
    """NaN said "Input should be less than or equal to 1" (an outside tester); an empty
    cohort given to solve said "Got a Cohort instead"."""
    import clnmatch

    with pytest.raises(ValidationError, match="finite number"):
        Rules(max_authority_share=float("nan"))
    empty = Cohort(themes=("a", "b"), establishments=(), practitioners=())
    with pytest.raises(clnmatch.InvalidParameterError, match="Got a Cohort of none instead"):
        clnmatch.solve(empty)


def test_a_validation_error_does_not_repeat_peoples_records() -> None:
    """A duplicate id echoed a truncated record (the end of an e-mail address) into the
    error, and so into any log of it (a developer)."""
    from clnmatch.generate import generate_cohort

    cohort = generate_cohort(10, seed=0, teams_hint=2)
    people = cohort.practitioners
    with pytest.raises(ValidationError) as caught:
        Cohort(themes=cohort.themes, establishments=cohort.establishments,
               practitioners=people + people[:1])  # fmt: skip
    said = str(caught.value)
    assert "must be unique" in said and "input_value" not in said
    assert not any(p.email and p.email in said for p in people)
