"""Seeded sample cohorts shaped like the West Partnership's Collaborative Learning Networks.

* ``generate_cohort`` / ``generate_region``: fully synthetic cohorts (made-up places and
  people); see ``clnmatch.generate.synthetic``.
* ``generate_school_cohort``: the real schools of the eight authorities (``load_schools``),
  synthetic nurseries beside them, synthetic people; see ``clnmatch.generate.schools``.
* ``family_cohort``: the benchmark families (other themes, tastes, nominees, sector mixes,
  real schools); see ``clnmatch.generate.families``.
"""

from clnmatch.generate.families import FAMILIES, Family, family_cohort
from clnmatch.generate.profiles import (
    AUTHORITIES,
    DEFAULT_THEMES,
    EDUCATION_SCOTLAND,
    AuthorityProfile,
    TasteModel,
)
from clnmatch.generate.schools import (
    SCHOOLS_ATTRIBUTION,
    School,
    generate_school_cohort,
    load_schools,
    schools_data_source,
)
from clnmatch.generate.synthetic import generate_cohort, generate_region

__all__ = [
    "AUTHORITIES",
    "DEFAULT_THEMES",
    "EDUCATION_SCOTLAND",
    "FAMILIES",
    "SCHOOLS_ATTRIBUTION",
    "AuthorityProfile",
    "Family",
    "School",
    "TasteModel",
    "family_cohort",
    "generate_cohort",
    "generate_region",
    "generate_school_cohort",
    "load_schools",
    "schools_data_source",
]
