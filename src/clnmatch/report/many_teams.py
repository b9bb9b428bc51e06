"""How the report and workbook stay fast and legible from 8 to 1,000 teams.

One column or card per team reads well for a CLN cohort of 8 teams and not at all for a
region of 80 or a stress cohort of 1,000: the per-team charts of a 1,000-team result took
82 s to draw and made a 24 MB page (measured on 2 cores before this module existed).
So, above the limits below:

* team cards give way to one "teams at a glance" table, and each team's members fold
  into a collapsed ``<details>`` (still found by the browser's search and by a link);
* the per-team charts give way to distributions: teams per focus theme, team sizes,
  authorities per team, and the sector mixes;
* the per-establishment explanations are left out above ``EXPLAIN_MAX_MOVES``
  establishment-team pairs. ``clnmatch.explain`` computes every move from team totals
  (``clnmatch.explain_deltas``): 0.02 s for 50 establishments x 8 teams, 0.24 s for
  500 x 80 (re-evaluating every move took 123 s there), 8 s for 5,000 x 1,000, whose
  table would also run to 5,000 rows. Under a time limit the command line may still
  leave them out when no time is left (``clnmatch.time_budget``).

Figures for the whole report and workbook at 80 and 1,000 teams come from
``benchmarks/report_scale.py``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from clnmatch.models import Sector
from clnmatch.report.charts import (
    OKABE_ITO,
    PER_TEAM_CHARTS,
    Chart,
    objective_trace_chart,
    plain_text,
    sector_label,
    to_data_uri,
)
from clnmatch.result import Result

__all__ = [
    "CARDS_MAX_TEAMS",
    "PER_TEAM_CHARTS_MAX_TEAMS",
    "EXPLAIN_MAX_MOVES",
    "SHEET_PER_TEAM_MAX_TEAMS",
    "shows_cards",
    "explains",
    "explains_size",
    "report_charts",
    "trace_chart",
]

CARDS_MAX_TEAMS = 16  # up to this many teams, every team is an open card
PER_TEAM_CHARTS_MAX_TEAMS = 24  # up to this many, the charts have a column per team
EXPLAIN_MAX_MOVES = 1_000_000  # establishments x teams; about 2 s of clnmatch.explain
SHEET_PER_TEAM_MAX_TEAMS = 24  # up to this many, the workbook has a sheet per team


def shows_cards(result: Result) -> bool:
    return result.rules.teams <= CARDS_MAX_TEAMS


def explains(result: Result) -> bool:
    """Whether the report asks ``clnmatch.explain`` for every establishment."""
    return explains_size(len(result.cohort.establishments), result.rules.teams)


def explains_size(establishments: int, teams: int) -> bool:
    """``explains`` for a cohort of this size (before there is a result)."""
    return establishments * teams <= EXPLAIN_MAX_MOVES


def report_charts(result: Result) -> list[Chart]:
    """The report's charts (without the search trace): per team, or distributions."""
    if not result.assignment:
        return []
    if result.rules.teams <= PER_TEAM_CHARTS_MAX_TEAMS:
        makers = PER_TEAM_CHARTS  # the trace is drawn once, for the technical section
    else:
        makers = (focus_theme_chart, size_histogram, authorities_histogram, sector_mix_chart)
    return [chart for make in makers if (chart := make(result)) is not None]


def trace_chart(result: Result) -> Chart | None:
    """The search progress, for the technical section."""
    return objective_trace_chart(result)


