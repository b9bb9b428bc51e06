"""Hypothesis strategies: small valid cohorts with awkward text in every text field."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from clnmatch.io.cells import SPREADSHEET_ERRORS, repaired
from clnmatch.models import Cohort, Establishment, Practitioner, Role, Sector

# Text that has broken CSV and spreadsheet code before.
TRICKY_TEXT = (
    "=SUM(A1)",
    "+44 141 555 0100",
    "-minus",
    "@handle",
    "'=already quoted",
    "''=twice",
    "'Tis",
    "'",
    "Smith, Jane",
    'Jane "JJ" Smith',
    "O'Neill",
    "Niamh Ní Bhriain",
    "Zoë Łukasz",
    "Seònaid MacDhòmhnaill",
    "李小龙",
    "🙂 emoji",
    "semi;colon",
    "two\nlines",
    "1023.0",
    "-4.25",
    "007",
    "TRUE",
)
AUTHORITIES = (
    "Glasgow City",
    "North Lanarkshire",
    "East Dunbartonshire",
    "Comhairle nan Eilean Siar",
    "Dùn Èideann, City of",
    "=cmd|' /C calc'!A0",
)
EMAILS = ("a@b.org", "=x@y.scot", "m.o'neill@s.sch.uk", "+tag@x.org")

# Printable text: no control characters (XML cannot hold most; \r becomes \n in .xlsx),
# nor the invisible signs the reader removes (a zero-width space, a soft hyphen, ...).
_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs"),
    blacklist_characters="\u2028\u2029\x85\u00ad\u200b\u200e\u200f\u202a\u202b\u202c"
    "\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff",
)


def _fold(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text).strip().casefold()


def _readable(text: str) -> bool:
    """Not blank, and not what a reader refuses on purpose: text garbled by a wrong
    encoding ("Â¡") or a spreadsheet's error value ("#N/A")."""
    return bool(text) and repaired(text) is None and text.upper() not in SPREADSHEET_ERRORS


def texts(max_size: int = 12) -> st.SearchStrategy[str]:
    """Non-blank text as a cohort keeps it (trimmed), often one of TRICKY_TEXT."""
    free = st.text(_CHARS, min_size=1, max_size=max_size).map(str.strip).filter(_readable)
    return st.one_of(st.sampled_from(TRICKY_TEXT), free)


def ids() -> st.SearchStrategy[str]:
    """Ids such as '007', '0012', 'SC0042', '=1' or 'A,1'."""
    return st.one_of(
        st.from_regex(r"0[0-9]{1,4}", fullmatch=True),
        st.from_regex(r"[A-Z]{1,2}0{1,3}[0-9]{1,3}", fullmatch=True),
        st.sampled_from(("=1", "-01", "A,1", 'q"1', "ïd")),
    )


theme_names = st.one_of(
    st.sampled_from(
        (
            "Literacy",
            "Numeracy",
            "Health and wellbeing",
            "Learning Through Play",
            "Racial Equality",
            "Outdoor Learning",
            "Transitions: P7-S1",
            "Parental, community",
        )
    ),
    # a BOM in a header is dropped (files start with one), so no name is only BOMs
    st.text(_CHARS, min_size=1, max_size=10)
    .map(str.strip)
    .filter(lambda name: bool(name.replace("\ufeff", "").strip())),
)

# Built once: hypothesis validates every new strategy object, which is slow inside a loop.
_TEXT = texts()
_AUTHORITY = st.one_of(st.sampled_from(AUTHORITIES), _TEXT)
_SECTOR = st.sampled_from(Sector)
_ROLE = st.sampled_from(Role)
_RATINGS = {n: st.tuples(*[st.integers(0, 5)] * n) for n in range(1, 9)}
_SIMD = st.none() | st.integers(1, 5)
_DEGREES = 6  # ~0.1 m: .xlsx keeps about 15 significant digits, not a full double
_PLACE = st.none() | st.tuples(
    st.floats(-90, 90, allow_nan=False).map(lambda x: round(x, _DEGREES)),
    st.floats(-180, 180, allow_nan=False).map(lambda x: round(x, _DEGREES)),
)
_EMAIL = st.none() | st.sampled_from(EMAILS)


@st.composite
def cohorts(
    draw: st.DrawFn,
    min_themes: int = 2,
    max_themes: int = 6,
    min_establishments: int = 3,
    max_establishments: int = 12,
    max_nominees: int = 3,
) -> Cohort:
    """A valid Cohort: 2-6 themes, 3-12 establishments, 1-3 nominees each, odd text."""
    themes = draw(
        st.lists(
            theme_names,
            min_size=min_themes,
            max_size=max_themes,
            unique_by=_fold,
        )
    )
    n_est = draw(st.integers(min_establishments, max_establishments))
    # ids equal but for leading zeros ('41', '0041') with one name and authority are read as
    # one establishment (a spreadsheet stripped the zeros): distinct ones differ otherwise
    est_ids = draw(
        st.lists(
            ids(),
            min_size=n_est,
            max_size=n_est,
            unique_by=lambda i: i.lstrip("0") if i.isdigit() else i,
        )
    )
    with_simd, with_place, with_email = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    establishments = []
    for est_id in est_ids:
        place = draw(_PLACE) if with_place else None
        establishments.append(
            Establishment(
                id=est_id,
                name=draw(_TEXT),
                authority=draw(_AUTHORITY),
                sector=draw(_SECTOR),
                simd_quintile=draw(_SIMD) if with_simd else None,
                latitude=None if place is None else place[0],
                longitude=None if place is None else place[1],
            )
        )
    sizes = draw(st.lists(st.integers(1, max_nominees), min_size=n_est, max_size=n_est))
    person_ids = draw(st.lists(ids(), min_size=sum(sizes), max_size=sum(sizes), unique=True))
    practitioners = []
    ids_iter = iter(person_ids)
    for est_id, size in zip(est_ids, sizes, strict=True):
        for _ in range(size):
            practitioners.append(
                Practitioner(
                    id=next(ids_iter),
                    name=draw(_TEXT),
                    establishment_id=est_id,
                    role=draw(_ROLE),
                    interests=draw(_RATINGS[len(themes)]),
                    email=draw(_EMAIL) if with_email else None,
                )
            )
    # Interleave establishments in the survey; a reader lists them by first appearance.
    order = draw(st.permutations(range(len(practitioners))))
    shuffled = [practitioners[i] for i in order]
    first_seen = list(dict.fromkeys(p.establishment_id for p in shuffled))
    by_id = {e.id: e for e in establishments}
    return Cohort(
        themes=tuple(themes),
        establishments=tuple(by_id[i] for i in first_seen),
        practitioners=tuple(shuffled),
    )
