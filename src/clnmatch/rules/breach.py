"""One breach of one hard rule, with the numbers: what every rule check returns."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Breach"]


@dataclass(frozen=True)
class Breach:
    """One breach of one hard rule, with the numbers."""

    rule: str
    message: str
    team: int | None = None  # 1-based, as users see teams
    actual: float | None = None
    limit: float | None = None
    subject: str | None = None  # the establishment, authority or facilitator concerned

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "team": self.team,
            "subject": self.subject,
            "actual": self.actual,
            "limit": self.limit,
            "message": self.message,
        }
