"""A mapping that cannot be changed once made, for the mappings frozen objects hand out.

``Rules.pins``, ``Cohort.establishment_by_id`` and its other views, ``Result.assignment``
and ``Result.team_focus`` were plain dicts inside frozen objects: a caller could change
one in place (``rules.pins["E2"] = 2``) and every later call saw the change, or a
result's assignment no longer matched its evaluation. ``FrozenDict`` is a dict (json,
pandas and ``dict(...)`` take it as one) that refuses every change, hashes, and pickles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, TypeVar

__all__ = ["FrozenDict", "frozen"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    """A dict that refuses every change after it is made."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(
            "this mapping belongs to a frozen object and cannot be changed: "
            "copy it first, e.g. dict(result.assignment) or dict(rules.pins)"
        )

    __setitem__ = _refuse  # type: ignore[assignment]
    __delitem__ = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]
    clear = _refuse  # type: ignore[assignment]
    pop = _refuse  # type: ignore[assignment]
    popitem = _refuse  # type: ignore[assignment]
    setdefault = _refuse  # type: ignore[assignment]
    update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type, tuple[dict[K, V]]]:  # type: ignore[override]
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenDict[K, V]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict[K, V]:
        return self  # keys and values of the frozen objects' mappings are immutable

    def __repr__(self) -> str:
        return dict.__repr__(self)


def frozen(items: Iterable[tuple[K, V]] | Mapping[K, V]) -> FrozenDict[K, V]:
    """``items`` as a FrozenDict (one already frozen is returned as it is)."""
    return items if isinstance(items, FrozenDict) else FrozenDict(items)
