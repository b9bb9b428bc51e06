"""The error classes of clnmatch.

One root, ``ClnmatchError``. Bad input (a file or a value a user gave) raises
``InvalidInputError`` carrying every problem found, each naming file, row (as a
spreadsheet shows it), column, the bad value and what was expected. A bad parameter to
a function raises ``InvalidParameterError``. Rules that cannot all be met are *not* an
exception from ``solve``: they come back as a result with status ``infeasible`` and a
diagnosis; ``InfeasibleError`` exists for callers that prefer to raise it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

__all__ = [
    "ClnmatchError",
    "InputProblem",
    "InvalidInputError",
    "InvalidParameterError",
    "InfeasibleError",
    "without_command",
    "in_row_order",
    "visible",
]


def visible(text: str) -> str:
    """Text with its control characters written as escapes (\\x80)."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


class ClnmatchError(Exception):
    """Root of every error clnmatch raises on purpose."""


@dataclass(frozen=True)
class InputProblem:
    """One problem in one cell (or row, or file) of an input table."""

    expected: str
    file: str | None = None
    row: int | None = None  # as a spreadsheet shows it: header is row 1
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:  # a binary file's "header" must not reach the terminal raw
            where.append(f"column '{visible(self.column)}'")
        prefix = ", ".join(where)
        got = "" if self.value is None else f" (got {self.value!r})"
        return f"{prefix}: expected {self.expected}{got}" if prefix else f"{self.expected}{got}"


class InvalidInputError(ClnmatchError, ValueError):
    """The input is invalid; ``problems`` lists every problem found, not only the first."""

    def __init__(self, problems: Iterable[InputProblem] | str):
        if isinstance(problems, str):
            problems = [InputProblem(expected=problems)]
        self.problems: tuple[InputProblem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  - {line}" for line in _lines(self.problems))]))

    def __reduce__(self) -> tuple[object, ...]:  # across processes: rebuilt from its problems
        return (type(self), (self.problems,))


SAME_IN_MANY_ROWS = 4  # one problem in this many rows or more: one line naming the rows


def _row_spans(rows: list[int], most: int = 6) -> str:
    """Rows as spans ("2-27, 30, 41-43"), the first ``most`` of them."""
    spans: list[list[int]] = []
    for r in sorted(set(rows)):
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    shown = [f"{a}-{b}" if b > a else f"{a}" for a, b in spans[:most]]
    return ", ".join(shown) + (", ..." if len(spans) > most else "")


def _lines(problems: tuple[InputProblem, ...]) -> list[str]:
    """One line per problem, in order, but one problem in many rows of one column (a
    column every row leaves blank: 81 lines hid the first, which said what to do) is one
    line naming its rows, where its first row's line was."""

    def key(p: InputProblem) -> tuple[object, ...]:
        return (p.file, p.column, p.expected, p.value) if p.row is not None else (id(p),)

    groups: dict[tuple[object, ...], list[InputProblem]] = {}
    for p in problems:
        groups.setdefault(key(p), []).append(p)
    lines = []
    for p in problems:
        same = groups[key(p)]
        rows = sorted({q.row for q in same if q.row is not None})
        if len(rows) < SAME_IN_MANY_ROWS:
            lines.append(str(p))
        elif p is same[0]:
            where = [p.file] if p.file else []
            where.append(f"rows {_row_spans(rows)} ({len(rows)} rows)")
            if p.column:
                where.append(f"column '{visible(p.column)}'")
            got = "" if p.value is None else f" (got {p.value!r})"
            lines.append(f"{', '.join(where)}: expected {p.expected}{got}")
    return lines


def without_command(problems: Iterable[InputProblem], command: str) -> list[InputProblem]:
    """The problems without their advice to run ``command``: said by that command itself,
    or on a page where no command can be run, it goes round in a circle."""
    bracketed = rf"\s*\(`{command}[^`]*`[^)]*\)"  # "(`clnmatch map` drafts it)"
    # ": `clnmatch map` drafts one", ", which `clnmatch map` drafts", "...? `clnmatch map`"
    trailing = rf"(?::\s*|,\s*which\s+|(?<=[?.!])\s+)`{command}[^`]*`[^;]*"
    out = []
    for p in problems:
        text = re.sub(trailing, "", re.sub(bracketed, "", p.expected))
        # a clause that is the advice ("for a form's export, `clnmatch map` drafts ...")
        text = "; ".join(part for part in text.split("; ") if command not in part)
        out.append(replace(p, expected=text or p.expected))  # never an empty "expected"
    return out


def in_row_order(problems: list[InputProblem]) -> list[InputProblem]:
    """Each file's problems in row order (the survey's first); a problem of no row stays
    first when it came before that file's rows' problems (a missing column), last when
    after them (a summary)."""
    files = list(dict.fromkeys(p.file for p in problems))
    first_row: dict[str | None, int] = {}
    for i, p in enumerate(problems):
        if p.row is not None:
            first_row.setdefault(p.file, i)

    def key(item: tuple[int, InputProblem]) -> tuple[int, float]:
        i, p = item
        before = i < first_row.get(p.file, len(problems))
        row = p.row if p.row is not None else (0 if before else math.inf)
        return files.index(p.file), row

    return [p for _, p in sorted(enumerate(problems), key=key)]


class InvalidParameterError(ClnmatchError, ValueError):
    """A parameter of a function or a rule has a value it cannot take."""

    @classmethod
    def for_value(cls, name: str, owner: str, expected: str, got: object) -> InvalidParameterError:
        """Build the one message shape: "The 'x' parameter of f must be ... Got ... instead.".

        Plain values and flat collections of them are shown (at most 200 characters); any
        other object by its type and size, so that a message, which apps log, never holds
        a table or records of people."""
        scalar = (str, int, float, type(None))
        flat: list[object] = [got]
        if isinstance(got, dict):
            flat = [x for kv in got.items() for x in kv]
        elif isinstance(got, list | tuple | set):
            flat = list(got)
        if all(isinstance(x, scalar) for x in flat):
            shown = repr(got)
        else:
            n = len(got) if isinstance(got, list | tuple | set | dict) else None
            size = "" if n is None else f" of {n} item{'' if n == 1 else 's'}"
            shown = f"a {type(got).__name__}{size}"
        if len(shown) > 200:
            shown = shown[:197] + "..."
        return cls(f"The '{name}' parameter of {owner} must be {expected}. Got {shown} instead.")


class InfeasibleError(ClnmatchError):
    """The rules cannot all be met; ``diagnosis`` says which conflict and by how much."""

    def __init__(self, diagnosis: object, message: str | None = None):
        self.diagnosis = diagnosis
        super().__init__(message or str(diagnosis))

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.diagnosis, str(self)))
