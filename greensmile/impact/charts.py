"""Charts a person reads at a glance, drawn on the server as SVG (no chart library, no CDN): horizontal bars, each
labelled with its own figure, so the chart still says everything when printed in black and white."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
ROW = 34
LABEL = 200  # the labels' column
PALETTE = ("#2f7d32", "#6a9f3a", "#c58b17", "#3b6e8f", "#8d5a97", "#a04b3a")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the figure as the page writes it (baht, kg, rai)


def bar_chart(title: str, bars: list[Bar]) -> Markup:
    """One bar a row, longest for the largest value; an empty chart says so rather than drawing nothing."""
    height = max(1, len(bars)) * ROW + 10
    top = max((bar.value for bar in bars), default=0) or 1
    span = WIDTH - LABEL - 120
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for n, bar in enumerate(bars):
        y = 5 + n * ROW
        length = 0 if bar.value <= 0 else max(2, round(span * bar.value / top))
        colour = PALETTE[n % len(PALETTE)]
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 21}" text-anchor="end" font-size="14">{escape(bar.label)}</text>'
            f'<rect x="{LABEL}" y="{y + 6}" width="{length}" height="20" rx="3" fill="{colour}"></rect>'
            f'<text x="{LABEL + length + 6}" y="{y + 21}" font-size="14" font-weight="600">{escape(bar.shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
