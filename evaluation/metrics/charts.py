"""Charts drawn on the server as inline SVG: no script, no outside library, no style
attribute (colours are SVG presentation attributes; the layout lives in
static/metrics/dashboard.css). Every chart has a title and a description for screen readers,
and the dashboard puts its data table right after it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 44
PALETTE = ("#1f6fb2", "#d9822b", "#2e8540", "#b3261e")


@dataclass
class Series:
    label: str
    values: Sequence[float | int | None]
    colour: str = PALETTE[0]


def _n(value: float) -> str:
    return f"{value:.1f}"


def _nice_max(value: float) -> float:
    """The top of a count axis: four whole-number steps of 1, 2 or 5 × 10^k (or 2.5 × 10^k
    from 10 up) covering `value`."""
    if value <= 0:
        return 4
    magnitude = 1
    while True:
        for step in (1, 2, 2.5, 5):
            size = step * magnitude
            if size == int(size) and size * 4 >= value:
                return size * 4
        magnitude *= 10


def _scale(lo: float, hi: float):
    plot_h = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - lo) / ((hi - lo) or 1))

    return y


def _x_positions(n: int) -> list[float]:
    plot_w = WIDTH - LEFT - RIGHT
    if n <= 1:
        return [LEFT + plot_w / 2] * n
    return [LEFT + plot_w * i / (n - 1) for i in range(n)]


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%" if value * 100 == round(value * 100) else f"{value * 100:.1f}%"
    return f"{value:g}"


def _frame(chart_id: str, title: str, description: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="metrics-chart" id="{id}" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=HEIGHT,
        title=title,
        desc=description,
        body=body,
    )


def _axes(labels: Sequence[str], xs: Sequence[float], lo, hi, percent: bool) -> SafeString:
    y = _scale(lo, hi)
    parts = []
    for i in range(5):
        value = lo + (hi - lo) * i / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#d0d5dd" '
                'stroke-width="1"/><text x="{}" y="{ty}" text-anchor="end" font-size="11" '
                'fill="#444">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                LEFT - 6,
                _fmt(value, percent),
                y=_n(y(value)),
                ty=_n(y(value) + 4),
            )
        )
    step = max(1, math.ceil(len(labels) / 8))
    for i in range(0, len(labels), step):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#444">{}</text>',
                _n(xs[i]),
                HEIGHT - BOTTOM + 16,
                labels[i],
            )
        )
    return mark_safe("".join(parts))


def _legend(series: Sequence[Series]) -> SafeString:
    return format_html_join(
        "",
        '<rect x="{}" y="8" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="18" font-size="12" fill="#222">{}</text>',
        ((LEFT + i * 160, s.colour, LEFT + i * 160 + 16, s.label) for i, s in enumerate(series)),
    )


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    percent: bool = False,
) -> SafeString:
    """Lines over the labels; a None value breaks its line. Percent charts (values 0..1) start
    their axis at a round value under the smallest figure so that small changes show."""
    values = [v for s in series for v in s.values if v is not None]
    if percent:
        hi = 1.0
        lo = max(0.0, math.floor((min(values, default=0) - 0.02) * 10) / 10) if values else 0.0
        lo = min(lo, 0.9)
    else:
        lo, hi = 0, _nice_max(max(values, default=0))
    xs = _x_positions(len(labels))
    y = _scale(lo, hi)
    paths = []
    for s in series:
        d, pen_down = [], False
        for x, v in zip(xs, s.values, strict=False):
            if v is None:
                pen_down = False
                continue
            d.append(f"{'L' if pen_down else 'M'}{x:.1f},{y(v):.1f}")
            pen_down = True
        if d:
            paths.append(
                format_html(
                    '<path d="{}" fill="none" stroke="{}" stroke-width="2" '
                    'stroke-linejoin="round"/>',
                    " ".join(d),
                    s.colour,
                )
            )
        if len(labels) <= 40:
            paths.extend(
                format_html(
                    '<circle cx="{}" cy="{}" r="2.5" fill="{}"/>', _n(x), _n(y(v)), s.colour
                )
                for x, v in zip(xs, s.values, strict=False)
                if v is not None
            )
    body = mark_safe(_axes(labels, xs, lo, hi, percent) + _legend(series) + "".join(paths))
    return _frame(chart_id, title, description, body)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Series,
) -> SafeString:
    """One bar per label (counts)."""
    hi = _nice_max(max((v or 0 for v in series.values), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    n = max(len(labels), 1)
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.7)
    xs = [LEFT + slot * (i + 0.5) for i in range(len(labels))]
    y = _scale(0, hi)
    bars = [
        format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
            _n(x - bar_w / 2),
            _n(y(v or 0)),
            _n(bar_w),
            _n(y(0) - y(v or 0)),
            series.colour,
        )
        for x, v in zip(xs, series.values, strict=False)
    ]
    body = mark_safe(_axes(labels, xs, 0, hi, False) + _legend([series]) + "".join(bars))
    return _frame(chart_id, title, description, body)


def hbar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    percent: bool = False,
    colour: str = PALETTE[2],
) -> SafeString:
    """Horizontal bars, one row per label (the ranking's leaders)."""
    row_h = 22
    height = TOP + row_h * len(labels) + 8
    label_w = 180
    plot_w = WIDTH - label_w - RIGHT - 60
    hi = 1.0 if percent else _nice_max(max((v or 0 for v in values), default=0))
    rows = []
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        top = TOP + i * row_h
        width = plot_w * (value or 0) / hi
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#222">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11" fill="#222">{}</text>',
                label_w - 6,
                top + 15,
                label,
                label_w,
                top + 3,
                _n(width),
                row_h - 6,
                colour,
                _n(label_w + width + 4),
                top + 15,
                "—" if value is None else _fmt(value, percent),
            )
        )
    body = mark_safe("".join(rows))
    return format_html(
        '<svg class="metrics-chart" id="{id}" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        desc=description,
        body=body,
    )
