"""The rules, the score and the proof in the lead officer's words.

Every rule of ``clnmatch.evaluate.RULES`` is said here as a person would say it ("Each
team mixes at least 2 sectors"), with the settings of the run filled in, and checked
with the numbers that show how close the teams came to its limit. The score (the
objective) is explained in one sentence with what each of its parts contributes. The
report and the workbook both use these words; setting names such as
``max_participants`` appear only in their technical sections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from clnmatch.evaluate import RULES, Breach, TeamStats
from clnmatch.facilitators import facilitator_supply
from clnmatch.models import Rules
from clnmatch.problem import ObjectiveWeights
from clnmatch.result import Result, Status, split_establishments
from clnmatch.wording import share_words

__all__ = [
    "DEFAULT_TITLE",
    "RuleCheck",
    "number",
    "percent",
    "share_words",
    "rule_sentence",
    "rule_checks",
    "quality_sentence",
    "quality_facts",
    "technical_facts",
    "score_sentence",
    "score_parts",
]

DEFAULT_TITLE = "Collaborative learning teams"


# --------------------------------------------------------------------------- numbers in words
def number(value: float) -> str:
    """1234.5 -> '1,234.5'; whole numbers without decimals."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def percent(share: float) -> str:
    if 0 < share < 0.001:
        return "less than 0.1%"
    return f"{share:.1%}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{number(n)} {one if n == 1 else (many or one + 's')}"


def _range(values: Sequence[int], noun: str, many: str | None = None) -> str:
    """'Every team has 2 sectors' or 'Teams have 2 or 3 sectors' / '11 to 14 participants'."""
    if not values:
        return "No team has members"
    low, high = min(values), max(values)
    if low == high:
        return f"Every team has {_plural(low, noun, many)}"
    joined = f"{low} or {high}" if high == low + 1 else f"{low} to {high}"
    return f"Teams have {joined} {many or noun + 's'}"


# --------------------------------------------------------------------------- the rules
def rule_sentence(rule: str, rules: Rules, participants: int) -> str:
    """The rule as a person says it, with this run's settings filled in."""
    low, high = rules.size_bounds(participants)
    per = rules.schools_per_facilitator
    sizes = f"exactly {low}" if low == high else f"{low} to {high}"
    sentences = {
        "teams": f"The cohort is split into {_plural(rules.teams, 'team')}",
        "unassigned": "Everyone in the survey is in a team",
        "unknown_practitioner": "The teams name only people in the survey",
        "max_participants": (
            f"The cohort has at most {number(rules.max_participants)} participants"
        ),
        "nominees_together": "Colleagues from one establishment are in the same team",
        "team_size": f"Teams are of even size: {sizes} participants each",
        "min_sectors": f"Each team mixes at least {_plural(rules.min_sectors, 'sector')}",
        "min_authorities": (
            f"Each team has establishments from at least "
            f"{_plural(rules.min_authorities, 'local authority', 'local authorities')}"
        ),
        "max_authority_share": (
            f"No authority holds more than {share_words(rules.authority_share)} of a team's "
            "establishments"
        ),
        "max_teams_per_theme": (
            f"No focus theme is shared by more than {_plural(rules.max_teams_per_theme or 0, 'team')}"
        ),
        "pin": "Establishments placed in a team by hand stay there",
        "forbidden": "Establishments kept out of a team are not in it",
        "together": "Establishments to be kept together share a team",
        "apart": "Establishments to be kept apart are in different teams",
        "facilitator_supply": (
            f"Each authority supplies one facilitator for every {per} of its establishments "
            f"(or part of {per})"
        ),
        "facilitator_per_team": "Every team has at least one facilitator",
        "facilitator_load": f"No facilitator supports more than {per} establishments",
        "team_establishments": (
            f"No team holds more than {per} establishments, so one facilitator can support it"
        ),
        "unknown_facilitator": "Every facilitator named is in the facilitators table",
    }
    return sentences.get(rule, rule.replace("_", " ").capitalize())


