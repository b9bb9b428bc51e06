"""Tests of clnmatch.generate: seeded sample cohorts shaped like the West Partnership,
made up or at the real schools."""

from __future__ import annotations

import math
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clnmatch.errors import InvalidParameterError
from clnmatch.generate import (
    AUTHORITIES,
    DEFAULT_THEMES,
    EDUCATION_SCOTLAND,
    FAMILIES,
    SCHOOLS_ATTRIBUTION,
    family_cohort,
    generate_cohort,
    generate_region,
    generate_school_cohort,
    load_schools,
)
from clnmatch.models import Cohort, Role, Rules, Sector
from clnmatch.problem import Problem, similarity

CLN_SEEDS = range(10)


@pytest.fixture(scope="module")
def cln_cohorts() -> list[Cohort]:
    """CLN-sized cohorts (50 establishments) for seeds 0..9."""
    return [generate_cohort(50, seed=s) for s in CLN_SEEDS]


@pytest.fixture(scope="module")
def region() -> Cohort:
    """A 500-establishment cohort, large enough for proportions to settle."""
    return generate_region(500, seed=3)


def _share(counts: Counter[str], key: str) -> float:
    return counts[key] / sum(counts.values())


def test_same_seed_gives_the_same_cohort() -> None:
    """Two calls with the same seed give identical cohorts, field by field."""
    assert generate_cohort(50, seed=7).model_dump() == generate_cohort(50, seed=7).model_dump()


def test_different_seeds_give_different_cohorts() -> None:
    """Different seeds differ in establishments and in survey answers."""
    a, b = generate_cohort(50, seed=1), generate_cohort(50, seed=2)
    assert [e.name for e in a.establishments] != [e.name for e in b.establishments]
    assert [p.interests for p in a.practitioners] != [p.interests for p in b.practitioners]


def test_optional_columns_change_nothing_else() -> None:
    """Switching SIMD, coordinates or facilitators off only drops those columns."""
    full = generate_cohort(40, seed=5)
    bare = generate_cohort(
        40, seed=5, with_simd=False, with_coordinates=False, with_facilitators=False
    )
    assert bare.facilitators == ()
    assert all(
        e.simd_quintile is None and e.latitude is None and e.longitude is None
        for e in bare.establishments
    )
    assert [e.id for e in bare.establishments] == [e.id for e in full.establishments]
    assert bare.model_dump()["practitioners"] == full.model_dump()["practitioners"]


def test_a_generated_cohort_is_valid_and_builds_a_problem(cln_cohorts: list[Cohort]) -> None:
    """The cohort survives pydantic re-validation and Problem.from_cohort builds under Rules()."""
    cohort = cln_cohorts[0]
    again = Cohort.model_validate(cohort.model_dump())
    assert again.model_dump() == cohort.model_dump()
    problem = Problem.from_cohort(cohort, Rules())
    assert problem.n_units == 50
    assert problem.total_weight == cohort.n_participants
    assert problem.travel_km is not None and problem.simd_milli > 0
    assert problem.theme_names == DEFAULT_THEMES


def test_cln_cohort_has_about_100_practitioners(cln_cohorts: list[Cohort]) -> None:
    """50 establishments send 95-100 nominees: mostly two, a few one, fewer three."""
    for cohort in cln_cohorts:
        assert 95 <= cohort.n_participants <= Rules().max_participants
        sizes = Counter(len(n) for n in cohort.nominees.values())
        assert set(sizes) <= {1, 2, 3}
        assert sizes[2] >= 44
        assert sizes[3] <= sizes[1]


def test_pairs_are_one_promoted_and_one_practitioner(cln_cohorts: list[Cohort]) -> None:
    """An establishment with two nominees sends a senior leader and a practitioner."""
    for cohort in cln_cohorts:
        for nominees in cohort.nominees.values():
            roles = Counter(p.role for p in nominees)
            if len(nominees) == 2:
                assert roles == {Role.PROMOTED: 1, Role.PRACTITIONER: 1}
            if len(nominees) == 3:
                assert roles[Role.PROMOTED] >= 1 and roles[Role.PRACTITIONER] >= 1


