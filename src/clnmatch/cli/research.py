"""Commands for researchers: mdgp, bench, strategies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from clnmatch.cli.common import (
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    Exit,
    app,
    check_out_file,
    exit_codes,
    out_console,
    stop_said,
)


@app.command()
def mdgp(
    instance: Annotated[Path, typer.Argument(help="An MDGPLIB (or CCPLIB) instance file.")],
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy",
            help="A strategy name (see `clnmatch strategies`), or auto: solve's choice for "
            "the instance's size (exact column generation on small ones).",
        ),
    ] = "local_search",
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Seconds to search (runtime_s); the bound then takes up to --bound-time more.",
        ),
    ] = 3.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    bound_time: Annotated[
        float,
        typer.Option(
            "--bound-time",
            help="Seconds to prove an upper bound after the search (clnmatch.bounds); "
            "0 prints the quick relaxation only.",
        ),
    ] = 30.0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the assignment as 'element group' lines (0-based)."),
    ] = None,
) -> None:
    """Solve one research grouping instance; print one JSON object.

    Maximises the within-group sum of weights under per-group size bounds, then proves
    an upper bound ("bound", by "bound_method" in "bound_s" seconds).
    Example: clnmatch mdgp RanReal_n120_ss_01.txt --time-limit 3 --seed 1 --out sol.txt
    """
    import time

    from clnmatch.bounds import certified_bound
    from clnmatch.errors import InvalidParameterError
    from clnmatch.finish import judge
    from clnmatch.problem import SCALE
    from clnmatch.proposal import checked_answer
    from clnmatch.research import read_instance, write_solution
    from clnmatch.research.runs import clnmatch_version
    from clnmatch.solve import choose_strategy, greedy_if_none, validate_parameters
    from clnmatch.strategies import Budget, get_strategy, prepare
    from clnmatch.trace import proven_gap

    owner = "clnmatch mdgp"
    with exit_codes():
        check_out_file(out, "mdgp", [instance])
        validate_parameters("blend", strategy, time_limit, seed, owner)
        if not bound_time >= 0:
            raise InvalidParameterError.for_value(
                "bound_time", owner, "a number of seconds >= 0", bound_time
            )
        problem = read_instance(instance)
        if strategy == "auto":
            strategy = choose_strategy(problem)
        runner = get_strategy(strategy, owner)
        prepare(runner)  # one-off compilation, outside the time limit
        started = time.perf_counter()
        budget = Budget(time_limit=time_limit, seed=seed, started=started)
        proposal = checked_answer(strategy, runner.run(problem, budget), problem)
        late = budget.overrun(strategy)
        left = time_limit - (time.perf_counter() - started)
        proposal = greedy_if_none(problem, proposal, strategy, left, seed)
        runtime = time.perf_counter() - started
        if proposal.unit_team is None:
            code = EXIT_INFEASIBLE if proposal.proven_infeasible else EXIT_ERROR
            raise Exit(code, f"{strategy} found no feasible grouping within {time_limit:g} s")
        judged = judge(problem, proposal)
        evaluation = judged.evaluation
        if not evaluation.feasible:
            raise Exit(
                EXIT_ERROR,
                f"{strategy} returned a grouping that breaks: {evaluation.summary_line()}",
            )
        # the strategy's proof, or a certified bound (clnmatch.bounds) where tighter
        tick = time.perf_counter()
        methods = None if bound_time > 0 else ("relaxation",)
        proved = (
            certified_bound(problem, bound_time)
            if methods is None
            else certified_bound(problem, 0.0, methods=methods)
        )
        bound_s = time.perf_counter() - tick
        bound_milli, method = proved.bound_milli, proved.method
        if judged.bound_milli is not None and judged.bound_milli < bound_milli:
            bound_milli, method = judged.bound_milli, strategy
        bound = max(bound_milli, evaluation.objective_milli) / SCALE
        if out is not None:
            write_solution(out, proposal.unit_team)
        print(
            json.dumps(
                {
                    "instance": problem.name,
                    "objective": evaluation.objective,
                    "bound": bound,
                    "bound_method": method,
                    # as solve's results say it: optimal when the bound meets the grouping
                    "status": "optimal" if bound <= evaluation.objective else "feasible",
                    "gap": proven_gap(evaluation.objective, bound, True),
                    "bound_s": round(bound_s, 3),
                    "runtime_s": round(runtime, 3),
                    "strategy": strategy,
                    "seed": seed,
                    "time_limit": time_limit,
                    "bound_time": bound_time,
                    "version": clnmatch_version(),
                    "n": problem.n_units,
                    "groups": problem.n_teams,
                    # the evaluator's doubts, then the strategy's own notes (among them
                    # "this is the greedy start" where it found nothing in its time)
                    "notes": [*judged.notes, *([late] if late else []), *proposal.notes],
                }
            )
        )


@app.command(
    context_settings={
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        "help_option_names": [],
    }
)
def bench(ctx: typer.Context) -> None:
    """Benchmark strategies and peers over instance sets (see benchmarks/README.md).

    Example: clnmatch bench --sets cln,mdgp --strategies greedy,local_search --seeds 0,1,2 --out bench-out
    """
    from clnmatch.research.harness import run_bench

    code = run_bench(ctx.args, prog="clnmatch bench")
    if code == 130:  # it said what the stopped sweep left
        stop_said()
    raise typer.Exit(code)


@app.command()
def strategies() -> None:
    """List the matching strategies (and auto, solve's choice among them)."""
    from clnmatch.strategies import available_strategies

    with exit_codes():  # CLNMATCH_STRATEGIES naming no module: a message, exit 2
        for name in available_strategies():
            out_console.print(name)
    out_console.print("auto (solve's default: chooses one of the above for the cohort's size)")
