"""Commands for researchers: mdgp, bench, strategies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from clnmatch.cli.common import EXIT_ERROR, EXIT_INFEASIBLE, Exit, app, exit_codes, out_console


@app.command()
def mdgp(
    instance: Annotated[Path, typer.Argument(help="An MDGPLIB (or CCPLIB) instance file.")],
    strategy: Annotated[
        str, typer.Option("--strategy", help="A strategy name (see `clnmatch strategies`).")
    ] = "local_search",
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 3.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the assignment as 'element group' lines (0-based)."),
    ] = None,
) -> None:
    """Solve one research grouping instance; print one JSON object.

    Maximises the within-group sum of weights under per-group size bounds.
    Example: clnmatch mdgp RanReal_n120_ss_01.txt --time-limit 3 --seed 1 --out sol.txt
    """
    import time

    from clnmatch.bounds import relaxation_bound_milli
    from clnmatch.finish import judge
    from clnmatch.problem import SCALE
    from clnmatch.research import read_instance, write_solution
    from clnmatch.solve import validate_parameters
    from clnmatch.strategies import Budget, get_strategy, prepare

    with exit_codes():
        validate_parameters("blend", strategy, time_limit, seed)
        problem = read_instance(instance)
        runner = get_strategy(strategy)
        prepare(runner)  # one-off compilation, outside the time limit
        started = time.perf_counter()
        proposal = runner.run(problem, Budget(time_limit=time_limit, seed=seed, started=started))
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
        # the strategy's proof, else a quick relaxation: a proven bound is always printed
        relaxation = relaxation_bound_milli(problem)
        bound_milli = (
            relaxation if judged.bound_milli is None else min(judged.bound_milli, relaxation)
        )
        bound = max(bound_milli, evaluation.objective_milli) / SCALE
        if out is not None:
            write_solution(out, proposal.unit_team)
        print(
            json.dumps(
                {
                    "instance": problem.name,
                    "objective": evaluation.objective,
                    "bound": bound,
                    "runtime_s": round(runtime, 3),
                    "strategy": strategy,
                    "seed": seed,
                    "n": problem.n_units,
                    "groups": problem.n_teams,
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

    raise typer.Exit(run_bench(ctx.args, prog="clnmatch bench"))


@app.command()
def strategies() -> None:
    """List the matching strategies."""
    from clnmatch.strategies import available_strategies

    for name in available_strategies():
        out_console.print(name)
