"""Bar and line charts as geometry for server-side SVG (templates/indicators/_charts.html).

No JavaScript and no style attributes: the template draws these shapes with SVG
presentation attributes and CSS classes (`chart-s0`, `chart-s1`, ...), so the strict
Content-Security-Policy holds and the chart prints. Every chart has a title and a
description for screen readers, and the page puts its data table beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lerend_netwerk.indicators.tables import format_int

# Fallback colours (CSS classes override them) and dash patterns, so that series stay
# apart in grey print and for people who do not see the colours.
COLOURS = ("#0b5c8e", "#e8a317", "#1e7b45", "#b3261e")
DASHES = ("none", "6 4", "2 3", "10 3 2 3")
FONT_WIDTH = 7.2  # average width of a character at font-size 13, for layout


def _r(value: float) -> float:
    """Coordinates with one decimal: short SVG, no visible difference."""
    return round(value, 1)


def _n(value: int) -> str:
    return format_int(value)


def nice_ticks(maximum: float, target: int = 5) -> list[int]:
    """Round, evenly spaced integer ticks from 0 to at least `maximum`."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if raw <= m * magnitude)
    step = max(1, math.ceil(step))
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


@dataclass
class Series:
    name: str
    values: list[int]


@dataclass
class LegendItem:
    x: float
    y: float
    name: str
    index: int
    colour: str
    dash: str


@dataclass
class Tick:
    """A grid line (x1, y1, x2, y2) and its value's label, anchored at `at` (x, y)."""

    line: tuple[float, float, float, float]
    label: str
    at: tuple[float, float]
    anchor: str


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    index: int
    colour: str
    value: int
    text: str
    text_x: float
    text_y: float


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str


@dataclass(kw_only=True)
class Chart:
    """What every chart has: its title and text equivalent, its size and the plot area's
    edges, its legend, the grid lines of its values and the labels of its categories
    (the template draws it as an SVG with a title and a description)."""

    id: str
    title: str
    desc: str
    width: float
    height: float
    plot_left: float
    plot_top: float
    plot_bottom: float
    legend: list[LegendItem] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


@dataclass(kw_only=True)
class BarChart(Chart):
    """Horizontal bars, one group per category and one bar per series."""

    plot_width: float
    bars: list[Bar] = field(default_factory=list)
    kind: str = "bar"


@dataclass
class Point:
    x: float
    y: float
    value: int
    title: str


@dataclass
class Line:
    name: str
    index: int
    colour: str
    dash: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(kw_only=True)
class LineChart(Chart):
    """One line per series over categories along the x axis (quarters)."""

    plot_right: float
    lines: list[Line] = field(default_factory=list)
    kind: str = "line"


def describe(kind: str, categories: list[str], series: list[Series], table_caption: str) -> str:
    """A text equivalent: every value when there are few, else a pointer to the table."""
    names = ", ".join(s.name for s in series)
    head = f"{kind} van {names}"
    if len(categories) <= 12:
        parts = []
        for i, category in enumerate(categories):
            values = ", ".join(f"{s.name.lower()} {_n(s.values[i])}" for s in series)
            parts.append(f"{category}: {values}")
        body = "; ".join(parts)
        return f"{head}. {body}. Dezelfde cijfers staan in de tabel ‘{table_caption}’."
    highest = ", ".join(
        f"{s.name.lower()} hoogstens {_n(max(s.values, default=0))}" for s in series
    )
    return (
        f"{head} over {len(categories)} punten, van {categories[0]} tot {categories[-1]}; "
        f"{highest}. De cijfers staan in de tabel ‘{table_caption}’."
    )


def _legend(series: list[Series], left: float, y: float) -> list[LegendItem]:
    items, x = [], left
    for i, s in enumerate(series):
        items.append(
            LegendItem(
                x=x,
                y=y,
                name=s.name,
                index=i,
                colour=COLOURS[i % len(COLOURS)],
                dash=DASHES[i % len(DASHES)],
            )
        )
        x = _r(x + 28 + FONT_WIDTH * len(s.name) + 16)
    return items


