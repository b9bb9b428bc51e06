"""A diagnosis: the rules that cannot all be met, in numbers, and what to relax.

A leaf module: ``diagnose`` (counting checks, solver cores) and the facilitator allocation
both produce ``Conflict``s; ``InfeasibleError`` carries a ``Diagnosis``. Suggestions name
parameters (``min_sectors``); the command line shows them as its flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["Conflict", "Diagnosis"]


@dataclass(frozen=True)
class Conflict:
    """Rules that cannot all be met, the numbers, and what to relax."""

    rules: tuple[str, ...]
    message: str
    suggestion: str = ""
    subject: str | None = None  # the authority, sector, establishment or team concerned
    actual: float | None = None
    limit: float | None = None
    source: str = "arithmetic"  # "arithmetic" (counting) or "solver" (assumption core)

    @property
    def rule(self) -> str:
        """The main rule involved."""
        return self.rules[0] if self.rules else ""

    def to_dict(self) -> dict[str, object]:
        return {
            "rules": list(self.rules),
            "message": self.message,
            "suggestion": self.suggestion,
            "subject": self.subject,
            "actual": self.actual,
            "limit": self.limit,
            "source": self.source,
        }

    def __str__(self) -> str:
        text = f"[{', '.join(self.rules)}] {self.message}"
        return f"{text}. Try: {self.suggestion}." if self.suggestion else f"{text}."


@dataclass(frozen=True)
class Diagnosis:
    """Every conflict found. ``feasible_by_arithmetic`` is True when no counting check failed.

    True does not prove the rules can be met; False proves they cannot.
    """

    conflicts: list[Conflict] = field(default_factory=list)
    feasible_by_arithmetic: bool = True

    @property
    def rules(self) -> tuple[str, ...]:
        """Every rule named by a conflict, in order of first mention."""
        return tuple(dict.fromkeys(r for c in self.conflicts for r in c.rules))

    @property
    def infeasible(self) -> bool:
        return bool(self.conflicts)

    def with_message(self, rule: str, message: str, suggestion: str = "") -> Diagnosis:
        """A copy with one more conflict (e.g. from the facilitator allocation)."""
        extra = Conflict(rules=(rule,), message=message, suggestion=suggestion)
        return replace(self, conflicts=[*self.conflicts, extra])

    def merged(self, other: Diagnosis) -> Diagnosis:
        """A copy with the conflicts of ``other`` added (e.g. ``InfeasibleError.diagnosis``)."""
        return Diagnosis(
            conflicts=[*self.conflicts, *other.conflicts],
            feasible_by_arithmetic=self.feasible_by_arithmetic and other.feasible_by_arithmetic,
        )

    def message(self) -> str:
        """Multi-line plain English for the CLI (exit 3)."""
        if not self.conflicts:
            return "No conflict found: the counting checks pass."
        n = len(self.conflicts)
        lines = [f"The rules cannot all be met ({n} conflict{'s' if n > 1 else ''}):"]
        for i, c in enumerate(self.conflicts, 1):
            named = f"[{', '.join(c.rules)}] " if c.rules else ""
            lines.append(f"  {i}. {named}{c.message}.")
            if c.suggestion:
                lines.append(f"     Try: {c.suggestion}.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "feasible_by_arithmetic": self.feasible_by_arithmetic,
            "rules": list(self.rules),
            "conflicts": [c.to_dict() for c in self.conflicts],
            "message": self.message(),
        }

    def __str__(self) -> str:
        return self.message()