def test_glasgow_leaves_room_under_the_share_rule(cln_cohorts: list[Cohort]) -> None:
    """At 50 establishments for 8 teams Glasgow holds about a third, far below the 24 allowed."""
    for cohort in cln_cohorts:
        counts = cohort.establishments_by_authority()
        assert len(counts) == len(AUTHORITIES)  # all eight authorities take part
        assert 0.28 <= counts["Glasgow City"] / 50 <= 0.37
        assert max(counts.values()) == counts["Glasgow City"]
        # 8 teams of 6-7 establishments: at most 3 of one authority each
        assert counts["Glasgow City"] <= 8 * 3


def test_largest_authority_is_capped_for_the_teams_hint() -> None:
    """Even a small cohort gives no authority more than half of teams_hint even teams hold."""
    for n in (16, 20, 24, 30):
        for seed in range(5):
            cohort = generate_cohort(n, seed=seed, teams_hint=8)
            sizes = [n // 8 + (t < n % 8) for t in range(8)]
            cap = sum(s // 2 for s in sizes)
            assert max(cohort.establishments_by_authority().values()) <= cap


def test_proportions_over_a_region(region: Cohort) -> None:
    """Authorities, sectors and SIMD follow the West Partnership's shape at 500 establishments."""
    authorities = Counter(e.authority for e in region.establishments)
    assert 0.27 <= _share(authorities, "Glasgow City") <= 0.38
    for big in ("North Lanarkshire", "South Lanarkshire"):
        assert 0.12 <= _share(authorities, big) <= 0.23
    assert 0.07 <= _share(authorities, "Renfrewshire") <= 0.14
    for small in ("East Dunbartonshire", "East Renfrewshire", "West Dunbartonshire", "Inverclyde"):
        assert 0.03 <= _share(authorities, small) <= 0.10

    sectors = Counter(e.sector for e in region.establishments)
    assert 0.45 <= _share(sectors, Sector.PRIMARY) <= 0.60
    assert 0.17 <= _share(sectors, Sector.ELC) <= 0.28
    assert 0.11 <= _share(sectors, Sector.SECONDARY) <= 0.21
    assert 0.04 <= _share(sectors, Sector.SPECIAL) <= 0.10

    def affluent(names: tuple[str, ...]) -> float:
        quintiles = [e.simd_quintile for e in region.establishments if e.authority in names]
        return sum(q is not None and q >= 4 for q in quintiles) / len(quintiles)

    def deprived(names: tuple[str, ...]) -> float:
        quintiles = [e.simd_quintile for e in region.establishments if e.authority in names]
        return sum(q is not None and q <= 2 for q in quintiles) / len(quintiles)

    assert affluent(("East Dunbartonshire", "East Renfrewshire")) >= 0.6
    assert deprived(("Glasgow City",)) >= 0.5
    assert (
        deprived(("Glasgow City", "Inverclyde", "West Dunbartonshire", "North Lanarkshire"))
        > 2 * deprived(("East Dunbartonshire", "East Renfrewshire")) + 0.3
    )


def test_at_least_two_sectors_from_two_establishments() -> None:
    """Any cohort of two or more establishments has at least two sectors."""
    for n in range(2, 12):
        for seed in range(4):
            cohort = generate_cohort(n, seed=seed)
            assert len({e.sector for e in cohort.establishments}) >= 2


def test_interests_correlate_within_establishment_and_sector(region: Cohort) -> None:
    """Mean similarity: same establishment > same sector (other school) > other sector."""
    ratings = np.array([p.interests for p in region.practitioners], dtype=float)
    sim = similarity(ratings)
    est = np.array([p.establishment_id for p in region.practitioners])
    sector = np.array([str(region.establishment_by_id[e].sector) for e in est])
    off_diagonal = ~np.eye(len(est), dtype=bool)
    same_est = (est[:, None] == est[None, :]) & off_diagonal
    same_sector = (sector[:, None] == sector[None, :]) & off_diagonal & ~same_est
    other_sector = sector[:, None] != sector[None, :]
    within_est, within_sector = sim[same_est].mean(), sim[same_sector].mean()
    across = sim[other_sector].mean()
    assert within_est > within_sector + 0.2
    assert within_sector > across + 0.05
    # ratings use the whole scale rather than sitting on one value
    assert set(np.unique(ratings)) == {0, 1, 2, 3, 4, 5}


def test_sector_profiles_show_in_the_ratings(region: Cohort) -> None:
    """ELC staff rate Learning through play above secondary staff, who prefer Digital learning."""
    themes = list(region.themes)
    play, digital = themes.index("Learning through play"), themes.index("Digital learning")

    def mean_rating(sector: Sector, k: int) -> float:
        return float(
            np.mean(
                [
                    p.interests[k]
                    for p in region.practitioners
                    if region.establishment_by_id[p.establishment_id].sector is sector
                ]
            )
        )

    assert mean_rating(Sector.ELC, play) > mean_rating(Sector.SECONDARY, play) + 1.5
    assert mean_rating(Sector.SECONDARY, digital) > mean_rating(Sector.ELC, digital) + 1.0


def test_facilitator_supply_meets_each_authority_share(cln_cohorts: list[Cohort]) -> None:
    """Each authority supplies ceil(establishments / 10); Education Scotland adds one."""
    for cohort in cln_cohorts:
        supplied = Counter(f.authority for f in cohort.facilitators)
        for authority, n in cohort.establishments_by_authority().items():
            assert supplied[authority] == math.ceil(n / 10)
        assert supplied[EDUCATION_SCOTLAND] == 1
        assert len(cohort.facilitators) >= 8
        assert [f.id for f in cohort.facilitators] == [
            f"F{i:02d}" for i in range(1, len(cohort.facilitators) + 1)
        ]
        for f in cohort.facilitators:
            assert set(f.expertise) == set(cohort.themes)
            assert f.role in {"QIO", "Educational psychologist", "Education Scotland specialist"}


def test_education_scotland_tops_facilitators_up_to_the_teams() -> None:
    """A small cohort whose authorities owe fewer than teams_hint gets more from Ed. Scotland."""
    cohort = generate_cohort(12, seed=0, teams_hint=8)
    owed = sum(math.ceil(n / 10) for n in cohort.establishments_by_authority().values())
    assert owed < 8
    assert len(cohort.facilitators) == 8
    supplied = Counter(f.authority for f in cohort.facilitators)
    assert supplied[EDUCATION_SCOTLAND] == 8 - owed


def test_schools_per_facilitator_is_honoured() -> None:
    """With 5 schools per facilitator every authority owes ceil(n / 5)."""
    cohort = generate_cohort(60, seed=4, schools_per_facilitator=5)
    supplied = Counter(f.authority for f in cohort.facilitators)
    for authority, n in cohort.establishments_by_authority().items():
        assert supplied[authority] == math.ceil(n / 5)


def test_ids_names_and_emails_look_real_and_are_fake(cln_cohorts: list[Cohort]) -> None:
    """Ids follow export styles, names are unique, emails are example.org only."""
    code_style = re.compile(r"^(GC|NL|SL|RC|ED|ER|WD|IC)-(EY|PS|SS|SP)-\d{3,}$")
    numeric_style = re.compile(r"^\d{4,}$")
    leading_zero = 0
    for cohort in cln_cohorts:
        for e in cohort.establishments:
            assert code_style.match(e.id) or numeric_style.match(e.id), e.id
            leading_zero += e.id.startswith("0")
        names = [e.name for e in cohort.establishments]
        assert len(set(names)) == len(names)
        assert [p.id for p in cohort.practitioners] == [
            f"P{i:04d}" for i in range(1, cohort.n_participants + 1)
        ]
        emails = [p.email for p in cohort.practitioners]
        assert len(set(emails)) == len(emails)
        assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d*@example\.org", str(m)) for m in emails)
    assert leading_zero > 0  # readers must keep ids as text
    everything = [e.name for c in cln_cohorts for e in c.establishments]
    assert all(re.search(r"(School|Academy|Centre|Class)\b", name) for name in everything)
    assert any(name.startswith("St ") for name in everything)


def test_coordinates_sit_near_their_authority(region: Cohort) -> None:
    """Every establishment lies within about 15 km of its authority's centre, in the west."""
    centre = {a.name: (a.lat, a.lon, a.scatter_km) for a in AUTHORITIES}
    for e in region.establishments:
        assert e.latitude is not None and e.longitude is not None
        lat, lon, scatter = centre[e.authority]
        dy = (e.latitude - lat) * 111.2
        dx = (e.longitude - lon) * 111.2 * math.cos(math.radians(lat))
        assert math.hypot(dx, dy) <= 2 * scatter + 0.01
        assert 55.5 < e.latitude < 56.2 and -5.0 < e.longitude < -3.6


def test_custom_themes_are_used() -> None:
    """Given themes replace the defaults, unknown ones included, with ratings 0-5."""
    themes = ["Numeracy", "Writing", "Attendance"]
    cohort = generate_cohort(20, seed=1, themes=themes)
    assert cohort.themes == tuple(themes)
    assert all(len(p.interests) == 3 for p in cohort.practitioners)
    assert all(set(f.expertise) == set(themes) for f in cohort.facilitators)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"establishments": 0}, "establishments"),
        ({"establishments": 2.5}, "establishments"),
        ({"seed": -1}, "seed"),
        ({"teams_hint": 0}, "teams_hint"),
        ({"schools_per_facilitator": 0}, "schools_per_facilitator"),
        ({"themes": ["Only one"]}, "themes"),
        ({"themes": ["A", "A"]}, "themes"),
        ({"themes": "Literacy"}, "themes"),
    ],
)
def test_bad_parameters_are_refused_by_name(kwargs: dict[str, object], name: str) -> None:
    """A bad parameter raises InvalidParameterError naming it."""
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of generate_cohort"):
        generate_cohort(**kwargs)  # type: ignore[arg-type]