def bar_chart(
    chart_id: str,
    title: str,
    categories: list[str],
    series: list[Series],
    table_caption: str,
) -> BarChart:
    """Lay out a horizontal grouped bar chart."""
    bar_height, bar_gap, group_gap = 18.0, 3.0, 14.0
    label_width = min(280.0, 16 + FONT_WIDTH * max((len(c) for c in categories), default=4))
    plot_width = 300.0
    value_room = 64.0
    legend_height = 28.0 if len(series) > 1 else 0.0
    top = 8.0 + legend_height
    group_height = len(series) * bar_height + (len(series) - 1) * bar_gap
    ticks = nice_ticks(max((v for s in series for v in s.values), default=0))
    scale = plot_width / ticks[-1]
    chart = BarChart(
        id=chart_id,
        title=title,
        desc=describe("Staafdiagram", categories, series, table_caption),
        width=_r(label_width + plot_width + value_room),
        height=0,
        plot_left=_r(label_width),
        plot_top=top,
        plot_width=plot_width,
        plot_bottom=0,
        legend=_legend(series, label_width, 18.0) if legend_height else [],
    )
    y = top + group_gap / 2
    for ci, category in enumerate(categories):
        chart.labels.append(
            Label(
                x=_r(label_width - 8), y=_r(y + group_height / 2 + 4.5), text=category, anchor="end"
            )
        )
        for si, s in enumerate(series):
            value = s.values[ci]
            bar_y = y + si * (bar_height + bar_gap)
            width = value * scale
            chart.bars.append(
                Bar(
                    x=_r(label_width),
                    y=_r(bar_y),
                    width=_r(width),
                    height=bar_height,
                    index=si,
                    colour=COLOURS[si % len(COLOURS)],
                    value=value,
                    text=_n(value),
                    text_x=_r(label_width + width + 5),
                    text_y=_r(bar_y + bar_height / 2 + 4.5),
                )
            )
        y += group_height + group_gap
    chart.plot_bottom = _r(y)
    # Vertical grid lines, their values below the plot.
    for t in ticks:
        x = _r(label_width + t * scale)
        end = chart.plot_bottom
        chart.ticks.append(Tick((x, top, x, end), _n(t), (x, end + 16), "middle"))
    chart.height = _r(y + 24)
    return chart


def line_chart(
    chart_id: str,
    title: str,
    categories: list[str],
    series: list[Series],
    table_caption: str,
) -> LineChart:
    """Lay out a line chart with one point per category."""
    width, height = 680.0, 320.0
    # Room on the right for half of the last quarter's label, centred on its point.
    left, right, top, bottom = 52.0, width - 36.0, 44.0, height - 56.0
    ticks = nice_ticks(max((v for s in series for v in s.values), default=0))
    y_scale = (bottom - top) / ticks[-1]
    count = len(categories)

    def x_of(i: int) -> float:
        return (left + right) / 2 if count == 1 else left + i * (right - left) / (count - 1)

    chart = LineChart(
        id=chart_id,
        title=title,
        desc=describe("Lijndiagram", categories, series, table_caption),
        width=width,
        height=height,
        plot_left=left,
        plot_top=top,
        plot_right=right,
        plot_bottom=bottom,
        legend=_legend(series, left, 20.0),
    )
    # Horizontal grid lines, their values left of the plot.
    for t in ticks:
        y = _r(bottom - t * y_scale)
        chart.ticks.append(Tick((left, y, right, y), _n(t), (left - 8, y + 4), "end"))
    every = max(1, math.ceil(count / 10))
    chart.labels = [
        Label(x=_r(x_of(i)), y=bottom + 20, text=c, anchor="middle")
        for i, c in enumerate(categories)
        if i % every == 0
    ]
    for si, s in enumerate(series):
        points = [
            Point(
                x=_r(x_of(i)),
                y=_r(bottom - value * y_scale),
                value=value,
                title=f"{categories[i]}: {s.name.lower()} {_n(value)}",
            )
            for i, value in enumerate(s.values)
        ]
        chart.lines.append(
            Line(
                name=s.name,
                index=si,
                colour=COLOURS[si % len(COLOURS)],
                dash=DASHES[si % len(DASHES)],
                points=points,
            )
        )
    return chart
