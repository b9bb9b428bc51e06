"""Re-match a cohort after withdrawals and late additions, moving as few establishments as possible.

A lead officer who has announced the teams cannot reshuffle them because one school drops
out. ``rematch`` takes the announced teams, removes the withdrawn practitioners (an
establishment withdraws when all its nominees do), adds late arrivals, and restores every
hard rule lexicographically:

1. minimise the number of previously placed establishments that change team;
2. among the assignments with that few moves, maximise the objective
   (the same integer milli-points as ``clnmatch.evaluate.objective_milli``).

Both stages solve the exact CP-SAT model of ``clnmatch.strategies.cpsat.build_model``
(built with ``symmetry=False``, since team labels matter here) with one worker and the
given seed (``stages``). The best among few-move answers is not the best of all: on a
45-school survey a fresh solve of the 43 remaining schools scored 503.9 where the
fewest-move answer scored 497.2. So the rest of the time limit solves the changed cohort
afresh (``clnmatch.solve``), and the result's ``bound`` and ``status`` are those of the
whole problem: ``optimal`` only when no rule-abiding assignment scores higher.

Facilitator links that still keep every facilitator rule stay as they were; otherwise
facilitators are allocated afresh, and every facilitator whose teams changed is listed.
The answer is checked by ``clnmatch.evaluate.check``; every move says why it was needed.
When the rules cannot be restored the result has status ``infeasible`` and a diagnosis.

A rematch records what changed (``changes``: ``ChangeRecord``, written to the result
folder as changes.json), so a rematch of a rematched result remembers every earlier
withdrawal and addition. Recomputed teams keep their numbers (``labels``).

Two entry points: ``rematch(previous_result, ...)`` and ``rematch_teams(cohort,
previous_teams, ...)``, the latter for callers (the CLI) that only have the survey and an
establishment -> team mapping, e.g. from ``load_previous(cohort, "teams.csv")``.
"""

from clnmatch.rematch.changes import (
    CHANGES_FILE,
    AddedInput,
    AdditionClash,
    ChangeRecord,
    CohortChange,
    apply_changes,
    cohort_of_folder,
)
from clnmatch.rematch.core import (
    MODES,
    RematchResult,
    rematch,
    rematch_teams,
)
from clnmatch.rematch.event_locks import KeepingEventLocks, keeping_event_locks
from clnmatch.rematch.labels import (
    FacilitatorChange,
    facilitator_changes,
    relabel,
    stable_labels,
)
from clnmatch.rematch.moves import Move
from clnmatch.rematch.previous import load_previous, load_previous_links

__all__ = [
    "CHANGES_FILE",
    "MODES",
    "AddedInput",
    "AdditionClash",
    "ChangeRecord",
    "CohortChange",
    "FacilitatorChange",
    "KeepingEventLocks",
    "Move",
    "RematchResult",
    "apply_changes",
    "cohort_of_folder",
    "facilitator_changes",
    "keeping_event_locks",
    "load_previous",
    "load_previous_links",
    "relabel",
    "rematch",
    "rematch_teams",
    "stable_labels",
]