def test_region_scales_to_thousands() -> None:
    """5,000 establishments give about 10,000 practitioners and 500+ facilitators."""
    big = generate_region(5000, seed=11)
    assert len(big.establishments) == 5000
    assert 9_800 <= big.n_participants <= 10_000
    assert len(big.facilitators) >= 500
    assert len({e.name for e in big.establishments}) == 5000


@settings(max_examples=25, deadline=None)
@given(n=st.integers(min_value=1, max_value=120), seed=st.integers(min_value=0, max_value=10**6))
def test_any_size_and_seed_gives_a_sound_cohort(n: int, seed: int) -> None:
    """For any size and seed: valid, n establishments, 1-3 nominees each, at most 2n people."""
    cohort = generate_cohort(n, seed=seed)
    assert len(cohort.establishments) == n
    assert n <= cohort.n_participants <= 2 * n
    assert all(1 <= len(v) <= 3 for v in cohort.nominees.values())
    if n >= 2:
        assert len({e.sector for e in cohort.establishments}) >= 2
    assert len(cohort.facilitators) >= 8


# --- real schools ------------------------------------------------------------------------
SCHOOL_ID = re.compile(r"^\d{7}$")  # a SEED code
NURSERY_ID = re.compile(r"^(GC|NL|SL|RC|ED|ER|WD|IC)-EY-\d{3}$")


