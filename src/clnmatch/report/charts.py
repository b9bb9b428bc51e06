"""Charts for the report: matplotlib figures as base64 PNG data URIs (no network, no files).

Every chart is drawn with the Agg backend, in colour-blind-safe colours (cividis for
matrices, the Okabe-Ito palette for lines and bars), with titles and axis labels a lead
officer understands. A chart that has nothing to show is left out (its function
returns None).
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from dataclasses import dataclass
from operator import attrgetter

# matplotlib's object API, no pyplot: no display or GUI toolkit is needed, and an app
# importing clnmatch keeps its own backend and figures
import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

from clnmatch.models import Sector
from clnmatch.result import Result

__all__ = [
    "Chart",
    "PER_TEAM_CHARTS",
    "all_charts",
    "interest_heatmap",
    "authority_team_matrix",
    "sector_team_matrix",
    "team_size_chart",
    "objective_trace_chart",
    "OKABE_ITO",
    "SECTOR_LABELS",
    "sector_label",
    "to_data_uri",
    "plain_text",
]

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
SECTOR_LABELS: dict[str, str] = {
    str(Sector.ELC): "ELC",
    str(Sector.PRIMARY): "Primary",
    str(Sector.SECONDARY): "Secondary",
    str(Sector.SPECIAL): "Special (ASN)",
}
_MATRIX_CMAP = "cividis"  # perceptually uniform and designed for colour-vision deficiency
_DPI = 130


def sector_label(sector: object) -> str:
    """'ELC', 'Primary', 'Secondary' or 'Special (ASN)'."""
    return SECTOR_LABELS.get(str(sector), str(sector))


@dataclass(frozen=True)
class Chart:
    """One chart: an element id, a title, a sentence saying what it shows, and the image."""

    id: str
    title: str
    caption: str
    data_uri: str  # data:image/png;base64,...

    @property
    def alt(self) -> str:
        return f"{self.title}. {self.caption}"


def to_data_uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    # every figure is laid out by tight_layout (bbox_inches="tight" would draw it once more);
    # metadata Software=None keeps the bytes identical from run to run
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def plain_text(text: str) -> str:
    """``text`` as matplotlib draws it literally: two '$' would start its maths notation
    (a theme 'Budget $\\frac{1}$' stopped every report)."""
    return text.replace("$", r"\$")


def _teams(result: Result) -> list[int]:
    return list(range(1, result.rules.teams + 1))


def _team_labels(result: Result) -> list[str]:
    return [f"Team {t}" for t in _teams(result)]


def _matrix_figure(
    matrix: NDArray[np.float64],
    rows: list[str],
    cols: list[str],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    colorbar: str,
    fmt: str,
    vmin: float | None = None,
    vmax: float | None = None,
    hide_zero: bool = False,
) -> Figure:
    """A labelled heat map with the value written in every cell."""
    rows, cols = [plain_text(r) for r in rows], [plain_text(c) for c in cols]
    height = max(2.6, 0.45 * len(rows) + 1.6)
    width = max(5.5, 0.75 * len(cols) + 3.2)
    fig = Figure(figsize=(width, height))
    ax = fig.subplots()
    cmap = matplotlib.colormaps[_MATRIX_CMAP].with_extremes(bad="white")
    # a count of 0 is "none here": left white so the filled cells stand out
    shown = np.ma.masked_equal(matrix, 0) if hide_zero else matrix
    image = ax.imshow(shown, cmap=cmap, aspect="auto", vmin=vmin, vmax=vmax)
    ax.set_xticks(
        range(len(cols)),
        cols,
        rotation=30 if len(cols) > 6 else 0,
        ha="right" if len(cols) > 6 else "center",
    )
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    low = float(np.nanmin(matrix)) if vmin is None else vmin
    high = float(np.nanmax(matrix)) if vmax is None else vmax
    middle = (low + high) / 2
    for (i, j), value in np.ndenumerate(matrix):
        if hide_zero and value == 0:
            continue
        # cividis is dark at the low end: write light text there
        ax.text(
            j,
            i,
            format(value, fmt),
            ha="center",
            va="center",
            fontsize=9,
            color="white" if value < middle else "black",
            in_layout=False,  # inside the axes: tight_layout need not measure every cell
        )
    ax.set_xticks(np.arange(len(cols) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.2)
    ax.tick_params(which="minor", length=0)
    bar = fig.colorbar(image, ax=ax, label=colorbar, fraction=0.04, pad=0.02)
    if fmt == ".0f":  # counts: whole-number ticks only
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    fig.tight_layout()
    return fig


def _legend_below(ax: Axes) -> None:
    """A legend under the plot, where it never hides a bar or a line."""
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.22), ncol=2, fontsize=8, frameon=False)


def interest_heatmap(result: Result) -> Chart | None:
    """Teams x themes: the mean interest rating of each team's members; focus themes boxed."""
    cohort = result.cohort
    if not result.assignment or not cohort.themes:
        return None
    teams = _teams(result)
    sums = np.zeros((len(teams), len(cohort.themes)))
    counts = np.zeros(len(teams))
    for p in cohort.practitioners:
        team = result.assignment.get(p.id)
        if team is None or not 1 <= team <= len(teams):
            continue
        sums[team - 1] += p.interests
        counts[team - 1] += 1
    mean = np.divide(sums, counts[:, None], out=np.zeros_like(sums), where=counts[:, None] > 0)
    fig = _matrix_figure(
        mean,
        _team_labels(result),
        list(cohort.themes),
        title="How interested each team is in each theme",
        xlabel="Survey theme",
        ylabel="Team",
        colorbar="Mean interest rating (0 = none, 5 = the highest)",
        fmt=".1f",
        vmin=0,
        vmax=5,
    )
    ax = fig.axes[0]
    theme_index = {theme: k for k, theme in enumerate(cohort.themes)}
    for team, theme in result.team_focus.items():
        if theme in theme_index and 1 <= team <= len(teams):
            ax.add_patch(
                Rectangle(
                    (theme_index[theme] - 0.5, team - 1.5),
                    1,
                    1,
                    fill=False,
                    edgecolor=OKABE_ITO["vermillion"],
                    linewidth=2.5,
                )
            )
    return Chart(
        "chart-interest",
        "Interest by team and theme",
        "Each cell is the mean rating the team's members gave the theme in the survey; "
        "the outlined cell is the team's focus theme.",
        to_data_uri(fig),
    )


