"""Tabu search (best improvement over every rule-keeping move and swap) and perturbation.

``tabu_steps`` is resumable: its loop state lives in arrays and it runs at most
``max_steps`` steps per call, so the Python driver checks the clock between calls while
the result depends only on the total number of steps.
"""

from __future__ import annotations

from typing import Any

from clnmatch.jit import kernel
from clnmatch.objective.kernels import NEG, has_extra_terms, move_extra, swap_extra
from clnmatch.rules.kernels import (
    sums_can_join,
    sums_can_leave,
    sums_fit_swap,
    swaps_need_no_rule_check,
)
from clnmatch.search.grouping import Model
from clnmatch.search.rng import randint, random
from clnmatch.search.state import (
    MOVES_NONE,
    NONE,
    State,
    apply_move,
    apply_swap,
    copy_into,
    move_kind_ok,
    move_ok,
    swap_ok,
)

__all__ = ["perturb", "tabu_steps"]


@kernel
def tabu_steps(
    m: Model,
    st: State,
    tabu: Any,
    ts: Any,
    best_team: Any,
    rs: Any,
    max_steps: int,
    depth: int,
    tenure_min: int,
    tenure_span: int,
    sample: int,
) -> int:
    """Best-improvement tabu search over feasible moves and swaps; at most max_steps steps.

    ``ts`` = [iteration, steps since the run's best, run's best objective, finished,
    candidates valued, rule checks] (the last two count the work done, which a step's
    count does not: plateaus of tied values send many candidates to the rule checks).
    The run finishes after ``depth`` steps without a new run best, or when no move is
    admissible. ``best_team`` receives the run's best assignment. Resumable.
    """
    # hot arrays as locals: the scans below touch them millions of times
    r = m.rules
    o = m.obj
    team = st.team
    gain = st.gain
    sums = st.sums
    pair = o.pair
    allowed = r.allowed
    n_groups = team.shape[0]
    n_teams = sums.shape[1]
    extra = has_extra_terms(o)
    simple_swap = swaps_need_no_rule_check(r)
    full = sample <= 0 or sample >= n_groups
    n_first = n_groups if full else sample
    steps = 0
    valued = 0  # work counts, kept in registers and added to ts at the end (the scans'
    checked = 0  # candidates, and those that reach the rule checks)
    while steps < max_steps:
        if ts[3] != 0 or ts[1] >= depth:
            ts[3] = 1
            break
        it = ts[0]
        aspire = ts[2] - st.objective[0]  # a delta above this makes a new run best
        best_d = NEG
        bg = NONE
        bh = NONE
        bt = NONE
        ties = 0
        for i in range(n_first):
            g = i if full else randint(rs, n_groups)
            a = team[g]
            base = gain[a, g]
            # --- moves
            if sums_can_leave(r, sums, g, a):
                for b in range(n_teams):
                    if b == a or not sums_can_join(r, sums, g, b):
                        continue
                    d = gain[b, g] - base
                    if extra:
                        d += move_extra(o, st, g, a, b)
                    if d < best_d or (tabu[g, b] > it and d <= aspire):
                        continue
                    checked += 1
                    if not move_ok(m, st, g, b):
                        continue
                    if d > best_d:
                        best_d, bg, bh, bt, ties = d, g, NONE, b, 1
                    else:
                        ties += 1
                        if randint(rs, ties) == 0:
                            bg, bh, bt = g, NONE, b
            # --- swaps
            h0 = g + 1 if full else 0
            valued += n_teams + n_groups - h0  # the candidates this unit's scans go through
            for h in range(h0, n_groups):
                b = team[h]
                if b == a:
                    continue
                d = gain[b, g] - base + gain[a, h] - gain[b, h] - 2 * pair[g, h]
                if extra:
                    d += swap_extra(o, st, g, h, a, b)
                if d < best_d or ((tabu[g, b] > it or tabu[h, a] > it) and d <= aspire):
                    continue
                checked += 1
                if not sums_fit_swap(r, sums, g, h, a, b):
                    continue
                trusted = simple_swap and allowed[g, b] and allowed[h, a]
                if not trusted and not swap_ok(m, st, g, h):
                    continue
                if d > best_d:
                    best_d, bg, bh, bt, ties = d, g, h, NONE, 1
                else:
                    ties += 1
                    if randint(rs, ties) == 0:
                        bg, bh, bt = g, h, NONE
        if bg < 0:
            ts[3] = 1
            break
        a = st.team[bg]
        if bh >= 0:
            b = st.team[bh]
            apply_swap(m, st, bg, bh)
            tabu[bg, a] = it + tenure_min + randint(rs, tenure_span)
            tabu[bh, b] = it + tenure_min + randint(rs, tenure_span)
        else:
            apply_move(m, st, bg, bt)
            tabu[bg, a] = it + tenure_min + randint(rs, tenure_span)
        ts[0] += 1
        steps += 1
        if st.objective[0] > ts[2]:
            ts[2] = st.objective[0]
            copy_into(best_team, st.team)
            ts[1] = 0
        else:
            ts[1] += 1
    ts[4] += valued
    ts[5] += checked
    return steps


@kernel
def perturb(m: Model, st: State, strength: int, move_share: float, moves: int, rs: Any) -> int:
    """Apply up to ``strength`` random feasible moves (share ``move_share``, of kind ``moves``)
    or swaps; returns how many."""
    n_groups = st.team.shape[0]
    n_teams = st.sums.shape[1]
    done = 0
    tries = 0
    while done < strength and tries < 50 * strength:
        tries += 1
        g = randint(rs, n_groups)
        if moves != MOVES_NONE and random(rs) < move_share:
            b = randint(rs, n_teams)
            if b != st.team[g] and move_kind_ok(m, st, g, b, moves):
                apply_move(m, st, g, b)
                done += 1
        else:
            h = randint(rs, n_groups)
            if st.team[h] != st.team[g] and swap_ok(m, st, g, h):
                apply_swap(m, st, g, h)
                done += 1
    return done
