"""Upper bounds on the objective that hold whatever the strategy, certified.

Strategies that prove nothing (local search at region scale, the peers) still leave a
lead officer or a researcher asking how far from the best an answer might be. Every
function here returns a number no assignment keeping the rules can beat, computed so
that floating-point rounding never makes it invalid (solvers only suggest prices; the
bound is recomputed from the data by weak duality and rounded up):

* ``relaxation_bound_milli`` (``relaxation``): each unit's best focus and strongest
  possible team mates in a team of the largest size; milliseconds, any assignment within
  the size caps.
* ``star``: the same per unit, with the teams' sizes accounted for (``sizes``).
* ``pairs``: a b-matching LP: a pair counts only as far as both units have room for it.
* ``themed``: the same LP where team mates must also agree on the team's focus theme
  (cuts added round by round; every round certified).
* ``quadratic``: pair-only problems of distances (MDGPLIB): a majorant by squared
  weights, or the weights themselves, whose within-group sums depend only on the sizes.
* ``semidefinite``: pair-only problems of any weights: the lifted relaxation (X_ij = 1
  when i and j share a team; X >= 0, X - 11'/T semidefinite, the sizes' row and square
  sums), solved by SCS, its prices recomputed into a weak-duality bound.
* ``columns``: column generation's Lagrangian bound with exact pricing (small problems).
* ``certified_bound(problem, time_limit)`` runs them cheapest first and keeps the least.

Measured (2 cores, the benchmark run of docs/benchmarks.md, nothing else running): region
scale (500 establishments, 80 teams, blend) 5.7-6.3% above the assignment local search
finds in 60 s, with a 60 s budget (37-38 s used; the relaxation: 15.4-15.6%); stress
scale (5,000 / 1,000) 9.4% (star, 5 s; relaxation 12.6%); MDGPLIB Geo n=120 0.14-0.57%
above the best values known, in 2-3.5 s each (semidefinite; n=480 0.16-0.34%), RanReal
and RanInt n=120 7.1-7.5% (n=480 12.5-12.8%). Column generation's own LP is about 1.5%
above at region scale, but proving it needs exact pricing over 500 establishments, which
does not finish (``columns``); the 3% target is not met.
"""

from clnmatch.bounds.certify import METHODS, CertifiedBound, certified_bound
from clnmatch.bounds.relaxation import relaxation_bound_milli

__all__ = ["METHODS", "CertifiedBound", "certified_bound", "relaxation_bound_milli"]
