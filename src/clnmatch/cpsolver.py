"""CP-SAT solvers that leave Ctrl+C to Python.

By default CP-SAT catches SIGINT during a solve and afterwards leaves the process's
handler at the system default: a later Ctrl+C then killed clnmatch outright, skipping
the clean-up that removes half-written outputs (staging folders holding names) and
closes an event's files. Every CP-SAT solve in clnmatch uses ``cp_solver()``.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

__all__ = ["cp_solver"]


def cp_solver() -> cp_model.CpSolver:
    """A CpSolver that does not touch the SIGINT handler (Ctrl+C stays KeyboardInterrupt)."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver
