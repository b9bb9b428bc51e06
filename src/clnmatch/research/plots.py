"""Benchmark plots: a Dolan-More performance profile and objective over time.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, so the caller's
backend is left alone) and written whole (temp file, rename).

Performance profile (Dolan & More 2002, for a maximisation): a *problem* is one
(set, instance, time limit, seed); its reference is the best objective any solver
reached on that (set, instance, time limit) with a rule-abiding answer, over all
seeds. A run's ratio is reference / objective (1 = as good as the best; for objectives
that are not both positive, 1 + (reference - objective) / |reference|). Runs with no
answer, a rule breach or a failure have ratio infinity. rho_s(tau) is the share of
solver s's problems with ratio <= tau.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["performance_ratios", "performance_profile", "objective_over_time"]

OK_STATUSES = ("optimal", "feasible")


def _ratio(reference: float, objective: float) -> float:
    if reference > 0 and objective > 0:
        return reference / objective
    return 1.0 + (reference - objective) / max(abs(reference), 1e-9)


def performance_ratios(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run: set, instance, time_limit, seed, strategy, ratio (inf = no good answer)."""
    import pandas as pd

    frame = runs.copy()
    frame["objective"] = pd.to_numeric(frame["objective"], errors="coerce")
    ok = frame["status"].isin(OK_STATUSES) & frame["objective"].notna()
    best = frame[ok].groupby(["set", "instance", "time_limit"])["objective"].max()
    ratios = []
    references = best.to_dict()
    keys = zip(frame["set"], frame["instance"], frame["time_limit"], strict=True)
    for key, objective, good in zip(keys, frame["objective"], ok, strict=True):
        reference = references.get(key)
        if not good or reference is None:
            ratios.append(math.inf)
        else:
            ratios.append(max(1.0, _ratio(float(reference), float(objective))))
    out = frame[["set", "instance", "time_limit", "seed", "strategy"]].copy()
    out["ratio"] = ratios
    return out


def _figure(panels: int, height: float = 3.6) -> tuple[Figure, list[Axes]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cols = min(panels, 3)
    rows = math.ceil(panels / cols)
    fig = Figure(figsize=(4.8 * cols, height * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for extra in axes[panels:]:
        extra.set_visible(False)
    return fig, axes[:panels]


def _legend(ax: Axes) -> None:
    """Below the axes, so that no line is hidden behind it."""
    ax.legend(
        fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False
    )


def _save(fig: Figure, path: Path) -> None:
    from clnmatch.io.safe import atomic_write_bytes

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    atomic_write_bytes(path, buffer.getvalue())


def _empty(path: Path, message: str) -> None:
    fig, (ax,) = _figure(1)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    _save(fig, path)


def performance_profile(runs: pd.DataFrame, path: str | Path) -> None:
    """A Dolan-More profile per set (one line per strategy/peer), saved as PNG."""
    path = Path(path)
    if runs.empty:
        _empty(path, "no runs")
        return
    ratios = performance_ratios(runs)
    sets = list(dict.fromkeys(ratios["set"]))
    fig, axes = _figure(len(sets))
    for ax, set_name in zip(axes, sets, strict=True):
        part = ratios[ratios["set"] == set_name]
        finite = part["ratio"][np.isfinite(part["ratio"])]
        top = float(finite.max()) if len(finite) else 1.0
        tau_max = 1.0 + max(1.05 * (top - 1.0), 0.01)
        for strategy in dict.fromkeys(part["strategy"]):
            r = np.sort(part.loc[part["strategy"] == strategy, "ratio"].to_numpy(dtype=float))
            taus = np.concatenate([[1.0], r[np.isfinite(r)], [tau_max]])
            share = np.searchsorted(r, taus, side="right") / len(r)
            ax.step(taus, share, where="post", label=str(strategy))
        ax.set_xlim(1.0, tau_max)
        ax.set_ylim(-0.02, 1.02)
        problems = part[["instance", "time_limit", "seed"]].drop_duplicates().shape[0]
        ax.set_title(f"{set_name} ({problems} problems)")
        ax.set_xlabel("tau (best objective / objective)")
        ax.set_ylabel("share of problems with ratio <= tau")
        ax.grid(alpha=0.3)
        _legend(ax)
    _save(fig, path)


def objective_over_time(traces: pd.DataFrame, path: str | Path) -> None:
    """Best objective (solid) and bound (dashed) over time of each set's representative runs."""
    import pandas as pd

    path = Path(path)
    if traces.empty:
        _empty(path, "no traces")
        return
    frame = traces.copy()
    for col in ("time_s", "objective", "bound"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    groups = list(dict.fromkeys(zip(frame["set"], frame["instance"], strict=True)))
    fig, axes = _figure(len(groups))
    colours = [f"C{i}" for i in range(10)]
    for ax, (set_name, instance) in zip(axes, groups, strict=True):
        part = frame[(frame["set"] == set_name) & (frame["instance"] == instance)]
        for i, strategy in enumerate(dict.fromkeys(part["strategy"])):
            run = part[part["strategy"] == strategy].sort_values("time_s")
            colour = colours[i % len(colours)]
            obj = run.dropna(subset=["objective"])
            if not obj.empty:
                ax.step(
                    obj["time_s"],
                    obj["objective"],
                    where="post",
                    color=colour,
                    marker="." if len(obj) < 3 else None,
                    label=str(strategy),
                )
            bound = run.dropna(subset=["bound"])
            if not bound.empty:
                ax.step(
                    bound["time_s"],
                    bound["bound"],
                    where="post",
                    color=colour,
                    linestyle="--",
                    alpha=0.7,
                    label=f"{strategy} bound",
                )
        times = part["time_s"][part["time_s"] > 0]
        if len(times) and times.max() / times.min() >= 100:
            ax.set_xscale("log")  # traces start in milliseconds and run for seconds
        _objective_scale(ax, part)
        ax.set_title(f"{set_name}: {instance}")
        ax.set_xlabel("seconds")
        ax.set_ylabel("objective")
        ax.grid(alpha=0.3)
        _legend(ax)
    _save(fig, path)


def _objective_scale(ax: Axes, part: pd.DataFrame) -> None:
    """Scale the y axis to the objectives; a weak bound far above is noted, not drawn to scale."""
    objectives = part["objective"].dropna()
    if objectives.empty:
        return
    low, high = float(objectives.min()), float(objectives.max())
    span = max(high - low, abs(high) * 0.01, 1e-9)
    top = high + 0.25 * span
    bounds = part["bound"].dropna()
    if len(bounds) and float(bounds.min()) <= high + span:
        top = max(top, min(float(bounds.max()), high + span) + 0.05 * span)
    ax.set_ylim(low - 0.05 * span, top)
    if len(bounds) and float(bounds.max()) > top:
        ax.text(
            0.99,
            0.98,
            f"bound up to {float(bounds.max()):,.0f} (off the chart)",
            ha="right",
            va="top",
            fontsize="small",
            transform=ax.transAxes,
        )
