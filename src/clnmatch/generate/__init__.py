"""Seeded sample cohorts shaped like the West Partnership's Collaborative Learning Networks.

* ``generate_cohort`` / ``generate_region``: fully synthetic cohorts (made-up places and
  people); see ``clnmatch.generate.synthetic``.
"""

from clnmatch.generate.profiles import (
    AUTHORITIES,
    DEFAULT_THEMES,
    EDUCATION_SCOTLAND,
    AuthorityProfile,
    TasteModel,
)
from clnmatch.generate.synthetic import generate_cohort, generate_region

__all__ = [
    "AUTHORITIES",
    "DEFAULT_THEMES",
    "EDUCATION_SCOTLAND",
    "AuthorityProfile",
    "TasteModel",
    "generate_cohort",
    "generate_region",
]
