"""The geometry of server-rendered SVG charts: a line chart of several series over periods, and a sparkline.

Templates only place what is computed here (coordinates, tick labels, links),
so a chart needs no JavaScript, prints, and is tested as data.  Colours come
from CSS classes (``s0`` … ``s5``): the page's policy forbids inline styles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 960, 360
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 20, 56
MAX_X_LABELS = 16


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    value: float
    url: str
    title: str


@dataclass(frozen=True)
class ChartSeries:
    label: str
    css: str
    points: tuple[ChartPoint, ...]

    @property
    def path(self) -> str:
        """The polyline's points attribute."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[ChartSeries, ...]
    x_title: str
    y_title: str

    @property
    def bottom(self) -> int:
        """The y of the plot area's bottom edge."""
        return self.top + self.plot_height

    @property
    def right(self) -> int:
        """The x of the plot area's right edge."""
        return self.left + self.plot_width


def nice_step(top: float, ticks: int = 5, whole: bool = False) -> float:
    """A step of 1, 2 or 5 times a power of ten giving at most ``ticks`` steps up to ``top`` (at least 1 if ``whole``)."""
    if top <= 0:
        return 1
    raw = max(top / ticks, 1) if whole else top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def line_chart(
    periods: Sequence[str],
    period_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], Sequence[str], Sequence[str]]],
    x_title: str,
    y_title: str,
    whole: bool = True,
) -> Chart:
    """A chart of ``series`` as (label, values, link per point, title per point) over ``periods``.

    ``whole``: the values are counts, so the value axis has whole-number ticks.
    """
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max((v for _, values, _, _ in series for v in values), default=0)
    step = nice_step(top_value, whole=whole)
    ceiling = max(step, math.ceil(top_value / step) * step)

    def x_of(i: int) -> float:
        return LEFT + (plot_width / 2 if len(periods) == 1 else i * plot_width / (len(periods) - 1))

    def y_of(value: float) -> float:
        return TOP + plot_height - value / ceiling * plot_height

    every = max(1, math.ceil(len(periods) / MAX_X_LABELS))
    if len(periods) > MAX_X_LABELS and all(len(p) == 7 for p in periods):
        # Months: label Januaries (or every n-th January), so labels fall on whole years.
        januaries = [i for i, p in enumerate(periods) if p.endswith("-01")]
        every_year = max(1, math.ceil(len(januaries) / MAX_X_LABELS))
        x_ticks = tuple(Tick(x_of(i), periods[i][:4]) for i in januaries[::every_year])
    else:
        x_ticks = tuple(Tick(x_of(i), period_labels[i]) for i in range(0, len(periods), every))
    y_ticks = tuple(Tick(y_of(v * step), _number(v * step)) for v in range(round(ceiling / step) + 1))
    drawn = tuple(
        ChartSeries(
            label, f"s{n % 6}", tuple(ChartPoint(x_of(i), y_of(v), v, urls[i], titles[i]) for i, v in enumerate(values))
        )
        for n, (label, values, urls, titles) in enumerate(series)
    )
    return Chart(WIDTH, HEIGHT, LEFT, TOP, plot_width, plot_height, x_ticks, y_ticks, drawn, x_title, y_title)


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    path: str
    first: str
    last: str
    title: str


def sparkline(counts: Sequence[tuple[str, int]], width: int = 160, height: int = 28) -> Sparkline | None:
    """A small line of (period, count) pairs in period order; None with fewer than two periods."""
    if len(counts) < 2:
        return None
    top = max(c for _, c in counts) or 1
    step = (width - 2) / (len(counts) - 1)
    path = " ".join(f"{1 + i * step:.1f},{height - 2 - c / top * (height - 4):.1f}" for i, (_, c) in enumerate(counts))
    title = "、".join(f"{p}年 {c} 篇" for p, c in counts)
    return Sparkline(width, height, path, counts[0][0], counts[-1][0], title)