@dataclass(frozen=True)
class RuleCheck:
    """One rule: the sentence, whether it holds, and how close the teams came to it.

    ``meaning`` is the evaluator's definition with setting names, for technical readers.
    """

    rule: str
    title: str
    meaning: str
    passed: bool
    numbers: str
    breaches: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return "met" if self.passed else f"BROKEN ({len(self.breaches)})"


def _kept(done: int, total: int, what: str) -> str:
    return f"{number(done)} of {number(total)} {what}"


def _rule_numbers(result: Result, teams: Sequence[TeamStats]) -> dict[str, str]:
    """How close the teams came to each rule that applies (rule -> words)."""
    cohort, rules = result.cohort, result.rules
    n = cohort.n_participants
    out: dict[str, str] = {}
    used = sum(1 for ts in teams if ts.participants > 0)
    out["teams"] = (
        f"All {number(used)} teams have members"
        if used == rules.teams
        else f"{number(used)} of {number(rules.teams)} teams have members"
    )
    assigned = sum(1 for p in cohort.practitioners if p.id in result.assignment)
    out["unassigned"] = f"{number(assigned)} of {number(n)} practitioners are in a team"
    out["max_participants"] = f"The cohort has {number(n)}"
    school = {p.id: p.establishment_id for p in result.cohort.practitioners}
    split = len(split_establishments(result.assignment, school))
    out["nominees_together"] = (
        f"No establishment of {number(len(cohort.establishments))} is split"
        if split == 0
        else f"{number(split)} of {number(len(cohort.establishments))} establishments are split "
        "across teams"
    )
    out["team_size"] = _range([ts.participants for ts in teams], "participant")
    out["min_sectors"] = _range([len(ts.sectors) for ts in teams], "sector")
    out["team_establishments"] = _range([len(ts.establishments) for ts in teams], "establishment")
    out["min_authorities"] = _range(
        [len(ts.authorities) for ts in teams], "authority", "authorities"
    )
    shares = [
        (max(ts.authorities.values()) / len(ts.establishments), ts)
        for ts in teams
        if ts.establishments and ts.authorities
    ]
    if shares:
        share, ts = max(shares, key=lambda pair: pair[0])
        top, name = max((count, name) for name, count in ts.authorities.items())
        out["max_authority_share"] = (
            f"The largest share is {share_words(Fraction(top, len(ts.establishments)))}: "
            f"{top} of {len(ts.establishments)} in team {ts.team} are from {name}"
        )
    if rules.max_teams_per_theme is not None:
        counts = Counter(result.team_focus.values())
        if counts:
            theme, most = counts.most_common(1)[0]
            out["max_teams_per_theme"] = f"The most shared theme, {theme}, is the focus of " + (
                _plural(most, "team")
            )
    est_team = result.establishment_team()
    if rules.pins:
        ok = sum(1 for e, t in rules.pins.items() if est_team.get(e) == t)
        out["pin"] = _kept(ok, len(rules.pins), "are in their team")
    if rules.forbidden:
        ok = sum(1 for e, t in rules.forbidden if est_team.get(e) != t)
        out["forbidden"] = _kept(ok, len(rules.forbidden), "kept out")
    if rules.together:
        ok = sum(1 for a, b in rules.together if est_team.get(a) == est_team.get(b))
        out["together"] = _kept(ok, len(rules.together), "pairs share a team")
    if rules.apart:
        ok = sum(1 for a, b in rules.apart if est_team.get(a) != est_team.get(b))
        out["apart"] = _kept(ok, len(rules.apart), "pairs are apart")
    if cohort.facilitators:
        lines = facilitator_supply(cohort, rules)
        tight = min(lines, key=lambda line: (line.supplied or 0) - line.needed, default=None)
        if tight is not None and (tight.supplied or 0) < tight.needed:
            out["facilitator_supply"] = (
                f"{tight.authority} supplies {tight.supplied or 0} of the {tight.needed} it needs"
            )
        elif tight is not None:
            out["facilitator_supply"] = (
                f"Closest: {tight.authority} supplies {tight.supplied} for the {tight.needed} "
                "it needs"
            )
    if result.facilitator_links:
        per_team = Counter(int(t) for _, t in result.facilitator_links)
        out["facilitator_per_team"] = _range(
            [per_team.get(ts.team, 0) for ts in teams], "facilitator"
        )
        est_per_team = {ts.team: len(ts.establishments) for ts in teams}
        load: Counter[str] = Counter()
        for fid, team in result.facilitator_links:
            load[fid] += est_per_team.get(int(team), 0)
        busiest = max(load.values(), default=0)
        out["facilitator_load"] = (
            f"The busiest facilitator supports {_plural(busiest, 'establishment')}"
        )
    return out


