"""For researchers: benchmark instances (MDGPLIB, CCPLIB) and the benchmark harness."""

from clnmatch.research.harness import run_bench
from clnmatch.research.instances import (
    BestKnown,
    read_best_known,
    read_ccp,
    read_handover,
    read_instance,
    read_mdgp,
    read_solution,
    write_solution,
)

__all__ = [
    "run_bench",
    "BestKnown",
    "read_best_known",
    "read_ccp",
    "read_handover",
    "read_instance",
    "read_mdgp",
    "read_solution",
    "write_solution",
]