@pytest.fixture(scope="module")
def school_cohorts() -> list[Cohort]:
    """CLN-sized cohorts of real schools for seeds 0..9."""
    return [generate_school_cohort(50, seed=s) for s in CLN_SEEDS]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * 111.2
    dx = (lon2 - lon1) * 111.2 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def test_bundled_schools_file_is_the_west_partnership_and_carries_its_licence() -> None:
    """712 schools of the eight authorities, three sectors, SIMD quintile = ceil(pct / 20);
    the data folder's README carries the Open Government Licence attribution line."""
    schools = load_schools()
    assert len(schools) == 712
    assert {s.authority for s in schools} == {a.name for a in AUTHORITIES}
    assert {s.sector for s in schools} == {Sector.PRIMARY, Sector.SECONDARY, Sector.SPECIAL}
    assert all(s.simd_quintile == math.ceil(s.simd_percentile / 20) for s in schools)
    readme = (resources.files("clnmatch") / "data" / "README.md").read_text(encoding="utf-8")
    assert SCHOOLS_ATTRIBUTION in readme.replace("\n", " ")
    assert "Open Government Licence v3.0" in SCHOOLS_ATTRIBUTION


def test_school_cohort_is_seeded() -> None:
    """Same seed, same cohort; another seed draws other schools."""
    a = generate_school_cohort(50, seed=4)
    assert a.model_dump() == generate_school_cohort(50, seed=4).model_dump()
    b = generate_school_cohort(50, seed=5)
    assert {e.id for e in a.establishments} != {e.id for e in b.establishments}


