"""Social Golfer instances with the literature's known maxima, and runs a harness can call.

``LITERATURE`` holds, for g groups of s, the most rounds a repeat-free schedule is known to
reach, from published tables:

* OEIS A107431 (https://oeis.org/A107431), "maximal number of rounds for the social golfer
  problem with n groups of k golfers", which follows Warwick Harvey's results page
  (http://web.archive.org/web/20050308115423/http://www.icparc.ic.ac.uk/~wh/golf/, the
  table behind CSPLib problem 010, https://www.csplib.org/Problems/prob010/); it notes that
  6-6 stops at 3 because two orthogonal Latin squares of order 6 do not exist, and that 7-5
  is 7 or 8.
* 8-4-10: first solved by Alejandro Aguado (2004); 11 is impossible by counting (Triska,
  https://www.metalevel.at/sgp/).
* s = g: T(n, n) = A001438(n) + 2 (OEIS A107431, after F. P. van Doorn), so 7-7-8, 8-8-9,
  9-9-10 (affine planes).
* s = 2: a round robin gives 2g - 1 rounds, the counting bound.

``run_golf`` solves each instance with ``solve_golf`` and returns one row per run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clnmatch.breakouts.api import solve_golf

__all__ = ["SOURCES", "LITERATURE", "GolfInstance", "golf_instances", "run_golf", "markdown_table"]

SOURCES = {
    "A107431": "https://oeis.org/A107431",
    "Harvey": "http://web.archive.org/web/20050308115423/http://www.icparc.ic.ac.uk/~wh/golf/",
    "Aguado 2004": "https://www.metalevel.at/sgp/",
    "round robin": "https://oeis.org/A107431",
}

#: (groups, size) -> (known maximum rounds, source key)
LITERATURE: dict[tuple[int, int], tuple[int, str]] = {
    (2, 2): (3, "A107431"),
    (3, 2): (5, "A107431"),
    (3, 3): (4, "A107431"),
    (4, 2): (7, "A107431"),
    (4, 3): (4, "A107431"),
    (4, 4): (5, "A107431"),
    (5, 2): (9, "A107431"),
    (5, 3): (7, "A107431"),
    (5, 4): (5, "A107431"),
    (5, 5): (6, "A107431"),
    (6, 2): (11, "A107431"),
    (6, 3): (8, "A107431"),
    (6, 4): (7, "A107431"),
    (6, 5): (6, "A107431"),
    (6, 6): (3, "A107431"),
    (7, 2): (13, "A107431"),
    (7, 3): (10, "A107431"),
    (7, 4): (9, "A107431"),
    (7, 7): (8, "A107431"),
    (8, 2): (15, "round robin"),
    (8, 4): (10, "Aguado 2004"),
    (8, 8): (9, "A107431"),
    (9, 9): (10, "A107431"),
}


@dataclass(frozen=True)
class GolfInstance:
    """G-S-W and what the literature knows of G-S."""

    groups: int
    size: int
    rounds: int

    @property
    def name(self) -> str:
        return f"{self.groups}-{self.size}-{self.rounds}"

    @property
    def known_max(self) -> int | None:
        found = LITERATURE.get((self.groups, self.size))
        return None if found is None else found[0]

    @property
    def source(self) -> str:
        found = LITERATURE.get((self.groups, self.size))
        return "" if found is None else found[1]


def golf_instances(extra: Iterable[tuple[int, int, int]] = ()) -> list[GolfInstance]:
    """Every literature pair at its known maximum, then the ``extra`` instances."""
    found = [GolfInstance(g, s, w) for (g, s), (w, _) in sorted(LITERATURE.items())]
    return found + [GolfInstance(*t) for t in extra]


def run_golf(
    instances: Sequence[GolfInstance],
    *,
    time_limit: float = 60.0,
    seeds: Sequence[int] = (0,),
    time_limits: dict[str, float] | None = None,
) -> list[dict[str, object]]:
    """Solve every instance for every seed; one row per run (``time_limits`` by name
    overrides ``time_limit``). A run stops early when it reaches the proven bound."""
    rows: list[dict[str, object]] = []
    for inst in instances:
        limit = (time_limits or {}).get(inst.name, time_limit)
        for seed in seeds:
            started = time.perf_counter()
            result = solve_golf(inst.groups, inst.size, inst.rounds, time_limit=limit, seed=seed)
            rows.append(
                {
                    "instance": inst.name,
                    "groups": inst.groups,
                    "size": inst.size,
                    "rounds": inst.rounds,
                    "known_max_rounds": inst.known_max,
                    "source": inst.source,
                    "seed": seed,
                    "time_limit_s": limit,
                    "repeats": result.repeats,
                    "lower_bound_repeats": result.lower_bound_repeats,
                    "solved": result.repeats == 0,
                    "runtime_s": round(time.perf_counter() - started, 3),
                    "method": result.method,
                }
            )
    return rows


def markdown_table(rows: Sequence[dict[str, object]]) -> str:
    """One line per instance: best repeats over the seeds, runs solved, time, method."""
    by_name: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_name.setdefault(str(row["instance"]), []).append(row)
    lines = [
        "| instance | known max rounds (source) | repeats (best of seeds) | lower bound | solved runs | time (s, median) | how |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, runs in by_name.items():
        first = runs[0]
        best = min(int(str(r["repeats"])) for r in runs)
        times = sorted(float(str(r["runtime_s"])) for r in runs)
        solved = sum(bool(r["solved"]) for r in runs)
        known = first["known_max_rounds"]
        known_text = "-" if known is None else f"{known} ({first['source']})"
        method = str(min(runs, key=lambda r: int(str(r["repeats"])))["method"])
        lines.append(
            f"| {name} | {known_text} | {best} | {first['lower_bound_repeats']} | "
            f"{solved}/{len(runs)} | {times[len(times) // 2]:.2f} | {method} |"
        )
    return "\n".join(lines) + "\n"