def rule_checks(result: Result) -> list[RuleCheck]:
    """Every rule that applies, in the order of ``RULES``; empty when there is no assignment."""
    evaluation = result.evaluation
    if evaluation is None:
        return []
    numbers = _rule_numbers(result, evaluation.teams)
    by_rule: dict[str, list[Breach]] = {}
    for breach in evaluation.breaches:
        by_rule.setdefault(breach.rule, []).append(breach)
    checks = []
    for rule, meaning in RULES.items():
        breaches = by_rule.get(rule, [])
        if rule not in numbers and not breaches:
            continue  # the rule does not apply to this cohort (no pins, no facilitators, ...)
        checks.append(
            RuleCheck(
                rule=rule,
                title=rule_sentence(rule, result.rules, result.cohort.n_participants),
                meaning=meaning,
                passed=not breaches,
                numbers=numbers.get(rule, ""),
                breaches=tuple(b.message for b in breaches),
            )
        )
    return checks


# --------------------------------------------------------------------------- the score
def _weights(result: Result) -> ObjectiveWeights | None:
    if result.objective_weights is not None:
        return result.objective_weights
    if result.objective_name in ("focus", "cohesion", "blend"):
        return ObjectiveWeights.named(result.objective_name)
    return None


def _times(weight: float, unit: str) -> str:
    """'' for a weight of 1, else ' (2 points per rating point)'."""
    return "" if weight == 1 else f" ({number(weight)} points per {unit})"


def score_parts(result: Result) -> list[tuple[str, float]]:
    """(what it is, points) for each part of the score this run used, in reading order.

    Travel comes last with negative points. Parts not used (weight 0, or no SIMD
    quintiles or coordinates in the survey) are left out.
    """
    evaluation, weights = result.evaluation, _weights(result)
    if evaluation is None or weights is None:
        return []
    parts: list[tuple[str, float]] = []
    if weights.focus and evaluation.focus_points is not None:
        parts.append(
            (
                "for members' interest in their team's focus theme (each member's rating, "
                f"0-5){_times(weights.focus, 'rating point')}",
                weights.focus * evaluation.focus_points,
            )
        )
    if weights.cohesion and evaluation.cohesion is not None:
        parts.append(
            (
                "for team mates who share interests (each pair of team mates adds from -1, "
                f"opposite interests, to 1, the same){_times(weights.cohesion, 'pair point')}",
                weights.cohesion * evaluation.cohesion,
            )
        )
    if weights.simd_mix and evaluation.simd_mixed_teams is not None:
        mixed = evaluation.simd_mixed_teams
        parts.append(
            (
                f"for {_plural(mixed, 'team')} mixing establishments from more and less "
                f"deprived areas (SIMD 1-2 with 4-5; {number(weights.simd_mix)} points each)",
                weights.simd_mix * mixed,
            )
        )
    if weights.travel and evaluation.travel_km is not None:
        parts.append(
            (
                f"for {number(round(evaluation.travel_km))} km between team mates' "
                f"establishments ({weights.travel:g} points per km, over every pair in a team)",
                -weights.travel * evaluation.travel_km,
            )
        )
    return parts