def test_school_cohort_places_are_real_schools_and_nearby_nurseries(
    school_cohorts: list[Cohort],
) -> None:
    """Each school is a row of the file (name, authority, sector, SIMD, location); each
    nursery is ELC, 200-900 m from a real primary of its authority with that school's SIMD."""
    by_code: dict[str, list] = {}
    for s in load_schools():
        by_code.setdefault(s.seed_code, []).append(s)
    primaries = [s for s in load_schools() if s.sector is Sector.PRIMARY]
    for cohort in school_cohorts:
        assert len({e.name.casefold() for e in cohort.establishments}) == 50
        for e in cohort.establishments:
            assert e.latitude is not None and e.longitude is not None
            if SCHOOL_ID.match(e.id):
                row = next(s for s in by_code[e.id] if s.sector is e.sector)
                assert (row.name, row.authority) == (e.name, e.authority)
                assert row.simd_quintile == e.simd_quintile
                assert _km(row.latitude, row.longitude, e.latitude, e.longitude) < 0.01
            else:
                assert NURSERY_ID.match(e.id), e.id
                assert e.sector is Sector.ELC
                assert re.search(r"(Nursery|Centre)", e.name), e.name
                near = [
                    s
                    for s in primaries
                    if s.authority == e.authority
                    and 0.19 <= _km(s.latitude, s.longitude, e.latitude, e.longitude) <= 0.91
                    and e.name.split(" ")[0] in s.name
                ]
                assert any(s.simd_quintile == e.simd_quintile for s in near), e.name


def test_school_cohort_is_a_cln_cohort_with_a_real_affluent_challenge_mix(
    school_cohorts: list[Cohort],
) -> None:
    """50 establishments of all eight authorities, at most 100 people, every sector, enough
    facilitators; East Dunbartonshire / East Renfrewshire schools sit in richer areas than
    Glasgow's (from the real SIMD, not a profile)."""
    affluent, glasgow = [], []
    for cohort in school_cohorts:
        assert len(cohort.establishments) == 50
        assert len(cohort.establishments_by_authority()) == 8
        assert 95 <= cohort.n_participants <= 100
        assert {e.sector for e in cohort.establishments} == set(Sector)
        supplied = Counter(f.authority for f in cohort.facilitators)
        for authority, n in cohort.establishments_by_authority().items():
            assert supplied[authority] == math.ceil(n / 10)
        for e in cohort.establishments:
            assert e.simd_quintile is not None
            if e.authority in ("East Dunbartonshire", "East Renfrewshire"):
                affluent.append(e.simd_quintile)
            elif e.authority == "Glasgow City":
                glasgow.append(e.simd_quintile)
    assert np.mean(affluent) > np.mean(glasgow) + 1.0
    assert Counter(glasgow)[1] > len(glasgow) / 3


def test_school_cohort_people_are_synthetic(school_cohorts: list[Cohort]) -> None:
    """People have generated names, P-numbered ids and example.org e-mails."""
    for cohort in school_cohorts[:3]:
        assert all(re.fullmatch(r"P\d{4}", p.id) for p in cohort.practitioners)
        assert all(str(p.email).endswith("@example.org") for p in cohort.practitioners)


def test_school_cohort_refuses_more_establishments_than_the_schools_fill() -> None:
    """Above 400 establishments the parameter is refused by name; 400 draws fine."""
    assert len(generate_school_cohort(400, seed=1).establishments) == 400
    with pytest.raises(InvalidParameterError, match="'establishments' parameter"):
        generate_school_cohort(401)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(min_value=1, max_value=400), seed=st.integers(min_value=0, max_value=10**6))
