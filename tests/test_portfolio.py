"""The portfolio's winner is decided by deterministic work, never by which answer came first."""

from __future__ import annotations

import numpy as np
import pytest
from test_local_search import make_problem

from clnmatch.objective.terms import objective_milli
from clnmatch.problem import Problem
from clnmatch.proposal import Proposal
from clnmatch.search import chunking
from clnmatch.strategies import Budget
from clnmatch.strategies import portfolio as portfolio_module
from clnmatch.strategies.local_search import LocalSearchStrategy
from clnmatch.strategies.portfolio import PortfolioStrategy


class FakeRacer:
    """A racer whose messages have all arrived."""

    def __init__(self, name: str, result: Proposal | None, work: float) -> None:
        self.name, self.result, self.work, self.failed = name, result, work, None

    @property
    def done(self) -> bool:
        return self.result is not None

    def read(self, on_progress: object) -> None:
        pass


def _problem() -> Problem:
    return Problem(
        unit_ids=("a", "b", "c", "d"),
        unit_weight=np.ones(4, dtype=np.int64),
        team_min=np.full(2, 2, dtype=np.int64),
        team_max=np.full(2, 2, dtype=np.int64),
        pair_milli=np.zeros((4, 4), dtype=np.int64),
        theme_milli=np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=np.int64),
        theme_names=("x", "y"),
    )


def _proposal(team: list[int], proven: bool, work: float) -> Proposal:
    return Proposal(np.array(team, dtype=np.int64), bound_milli=2, proven_optimal=proven, work=work)


@pytest.mark.parametrize(
    ("lead_work", "lead_proven", "challenger_proven", "winner"),
    [
        (1.0, True, True, "colgen"),  # the lead proved within its work: it wins
        (3.0, True, True, "cpsat"),  # the lead proved too late: the challenger's proof wins
        (3.0, True, False, "colgen"),  # no challenger proof: the lead's (late) proof stands
        (1.0, False, True, "cpsat"),  # the lead ended unproven
    ],
)
def test_the_winner_depends_on_work_not_on_arrival(
    lead_work, lead_proven, challenger_proven, winner
):
    """Every combination the deterministic rule knows (all answers already in)."""
    problem = _problem()
    lead = FakeRacer("colgen", _proposal([0, 0, 1, 1], lead_proven, lead_work), lead_work)
    challenger = FakeRacer("cpsat", _proposal([1, 1, 0, 0], challenger_proven, 5.0), 5.0)
    strategy = PortfolioStrategy(lead_work=2.0)
    answer = strategy._race([lead, challenger], problem, Budget(time_limit=10))  # type: ignore[list-item]
    assert answer.notes[0].startswith(f"portfolio: {winner} wins")
    chosen = lead if winner == "colgen" else challenger
    assert chosen.result is not None and np.array_equal(answer.unit_team, chosen.result.unit_team)


def test_spawned_racers_give_the_forked_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork is missing (Windows) or unsafe (macOS) the racers are spawned: the same
    race and the same answer (the lead ran alone there, with other teams for a seed)."""
    from clnmatch.generate import generate_cohort
    from clnmatch.models import Rules
    from clnmatch.strategies import portfolio

    problem = Problem.from_cohort(generate_cohort(16, seed=3), Rules(teams=2), "focus")
    forked = PortfolioStrategy().run(problem, Budget(time_limit=60, seed=1))
    monkeypatch.setattr(portfolio, "start_method", lambda: "spawn")
    spawned = PortfolioStrategy().run(problem, Budget(time_limit=60, seed=1))
    assert np.array_equal(forked.unit_team, spawned.unit_team)
    assert forked.notes[0] == spawned.notes[0] and forked.notes[0].startswith("portfolio:")


def test_when_no_racer_can_run_the_lead_runs_in_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Children that end without an answer (a spawned child needs an importable __main__,
    which a script without `if __name__ == "__main__"` is not) leave the lead to run here:
    an answer, not "no assignment found"."""
    from clnmatch.generate import generate_cohort
    from clnmatch.models import Rules
    from clnmatch.strategies import portfolio

    monkeypatch.setattr(portfolio, "_child", lambda *args: None)  # ends at once, says nothing
    problem = Problem.from_cohort(generate_cohort(16, seed=3), Rules(teams=2), "focus")
    answer = PortfolioStrategy().run(problem, Budget(time_limit=60, seed=1))
    assert answer.unit_team is not None and answer.proven_optimal
    assert "portfolio: colgen ran alone in this process" in answer.notes