# --------------------------------------------------------------------------- distributions
def _bars(
    labels: list[str],
    values: list[int],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    horizontal: bool = False,
    band: tuple[float, float, str] | None = None,
) -> Figure:
    """A bar chart with its values written on the bars; ``band`` shades an allowed range.

    A plain ``Figure`` (not pyplot): no global figure state, nothing to close.
    """
    labels = [plain_text(label) for label in labels]
    if horizontal:
        fig = Figure(figsize=(7.5, max(2.6, 0.38 * len(labels) + 1.4)))
        ax = fig.subplots()
        bars = ax.barh(range(len(labels)), values, color=OKABE_ITO["blue"], height=0.6)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        fig = Figure(figsize=(max(5.5, 0.45 * len(labels) + 2.5), 3.4))
        ax = fig.subplots()
        positions = np.arange(len(labels))
        if band is not None:
            low, high, label = band
            inside = [i for i, x in enumerate(labels) if low <= float(x) <= high]
            if inside:
                ax.axvspan(
                    min(inside) - 0.5,
                    max(inside) + 0.5,
                    color=OKABE_ITO["sky"],
                    alpha=0.25,
                    label=label,
                )
                ax.legend(loc="upper left", fontsize=8, frameon=False)
        bars = ax.bar(positions, values, color=OKABE_ITO["blue"], width=0.6)
        ax.set_xticks(positions, labels)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(values, default=1) * 1.2 + 1)
    ax.bar_label(bars, padding=2, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def focus_theme_chart(result: Result) -> Chart | None:
    """Teams per focus theme, labelled with the members' mean interest in it."""
    cohort = result.cohort
    if not result.team_focus:
        return None
    index = {t: k for k, t in enumerate(cohort.themes)}
    teams_of = Counter(result.team_focus.values())
    ratings: dict[str, list[int]] = {}
    for p in cohort.practitioners:
        theme = result.team_focus.get(result.assignment.get(p.id, 0))
        if theme in index:
            ratings.setdefault(theme, []).append(p.interests[index[theme]])
    themes = [t for t in cohort.themes if teams_of.get(t)]
    labels = [f"{t} (mean {np.mean(ratings.get(t, [0])):.1f} / 5)" for t in themes]
    fig = _bars(
        labels,
        [teams_of[t] for t in themes],
        title="Focus themes",
        xlabel="Teams with this focus",
        ylabel="",
        horizontal=True,
    )
    return Chart(
        "chart-interest",
        "Focus themes",
        "Each bar counts the teams with that focus theme; beside each theme, its teams' "
        "members' mean interest in it (0 = none, 5 = the highest).",
        to_data_uri(fig),
    )


def size_histogram(result: Result) -> Chart | None:
    """How many teams have each size, over the shaded allowed range."""
    sizes = Counter(Counter(result.assignment.values()).values())
    if not sizes:
        return None
    low, high = result.rules.size_bounds(result.cohort.n_participants)
    xs = list(range(min([*sizes, low]), max([*sizes, high]) + 1))
    fig = _bars(
        [str(x) for x in xs],
        [sizes.get(x, 0) for x in xs],
        title="Team sizes",
        xlabel="Participants in the team",
        ylabel="Teams",
        band=(low, high, f"allowed: {low} to {high} participants"),
    )
    return Chart(
        "chart-sizes",
        "Team sizes",
        f"How many teams have each number of participants; the shaded band is the allowed "
        f"range ({low} to {high}).",
        to_data_uri(fig),
    )


def _team_establishments(result: Result) -> dict[int, list[int]]:
    """Team -> indices into cohort.establishments."""
    est_team = result.establishment_team()
    out: dict[int, list[int]] = {}
    for i, e in enumerate(result.cohort.establishments):
        if e.id in est_team:
            out.setdefault(est_team[e.id], []).append(i)
    return out


def authorities_histogram(result: Result) -> Chart | None:
    """How many teams mix 1, 2, 3, ... local authorities."""
    ests = result.cohort.establishments
    teams = _team_establishments(result)
    if not teams:
        return None
    counts = Counter(len({ests[i].authority_key for i in members}) for members in teams.values())
    low = result.rules.min_authorities
    xs = list(range(1, max([*counts, low]) + 1))
    fig = _bars(
        [str(x) for x in xs],
        [counts.get(x, 0) for x in xs],
        title="Local authorities per team",
        xlabel="Authorities in the team",
        ylabel="Teams",
        band=(low, xs[-1], f"allowed: at least {low}"),
    )
    return Chart(
        "chart-authority",
        "Authorities per team",
        "How many teams have establishments from each number of local authorities; the "
        "shaded band is what the rules allow.",
        to_data_uri(fig),
    )


def sector_mix_chart(result: Result) -> Chart | None:
    """The sector mixes of the teams, most common first (at most 12 bars)."""
    ests = result.cohort.establishments
    teams = _team_establishments(result)
    if not teams:
        return None
    order = {s: k for k, s in enumerate(Sector)}
    mixes = Counter(
        " + ".join(
            sector_label(s)
            for s in sorted({ests[i].sector for i in members}, key=order.__getitem__)
        )
        for members in teams.values()
    )
    common = mixes.most_common(12)
    rest = sum(mixes.values()) - sum(n for _, n in common)
    labels = [m for m, _ in common] + (["other mixes"] if rest else [])
    values = [n for _, n in common] + ([rest] if rest else [])
    fig = _bars(
        labels,
        values,
        title="Sector mixes",
        xlabel="Teams",
        ylabel="",
        horizontal=True,
    )
    return Chart(
        "chart-sector",
        "Sector mixes",
        "How many teams have each mix of sectors.",
        to_data_uri(fig),
    )