def score_sentence(result: Result) -> str:
    """The score explained in one sentence with what each part contributes."""
    objective = result.objective
    parts = score_parts(result)
    if objective is None or not parts:
        return ""
    gains = [f"{number(round(points, 1))} points {what}" for what, points in parts if points >= 0]
    losses = [f"{number(round(-points, 1))} points {what}" for what, points in parts if points < 0]
    text = f"The score of {number(round(objective, 1))} points"
    if len(gains) == 1 and not losses:
        return f"{text} is {gains[0]}."
    if not gains:  # a score with no positive part (cohesion of random teams, travel alone)
        signed = [f"{number(round(points, 1))} points {what}" for what, points in parts]
        return f"{text} is {' and '.join(signed)}."
    said = ", ".join(gains[:-1]) + (" and " if len(gains) > 1 else "") + gains[-1]
    if losses:
        said += ", less " + " and ".join(losses)
    return f"{text} adds {said}."


# --------------------------------------------------------------------------- the proof
def quality_sentence(result: Result) -> str:
    """How good the teams are, in one sentence a lead officer understands."""
    objective, bound, gap = result.objective, result.bound, result.gap
    if result.status == Status.INFEASIBLE:
        return "The rules cannot all be met, so no teams were formed: see why below."
    if result.status == Status.BREACHES and result.evaluation is not None:
        breaches = result.evaluation.breaches
        rules = len({b.rule for b in breaches})
        times = (
            ""
            if len(breaches) == rules
            else f" ({_plural(len(breaches), 'breach', 'breaches')} in all)"
        )
        return (
            f"These teams break {_plural(rules, 'rule')}{times}: see the rule checks below "
            f"(score {number(objective or 0)} points)."
        )
    if result.status == Status.UNKNOWN or objective is None:
        return (
            "No set of teams that keeps every rule was found within the time limit, and none "
            "was proven impossible: try a longer time limit."
        )
    if result.status == Status.OPTIMAL:
        return (
            f"These teams keep every rule and are proven the best possible: no other set of "
            f"teams that keeps every rule scores more than their {number(objective)} points."
        )
    if bound is not None and gap is not None:
        # the gap is of their score (a statistician read "within 26% of the best" as of
        # the best possible's, where they are at most 20.6% below it)
        return (
            f"These teams keep every rule and score {number(objective)} points; no set of "
            f"teams can score more than {number(bound)}, at most {percent(gap)} above theirs."
        )
    return (
        f"These teams keep every rule; they score {number(objective)} points, but no proof "
        "of how close that is to the best possible was found in the time limit."
    )


_STATUS_WORDS = {
    Status.OPTIMAL: "proven best",
    Status.FEASIBLE: "keeps every rule",
    Status.INFEASIBLE: "rules cannot all be met",
    Status.UNKNOWN: "no teams found",
    Status.BREACHES: "breaks rules",
}


def quality_facts(result: Result) -> list[tuple[str, str]]:
    """(label, value) pairs a lead officer reads: the verdict, score, ceiling and gap."""
    objective, bound, gap = result.objective, result.bound, result.gap
    return [
        ("Verdict", _STATUS_WORDS.get(result.status, str(result.status))),
        ("Score", "none" if objective is None else f"{number(objective)} points"),
        ("Best possible at most", "not proven" if bound is None else f"{number(bound)} points"),
        ("Gap", _gap_words(result.status, gap)),
    ]


def _gap_words(status: Status, gap: float | None) -> str:
    if gap is not None:
        return percent(gap)
    return "none while rules are broken" if status is Status.BREACHES else "unknown"


def technical_facts(result: Result) -> list[tuple[str, str]]:
    """(label, value) pairs for the technical section: how the answer was found."""
    objective, bound, gap = result.objective, result.bound, result.gap
    weights = _weights(result)
    return [
        ("status", str(result.status)),
        ("objective", "none" if objective is None else repr(objective)),
        ("bound", "none" if bound is None else repr(bound)),
        ("gap", "none" if gap is None else f"{gap:.6f}"),
        ("objective used", result.objective_name),
        (
            "weights",
            "-"
            if weights is None
            else ", ".join(
                f"{k}={v:g}"
                for k, v in weights.model_dump().items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            ),
        ),
        ("strategy", result.strategy),
        ("seed", str(result.seed)),
        ("run time", f"{result.runtime_s:.1f} s"),
        ("trace points", str(len(result.statistics.trace))),
    ]