def test_racers_that_find_nothing_in_time_leave_the_greedy_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """300 schools in 30 teams at 2 s (an outside tester: 3 runs in 19): both racers ended
    without an assignment and the call returned no teams, where greedy finds some in a
    fraction of a second. The portfolio's own process builds the greedy start meanwhile."""
    from clnmatch.generate import generate_cohort
    from clnmatch.models import Rules
    from clnmatch.strategies import portfolio
    from clnmatch.strategies.greedy import GreedyStrategy

    def nothing_found(name: str, strategy: object, problem: Problem, budget: Budget, conn) -> None:
        conn.send(("done", Proposal(None, notes=("no assignment in time",))))
        conn.close()

    monkeypatch.setattr(portfolio, "_child", nothing_found)
    problem = Problem.from_cohort(generate_cohort(16, seed=3), Rules(teams=2), "blend")
    answer = PortfolioStrategy().run(problem, Budget(time_limit=5, seed=1))
    greedy = GreedyStrategy(restarts=1).run(problem, Budget(time_limit=5, seed=1))
    assert answer.unit_team is not None and greedy.unit_team is not None
    assert np.array_equal(answer.unit_team, greedy.unit_team)
    assert "portfolio: no racer found an assignment in its time; this is the greedy start" in (
        answer.notes
    )


def test_the_greedy_start_keeps_no_proof_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The greedy start is built before the racers' answers are read: on a cohort no repair
    mends (one sector, two sectors a team) its repair ran to the time limit, so colgen's
    proof of infeasibility (work 0.00) came back after 3.7 s of a 4 s limit, not 0.5 s (a
    reviewer). Its repair is capped by moves, as rematch's is, not by the clock."""
    from clnmatch.generate import generate_cohort
    from clnmatch.models import Cohort, Rules
    from clnmatch.strategies import portfolio
    from clnmatch.strategies.greedy import GreedyStrategy

    caps: list[int | None] = []

    class Counted(GreedyStrategy):
        def run(self, problem: Problem, budget: Budget) -> Proposal:
            caps.append(self.repair_steps)
            return super().run(problem, budget)

    monkeypatch.setattr(portfolio, "GreedyStrategy", Counted)
    made = generate_cohort(16, seed=3)
    one_sector = tuple(
        e.model_copy(update={"sector": made.establishments[0].sector}) for e in made.establishments
    )
    cohort = Cohort(themes=made.themes, establishments=one_sector, practitioners=made.practitioners)
    rules = Rules(teams=2, min_establishments=0, min_authorities=1, max_authority_share=1.0)
    problem = Problem.from_cohort(cohort, rules, "blend")
    answer = PortfolioStrategy().run(problem, Budget(time_limit=4, seed=0))
    assert answer.proven_infeasible and answer.unit_team is None
    assert caps and all(cap is not None and cap <= 5 * problem.n_units for cap in caps)


