"""The dashboard's seven-day trend as inline SVG geometry: bars scaled to the week's largest
value, drawn by the template without any script or chart library (the page's CSP allows no
inline script anyway). The numbers themselves are in the table beside the chart and in each
bar's label, so a screen reader and a printout get them too."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH = 560
HEIGHT = 180
#: Room under the bars for the day labels, and above the tallest for its value.
AXIS = 22
HEADROOM = 18
GAP = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day_label: str
    value_label: str
    label_x: float


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]


def trend_chart(days: Sequence[date], values: Sequence[Decimal | int],
                show: Callable[[Decimal | int], str]) -> TrendChart:
    """Bars for ``values`` (one per day, oldest first); ``show`` writes a value for people."""
    count = max(len(values), 1)
    slot = WIDTH / count
    baseline = HEIGHT - AXIS
    tallest = max([Decimal(v) for v in values] + [Decimal(0)])
    room = baseline - HEADROOM
    bars = []
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        height = float(Decimal(value) / tallest) * room if tallest > 0 else 0.0
        x = index * slot + GAP / 2
        bars.append(Bar(round(x, 1), round(baseline - height, 1), round(slot - GAP, 1),
                        round(height, 1), day.strftime("%m-%d"), show(value),
                        round(x + (slot - GAP) / 2, 1)))
    return TrendChart(WIDTH, HEIGHT, baseline, tuple(bars))
