"""The numeric view: shapes, similarity, and the milli-point objective data."""

from __future__ import annotations

import numpy as np
import pytest
from builders import balanced_cohort, make_cohort
from pydantic import ValidationError

from clnmatch.errors import InvalidParameterError
from clnmatch.models import Rules
from clnmatch.problem import ObjectiveWeights, Problem, similarity


def test_similarity_is_centred_cosine():
    """Identical tastes score 1, opposite tastes -1, a flat vector 0."""
    ratings = np.array([[5, 0, 0], [5, 0, 0], [0, 5, 5], [2, 2, 2]], dtype=float)
    sim = similarity(ratings)
    assert sim[0, 1] == pytest.approx(1.0)
    assert sim[0, 2] < 0
    assert np.allclose(sim, sim.T)


def test_problem_shapes_and_weights():
    """Units are establishments weighted by their nominees; sizes follow the rules."""
    cohort = make_cohort(
        [
            ("A", "primary", [[1, 2], [3, 4]]),
            ("B", "ELC", [[0, 5]]),
            ("C", "primary", [[2, 2], [1, 1], [5, 5]]),
        ]
    )
    problem = Problem.from_cohort(cohort, Rules(teams=1, min_establishments=0), "focus")
    assert problem.unit_weight.tolist() == [2, 1, 3]
    assert problem.theme_points.tolist() == [[4, 6], [0, 5], [8, 8]]
    assert (problem.team_min[0], problem.team_max[0]) == (4, 8)
    assert problem.pair_milli.sum() == 0  # focus objective has no pair terms


def test_blend_includes_cohesion_pairs():
    """The blend objective carries pair terms; focus-only carries none."""
    rows = [
        ("A", "primary", [[5, 0, 1], [4, 1, 0]]),
        ("B", "ELC", [[0, 5, 2]]),
        ("C", "secondary", [[1, 1, 5], [2, 0, 4]]),
    ]
    cohort = make_cohort(rows, themes=("a", "b", "c"))
    blend = Problem.from_cohort(cohort, Rules(teams=1), "blend")
    assert np.abs(blend.pair_milli).sum() > 0
    assert np.array_equal(blend.pair_milli, blend.pair_milli.T)
    assert (np.diag(blend.pair_milli) == 0).all()


def test_unknown_objective_is_an_error():
    """An unknown objective name lists the choices."""
    with pytest.raises(InvalidParameterError, match="'focus', 'cohesion', 'blend'"):
        ObjectiveWeights.named("happiness")


def test_max_authority_units_floor():
    """Share 0.5 of 7 establishments allows 3."""
    problem = Problem.from_cohort(balanced_cohort(12), Rules(teams=2))
    assert problem.max_authority_units(7) == 3 and problem.max_authority_units(6) == 3


@pytest.mark.parametrize(
    "weights",
    [{"focus": 1e14}, {"travel": float("inf")}, {"cohesion": float("nan")}, {"simd_mix": -1}],
)
def test_weights_out_of_range_are_refused(weights):
    """Weights past 10,000 (milli-point sums would lose exactness: a huge focus weight gave
    a false 'optimal' and a crash inside OR-Tools), infinite or negative ones are refused."""
    with pytest.raises(ValidationError):
        ObjectiveWeights(**weights)
    assert ObjectiveWeights(focus=10_000).focus == 10_000