def test_a_limit_too_short_to_race_runs_the_lead_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a second, two racers spend the time starting (at 0.5 s, load 3-4, the sample got
    greedy's start, 449.4, where column generation alone found 581.9): no child is started."""
    from clnmatch.generate import generate_cohort
    from clnmatch.models import Rules
    from clnmatch.strategies import portfolio

    def no_racer(*args: object) -> None:
        raise AssertionError("a racer was started")

    monkeypatch.setattr(portfolio, "_Racer", no_racer)
    problem = Problem.from_cohort(generate_cohort(16, seed=3), Rules(teams=2), "focus")
    answer = PortfolioStrategy().run(problem, Budget(time_limit=0.9, seed=1))
    assert answer.unit_team is not None
    assert answer.notes[0] == "portfolio: colgen ran alone (under 1 s is too short to race)"


def test_local_search_counts_its_work_whatever_the_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local search's work (what colgen's work adds, and a portfolio races on) is a count
    of what it did: the same for one step per kernel call as for big chunks, reported as it
    runs without ever passing the final figure."""
    problem, _ = make_problem(21, n_units=24, n_teams=4)
    strategy = LocalSearchStrategy(max_iterations=300)

    def run() -> tuple[float | None, list[float]]:
        seen: list[float] = []
        proposal = strategy.run(problem, Budget(time_limit=30, seed=2, on_work=seen.append))
        return proposal.work, seen

    work, seen = run()
    monkeypatch.setattr(chunking, "next_chunk", lambda chunk, spent, target=0.03: 1)
    stepwise, seen_stepwise = run()
    assert work is not None and work > 0 and stepwise == work
    assert seen and seen == sorted(seen) and seen[-1] <= work * (1 + 1e-9)  # (float sums)
    assert len(seen_stepwise) > len(seen)


@pytest.mark.parametrize(
    ("first_share_bound", "joined_bound", "proven"),
    [
        ("best", "best", True),  # the larger bound holds: met by the better assignment
        ("above", "above", False),  # the first share may hold better: no proof
        (None, None, False),  # a share without a bound: nothing proven
    ],
)
def test_shares_of_a_tree_join_into_one_answer(first_share_bound, joined_bound, proven):
    """The better assignment (the second share's), the larger of the shares' bounds (each
    holds for its share alone), and a proof only where that bound is met."""
    problem = _problem()
    better, worse = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    best = objective_milli(problem, better, problem.best_focus(better))
    assert objective_milli(problem, worse, problem.best_focus(worse)) < best
    value = {"best": best, "above": best + 1, None: None}
    shares = [
        FakeRacer(
            f"colgen {k + 1}/2",
            Proposal(team, bound_milli=bound, proven_optimal=True, work=1.0),
            1.0,
        )
        for k, (team, bound) in enumerate(((worse, value[first_share_bound]), (better, best)))
    ]
    answer = portfolio_module._joined(problem, shares)  # type: ignore[arg-type]
    assert answer.unit_team is not None and answer.unit_team.tolist() == better.tolist()
    assert answer.bound_milli == value[joined_bound] and answer.proven_optimal == proven
    assert answer.notes[0].startswith("portfolio: the search tree shared out")


def test_the_tree_shared_out_proves_what_one_core_proves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cohesion (pair terms): ``auto`` shares the tree out over two forked racers (split at
    two open nodes here); their joined answer is the optimum one core proves."""
    from test_colgen_enumeration import GAPPED, _gapped

    import clnmatch.colgen.run as colgen_run
    from clnmatch.strategies.colgen import ColumnGenerationStrategy

    monkeypatch.setattr(colgen_run, "SPLIT_FRONTIER", 2)
    for case in GAPPED[:3]:
        problem, optimum = _gapped(case)
        assert not problem.focus_only
        budget = Budget(time_limit=20, seed=case[2])
        shared = PortfolioStrategy().run(problem, budget)
        assert shared.notes[0].startswith("portfolio: the search tree shared out"), shared.notes
        assert shared.proven_optimal and shared.bound_milli == optimum
        one = ColumnGenerationStrategy().run(problem, Budget(time_limit=20, seed=case[2]))
        assert one.bound_milli == optimum
        assert shared.trace and shared.trace[-1].bound == optimum / 1000


def test_the_racers_end_when_their_parent_is_killed(tmp_path) -> None:
    """kill -9 of the process running the portfolio (a cancelled re-optimise does that):
    its two racers notice and end, rather than holding both cores for nobody."""
    from processes import kill_after_first_line, left_running

    script = tmp_path / "race.py"
    script.write_text(
        "import multiprocessing, threading, time\n"
        "from clnmatch.generate.families import family_cohort\n"
        "from clnmatch.models import Rules\n"
        "from clnmatch.problem import Problem\n"
        "from clnmatch.strategies import Budget\n"
        "from clnmatch.strategies.portfolio import PortfolioStrategy\n"
        "problem = Problem.from_cohort(family_cohort('themes12', 4), Rules(), 'blend')\n"
        "def tell():\n"
        "    while len(multiprocessing.active_children()) < 2:\n"
        "        time.sleep(0.05)\n"
        "    print(*[p.pid for p in multiprocessing.active_children()], flush=True)\n"
        "threading.Thread(target=tell, daemon=True).start()\n"
        "PortfolioStrategy().run(problem, Budget(time_limit=300))\n",
        encoding="utf-8",
    )
    racers = kill_after_first_line(script, settle=1)  # the racers are searching
    assert len(racers) == 2
    assert left_running(racers) == []


class _LateShare:
    """A share of the tree that answers 0.3 s after its time is up (a busy machine)."""

    def __init__(self, part: int = 0, parts: int = 1) -> None:
        self.part = part

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        import time

        time.sleep(max(0.0, budget.remaining()) + 0.3)
        return _proposal([0, 0, 1, 1] if self.part == 0 else [1, 1, 0, 0], False, 1.0)


def test_an_answer_a_little_late_is_still_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both shares overran their time by 0.3 s: the portfolio answered "no assignment" (so
    solve returned greedy's start, 17% worse), as it gave them 0.08 s to spare. Now they
    stop earlier, and an answer that is late by less than a tenth of the time is waited
    for."""
    monkeypatch.setitem(portfolio_module._LEADS, "colgen", _LateShare)
    problem = _problem()
    answer = PortfolioStrategy(challenger="split").run(problem, Budget(time_limit=4, seed=0))
    assert answer.unit_team is not None


def _solve_in_a_pool_worker(limit: float) -> tuple[str | None, tuple[str, ...]]:
    from clnmatch.generate import generate_cohort
    from clnmatch.models import Rules

    problem = Problem.from_cohort(generate_cohort(16, seed=3), Rules(teams=2), "focus")
    answer = PortfolioStrategy().run(problem, Budget(time_limit=limit, seed=1))
    return None if answer.unit_team is None else "found", answer.notes


def test_a_pool_worker_runs_the_lead_in_its_own_process() -> None:
    """A multiprocessing.Pool's workers are daemonic and may start no process: solve there
    raised a bare AssertionError (an app's task queue); the lead runs alone, said so."""
    import multiprocessing as mp

    with mp.get_context("fork").Pool(1) as pool:
        found, notes = pool.apply(_solve_in_a_pool_worker, (3.0,))
    assert found == "found"
    assert notes[0].startswith("portfolio: colgen ran alone (a daemonic process")