def _establishment_matrix(result: Result, key: str) -> tuple[NDArray[np.float64], list[str]]:
    """Counts of establishments per (authority or sector) x team."""
    cohort = result.cohort
    est_team = result.establishment_team()
    if key == "authority":
        keys: list[object] = list(cohort.authorities)
        labels = list(cohort.authorities.values())
    else:
        present = {e.sector for e in cohort.establishments}
        keys = [s for s in Sector if s in present]
        labels = [sector_label(s) for s in Sector if s in present]
    key_of = attrgetter("authority_key" if key == "authority" else "sector")
    index = {k: i for i, k in enumerate(keys)}
    matrix = np.zeros((len(labels), result.rules.teams))
    for e in cohort.establishments:
        team = est_team.get(e.id)
        if team is not None and 1 <= team <= result.rules.teams:
            matrix[index[key_of(e)], team - 1] += 1
    return matrix, labels


def authority_team_matrix(result: Result) -> Chart | None:
    """Local authorities x teams: how many of each authority's establishments each team has."""
    if not result.assignment:
        return None
    matrix, labels = _establishment_matrix(result, "authority")
    fig = _matrix_figure(
        matrix,
        labels,
        _team_labels(result),
        title="Where each authority's establishments went",
        xlabel="Team",
        ylabel="Local authority",
        colorbar="Establishments",
        fmt=".0f",
        vmin=0,
        hide_zero=True,
    )
    return Chart(
        "chart-authority",
        "Authorities across teams",
        "Each cell counts the authority's establishments in the team (blank: none). "
        "Spread-out rows mean cross-authority teams.",
        to_data_uri(fig),
    )