def test_any_size_and_seed_gives_a_sound_school_cohort(n: int, seed: int) -> None:
    """For any size and seed: n establishments with unique ids and names, 1-3 nominees each."""
    cohort = generate_school_cohort(n, seed=seed, teams_hint=max(1, n // 6))
    assert len(cohort.establishments) == n
    assert len({e.id for e in cohort.establishments}) == n
    assert len({e.name.casefold() for e in cohort.establishments}) == n
    assert all(1 <= len(v) <= 3 for v in cohort.nominees.values())


def test_bundled_sample_is_what_generate_writes(tmp_path: Path) -> None:
    """`clnmatch generate --establishments 50 --seed 2` writes the bundled sample byte for
    byte, and a note beside it on what is real, with the licence line."""
    from typer.testing import CliRunner

    from clnmatch.cli import app, sample_paths

    survey = tmp_path / "sample_survey.csv"
    facilitators = tmp_path / "sample_facilitators.csv"
    args = ["generate", "--establishments", "50", "--seed", "2", "--out", str(survey)]
    result = CliRunner().invoke(app, [*args, "--facilitators-out", str(facilitators)])
    assert result.exit_code == 0, result.output
    bundled_survey, bundled_facilitators = sample_paths()
    assert survey.read_bytes() == bundled_survey.read_bytes()
    assert facilitators.read_bytes() == bundled_facilitators.read_bytes()
    note = (tmp_path / "sample_survey_about.txt").read_text(encoding="utf-8")
    assert SCHOOLS_ATTRIBUTION in note and "Made up" in note
    assert "Open Government Licence" in " ".join(result.output.split())


def test_generate_synthetic_writes_made_up_places_only(tmp_path: Path) -> None:
    """--synthetic writes a fully made-up cohort (no SEED codes) and no licence note;
    too many establishments for real schools exits 2 naming --establishments."""
    from typer.testing import CliRunner

    from clnmatch.cli import app
    from clnmatch.io.survey import read_cohort

    runner = CliRunner()
    survey = tmp_path / "s.csv"
    result = runner.invoke(app, ["generate", "--synthetic", "--seed", "3", "--out", str(survey)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "s_about.txt").exists()
    cohort = read_cohort(survey)
    assert not any(SCHOOL_ID.match(e.id) for e in cohort.establishments)
    assert (
        cohort.model_dump()["practitioners"]
        == generate_cohort(50, seed=3).model_dump()["practitioners"]
    )
    big = runner.invoke(app, ["generate", "--establishments", "500", "--out", str(survey)])
    assert big.exit_code == 2 and "--establishments" in big.output
    # a made-up cohort never replaces a file silently (it may be the real survey)
    survey.write_text("the real survey", encoding="utf-8")
    again = runner.invoke(app, ["generate", "--synthetic", "--out", str(survey)])
    assert again.exit_code == 2 and "--force" in again.output
    assert survey.read_text(encoding="utf-8") == "the real survey"
    forced = runner.invoke(app, ["generate", "--synthetic", "--out", str(survey), "--force"])
    assert forced.exit_code == 0 and read_cohort(survey).establishments


# --- benchmark families ------------------------------------------------------------------
@pytest.fixture(scope="module")
def family_cohorts() -> dict[str, list[Cohort]]:
    """Cohorts 0 and 1 of every benchmark family."""
    return {name: [family_cohort(name, s) for s in (0, 1)] for name in FAMILIES}


def test_family_cohorts_are_cln_sized_and_seeded(family_cohorts: dict[str, list[Cohort]]) -> None:
    """40-55 establishments of all eight authorities, at most 100 people, facilitators for
    8 teams; same family and seed, same cohort; families differ at the same seed."""
    for name, cohorts in family_cohorts.items():
        for cohort in cohorts:
            assert 40 <= len(cohort.establishments) <= 55, name
            assert cohort.n_participants <= 100, name
            assert len(cohort.establishments_by_authority()) == 8, name
            assert len(cohort.facilitators) >= 8, name
            assert len({e.sector for e in cohort.establishments}) >= 2, name
        assert cohorts[0].model_dump() == family_cohort(name, 0).model_dump()
    first_answers = {c[0].practitioners[0].interests for c in family_cohorts.values()}
    assert len(first_answers) == len(FAMILIES)


def test_families_differ_as_described(family_cohorts: dict[str, list[Cohort]]) -> None:
    """Theme counts, rating shapes, nominee counts, sector mixes and real places per family."""

    def ratings(name: str) -> np.ndarray:
        people = [p for c in family_cohorts[name] for p in c.practitioners]
        return np.array([p.interests for p in people])

    def sector_share(name: str, sector: Sector) -> float:
        ests = [e for c in family_cohorts[name] for e in c.establishments]
        return sum(e.sector is sector for e in ests) / len(ests)

    assert [len(family_cohorts[f][0].themes) for f in ("themes6", "themes12", "themes20")] == [
        6,
        12,
        20,
    ]
    histogram = np.bincount(ratings("uniform").ravel(), minlength=6) / ratings("uniform").size
    assert np.all(np.abs(histogram - 1 / 6) < 0.03)
    assert set(np.unique(ratings("polarised"))) == {0, 1, 4, 5}
    sizes = Counter(len(v) for c in family_cohorts["nominees1-3"] for v in c.nominees.values())
    assert min(sizes[1], sizes[2], sizes[3]) >= 15
    assert sector_share("elc-heavy", Sector.ELC) > 0.45
    assert sector_share("secondary-heavy", Sector.SECONDARY) > 0.4
    schools = family_cohorts["schools"][0]
    assert sum(bool(SCHOOL_ID.match(e.id)) for e in schools.establishments) >= 25
    # sector-driven tastes: people of one sector agree more than under the mixed model
    sector_sd = ratings("themes12").std(axis=0).mean()
    assert (
        sector_sd
        < np.array([p.interests for p in generate_cohort(50).practitioners]).std(axis=0).mean()
    )


def test_every_family_is_matchable_under_the_default_rules(
    family_cohorts: dict[str, list[Cohort]],
) -> None:
    """Cohort 0 of every family has a rule-abiding assignment (greedy finds one)."""
    import clnmatch

    for name, cohorts in family_cohorts.items():
        result = clnmatch.solve(cohorts[0], Rules(), strategy="greedy", time_limit=5, seed=0)
        assert result.status in (clnmatch.Status.OPTIMAL, clnmatch.Status.FEASIBLE), name


def test_unknown_family_is_refused_with_the_choices() -> None:
    """An unknown family name lists the families."""
    with pytest.raises(InvalidParameterError, match="themes6"):
        family_cohort("nosuch")


def test_outputs_of_a_generated_survey_carry_the_schools_data_licence(tmp_path: Path) -> None:
    """data.md: anything holding rows of the schools file, a generated survey included,
    carries the Open Government Licence line. `clnmatch solve` on a generated survey wrote
    none (only the demo and Python's write_result(source=...) could). Made-up places and
    names typed with other ids carry none."""
    import json

    from clnmatch import solve
    from clnmatch.generate import schools_data_source
    from clnmatch.publish import write_result

    real = generate_school_cohort(30, seed=1, teams_hint=4)
    assert SCHOOLS_ATTRIBUTION in (schools_data_source(real) or "")
    assert schools_data_source(generate_cohort(30, seed=1, teams_hint=4)) is None  # made up
    renamed = real.model_copy(
        update={"establishments": tuple(e.model_copy(update={"id": f"X{e.id}"}) for e in real.establishments),
                "practitioners": tuple(p.model_copy(update={"establishment_id": f"X{p.establishment_id}"})
                                       for p in real.practitioners)}
    )  # fmt: skip
    assert schools_data_source(renamed) is None
    placeless = real.model_copy(
        update={"establishments": tuple(e.model_copy(update={"latitude": None, "longitude": None})
                                        for e in real.establishments)}
    )  # fmt: skip
    assert schools_data_source(placeless) is None  # a survey's own seed codes and names
    result = solve(real, Rules(teams=4), strategy="greedy", time_limit=2)
    write_result(result, tmp_path / "out", pdf=False)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert SCHOOLS_ATTRIBUTION in summary["source"]
    assert SCHOOLS_ATTRIBUTION in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
