"""Charts for the profile commands, as PNG: what the taste model learned, and a server's activity.

Matplotlib's OO API (thread-safe, no pyplot global state); CPU work: run in an executor.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from studio.taste.features import DIM, FEATURE_LABELS, FEATURE_NAMES, LOW_LABELS
from studio.taste.model import MIN_EVENTS, TasteModel


def _png(fig: Figure) -> bytes:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def taste_chart(model: TasteModel, user: int | str, top: int = 10) -> bytes:
    """A horizontal bar chart of the user's strongest learned likes (green) and dislikes (red)."""
    events = model.user_state(user).events
    w = model.weights(user)[:DIM]
    # a continuous feature's negative weight reads better as a like of its low end ("slower tempos")
    bars = [(FEATURE_LABELS[n], float(w[i])) if w[i] >= 0 or not LOW_LABELS[n] else (LOW_LABELS[n], -float(w[i]))
            for i, n in enumerate(FEATURE_NAMES)]
    bars = sorted(sorted(bars, key=lambda b: -abs(b[1]))[:top], key=lambda b: b[1])
    fig = Figure(figsize=(7, 0.45 * max(len(bars), 3) + 1.4), dpi=100)
    ax = fig.add_subplot()
    values = [v for _, v in bars]
    ax.barh(range(len(bars)), values, color=["#2a9d5c" if v >= 0 else "#d1495b" for v in values])
    ax.set_yticks(range(len(bars)), [label for label, _ in bars])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("← you skip        preference (log-odds)        you like →")
    who = "your taste" if events >= MIN_EVENTS else "the community's taste (you're new)"
    ax.set_title(f"What I've learned: {who} ({round(events)} reactions and picks)", fontsize=10)
    return _png(fig)


def stats_chart(per_day: list[tuple[str, int]]) -> bytes:
    """A bar chart of generations per day (``[("YYYY-MM-DD", count), ...]``)."""
    fig = Figure(figsize=(7, 3), dpi=100)
    ax = fig.add_subplot()
    ax.bar(range(len(per_day)), [n for _, n in per_day], color="#5865f2")
    ax.set_xticks(range(len(per_day)), [day[5:] for day, _ in per_day], rotation=45, ha="right", fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("melodies")
    ax.set_title(f"Melodies generated per day (last {len(per_day)} days, UTC)", fontsize=10)
    return _png(fig)
