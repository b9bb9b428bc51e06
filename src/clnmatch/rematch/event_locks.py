"""A rematch that kept a matching event's locks, and says so in its summary.json.

The event's export records the schools the room locked (summary.json ``event.locked``);
a rematch from it pins them. The rules it saves leave those pins out, so that
``--unlock`` on a later rematch still frees them: they are carried on as the event's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from clnmatch.models import Rules
from clnmatch.rematch.core import RematchResult

__all__ = ["KeepingEventLocks", "keeping_event_locks"]


@dataclass(frozen=True)
class KeepingEventLocks(RematchResult):
    """A rematch whose summary.json carries on the event's locks it kept."""

    event: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "event": self.event}


def keeping_event_locks(
    result: RematchResult, rules: Rules, locked: list[str]
) -> KeepingEventLocks:
    """``result`` with ``rules`` (without the locks' pins) and the locks recorded."""
    own = {f.name: getattr(result, f.name) for f in fields(result)}
    return KeepingEventLocks(**(own | {"rules": rules}), event={"locked": locked})