def sector_team_matrix(result: Result) -> Chart | None:
    """Sectors x teams: how many establishments of each sector each team has."""
    if not result.assignment:
        return None
    matrix, labels = _establishment_matrix(result, "sector")
    fig = _matrix_figure(
        matrix,
        labels,
        _team_labels(result),
        title="Sectors in each team",
        xlabel="Team",
        ylabel="Sector",
        colorbar="Establishments",
        fmt=".0f",
        vmin=0,
        hide_zero=True,
    )
    return Chart(
        "chart-sector",
        "Sectors across teams",
        "Each cell counts the team's establishments of that sector (blank: none).",
        to_data_uri(fig),
    )


def team_size_chart(result: Result) -> Chart | None:
    """Participants per team as bars, over the shaded band of allowed sizes."""
    if not result.assignment:
        return None
    teams = _teams(result)
    sizes = Counter(result.assignment.values())
    values = [sizes.get(t, 0) for t in teams]
    low, high = result.rules.size_bounds(result.cohort.n_participants)
    fig = Figure(figsize=(max(5.5, 0.7 * len(teams) + 2.5), 3.4))
    ax = fig.subplots()
    ax.axhspan(
        low - 0.5,
        high + 0.5,
        color=OKABE_ITO["sky"],
        alpha=0.25,
        label=f"allowed: {low} to {high} participants",
    )
    bars = ax.bar(teams, values, color=OKABE_ITO["blue"], width=0.6, label="participants")
    ax.bar_label(bars, padding=2, fontsize=9)
    ax.set_xticks(teams, _team_labels(result), rotation=30 if len(teams) > 8 else 0)
    ax.set_xlabel("Team")
    ax.set_ylabel("Participants")
    ax.set_ylim(0, max([high, *values]) * 1.15 + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Team sizes", loc="left", fontsize=12, fontweight="bold")
    _legend_below(ax)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return Chart(
        "chart-sizes",
        "Team sizes",
        f"Participants in each team; the shaded band is the allowed range ({low} to {high}).",
        to_data_uri(fig),
    )


def objective_trace_chart(result: Result) -> Chart | None:
    """The best objective found and the best proven bound over the solver's run."""
    trace = result.statistics.trace
    objective = [(p.time_s, p.objective) for p in trace if p.objective is not None]
    bound = [(p.time_s, p.bound) for p in trace if p.bound is not None]
    if not objective and not bound:
        return None
    fig = Figure(figsize=(6.5, 3.4))
    ax = fig.subplots()
    if objective:
        x, y = zip(*objective, strict=True)
        ax.step(
            x,
            y,
            where="post",
            color=OKABE_ITO["blue"],
            linewidth=2,
            marker="o",
            markersize=3,
            label="best assignment found (objective)",
        )
    if bound:
        x, y = zip(*bound, strict=True)
        ax.step(
            x,
            y,
            where="post",
            color=OKABE_ITO["orange"],
            linewidth=2,
            linestyle="--",
            label="proven bound (no assignment can beat it)",
        )
    # a bound certified after the search (clnmatch.bounds) has no time of its own: a level
    after = result.bound if not bound and result.bound is not None else None
    if after is not None:
        ax.axhline(
            after,
            color=OKABE_ITO["orange"],
            linewidth=2,
            linestyle="--",
            label="proven bound, certified after the search",
        )
    ax.set_xlabel("Seconds since the start of the search")
    ax.set_ylabel("Objective (points)")
    ax.set_title("How the search converged", loc="left", fontsize=12, fontweight="bold")
    _legend_below(ax)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    caption = "The solid line is the best assignment found so far"
    caption += (
        "; the dashed line is the bound: the gap between them is how far from the best "
        "possible the answer can be at most."
        if bound
        else "; the dashed line is the bound, certified after the search: no assignment "
        "can score more, so the gap between them is how far from the best possible the "
        "answer can be at most."
        if after is not None
        else "; no bound was proven."
    )
    return Chart("chart-trace", "Search progress", caption, to_data_uri(fig))


# a column (or row) per team: the report's charts up to 24 teams, in reading order
PER_TEAM_CHARTS = (interest_heatmap, team_size_chart, authority_team_matrix, sector_team_matrix)


def all_charts(result: Result) -> list[Chart]:
    """Every chart that has something to show, in reading order."""
    if not result.assignment:
        return []
    makers = (*PER_TEAM_CHARTS, objective_trace_chart)
    return [chart for make in makers if (chart := make(result)) is not None]
