"""Charts a person reads at a glance, drawn on the server as SVG (no chart library, no CDN): one horizontal bar a
row, its label above it and its own figure beside it, so the chart says everything on a small phone and when printed
in black and white. Drawn 360 units wide: on a phone that is about one unit a pixel, so the text stays legible."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360
ROW = 50
LABEL_CHARS = 44  # a longer label is shortened (its whole text stays in the bar's tooltip)
FIGURE_ROOM = 150  # what the figure beside the longest bar may take
PALETTE = ("#2f7d32", "#6a9f3a", "#c58b17", "#3b6e8f", "#8d5a97", "#a04b3a")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the figure as the page writes it (baht, kg, rai)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(title: str, bars: list[Bar]) -> Markup:
    """Longest bar for the largest value; a zero gets no bar but still its figure."""
    height = max(1, len(bars)) * ROW + 4
    top = max((bar.value for bar in bars), default=0) or 1
    span = WIDTH - FIGURE_ROOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for n, bar in enumerate(bars):
        y = n * ROW
        length = 0 if bar.value <= 0 else max(3, round(span * bar.value / top))
        parts.append(
            f'<g><title>{escape(bar.label)}: {escape(bar.shown)}</title>'
            f'<text x="0" y="{y + 16}" font-size="14">{escape(_short(bar.label))}</text>'
            f'<rect x="0" y="{y + 23}" width="{length}" height="18" rx="3" fill="{PALETTE[n % len(PALETTE)]}"></rect>'
            f'<text x="{length + 6}" y="{y + 37}" font-size="14" font-weight="600">{escape(bar.shown)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
