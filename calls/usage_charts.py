"""The usage dashboard's charts, drawn on the server as inline SVG: no script, no CDN, nothing the CSP blocks
(SVG presentation attributes are not style attributes). Each bar and point carries a <title>: the browser
shows it on hover."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .usage_report import ModelCost, UsageRow

WIDTH, WIDE, HEIGHT = 640, 1300, 210
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 30
CALLS_COLOR, ERRORS_COLOR, GRID_COLOR, TEXT_COLOR = "#3b82c4", "#e5484d", "#e3e7ec", "#6b7785"
CURRENCY_COLORS = ("#2f9e6e", "#c2702a", "#7a5cc7", "#b83280")
MODEL_BARS = 10


def compact(value: float | Decimal) -> str:
    """1234 -> "1.2k", 5600000 -> "5.6M", 0.0042 -> "0.0042": short labels for axes."""
    number = float(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}".rstrip("0").rstrip(".") + suffix
    if number and abs(number) < 1:
        return f"{number:.4f}".rstrip("0").rstrip(".")
    return f"{number:.2f}".rstrip("0").rstrip(".")


def money(amount: Decimal) -> str:
    """12.5 -> "12.50", 1234.5 -> "1,234.50", 0.00421 -> "0.0042": cents, or four places for small sums."""
    return f"{amount:,.2f}" if abs(amount) >= 1 else f"{amount:.4f}"


def nice_axis(value: float) -> tuple[float, int]:
    """The top of an axis over ``value`` and its number of intervals (3 to 5), each a round 1, 2, 2.5 or 5
    times a power of ten: 2.2 -> (2.5, 5), 730 -> (800, 4)."""
    if value <= 0:
        return 1.0, 4
    power = 10 ** (math.floor(math.log10(value)) - 1)
    for step in (s * power * 10**k for k in range(3) for s in (1, 2, 2.5, 5)):
        intervals = math.ceil(value / step - 1e-9)
        if intervals <= 5:
            return step * max(intervals, 3), max(intervals, 3)
    return value, 4


def calls_chart(series: Sequence[UsageRow]) -> SafeString:
    """Calls per day (or hour) as bars, the failed part of each in red on top; the page's full width."""
    top, intervals = nice_axis(max((row.figures.calls for row in series), default=0))
    slot = _plot_width(WIDE) / max(len(series), 1)
    bars = []
    for index, row in enumerate(series):
        x = LEFT + index * slot + slot * 0.15
        ok_height = _height(row.figures.calls - row.figures.errors, top)
        error_height = _height(row.figures.errors, top)
        tip = _("%(when)s: %(calls)s calls, %(errors)s errors") % {
            "when": row.label,
            "calls": row.figures.calls,
            "errors": row.figures.errors,
        }
        bars.append(
            format_html(
                '<g><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="1.5"/>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/></g>',
                tip,
                _n(x),
                _n(TOP + _plot_height() - ok_height),
                _n(slot * 0.7),
                _n(ok_height),
                CALLS_COLOR,
                _n(x),
                _n(TOP + _plot_height() - ok_height - error_height),
                _n(slot * 0.7),
                _n(error_height),
                ERRORS_COLOR,
            )
        )
    body = _grid(top, intervals, width=WIDE) + _x_labels(series, width=WIDE) + mark_safe("".join(bars))  # noqa: S308
    return _svg(_("Calls over time"), body, width=WIDE)


def cost_chart(series: Sequence[UsageRow], currencies: Sequence[str]) -> SafeString:
    """Cost per day (or hour), one line per currency, each against its own axis (one chart per currency)."""
    return format_html_join(
        "", "{}", ((_cost_line(series, currency, index),) for index, currency in enumerate(currencies))
    )


def _cost_line(series: Sequence[UsageRow], currency: str, index: int) -> SafeString:
    color = CURRENCY_COLORS[index % len(CURRENCY_COLORS)]
    values = [row.figures.cost_in(currency) for row in series]
    top, intervals = nice_axis(float(max(values, default=Decimal(0))))
    slot = _plot_width() / max(len(series), 1)
    points = [(LEFT + (i + 0.5) * slot, TOP + _plot_height() - _height(value, top)) for i, value in enumerate(values)]
    line = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    base = TOP + _plot_height()
    area = f"{_n(points[0][0])},{_n(base)} {line} {_n(points[-1][0])},{_n(base)}" if points else ""
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="{}" fill="{}"><title>{}: {} {}</title></circle>',
        (
            (_n(x), _n(y), 2.5 if len(points) <= 62 else 1.2, color, row.label, f"{value:.4f}", currency)
            for (x, y), row, value in zip(points, series, values, strict=True)
        ),
    )
    shapes = format_html(
        '<polygon points="{}" fill="{}" fill-opacity="0.12"/><polyline points="{}" fill="none" stroke="{}" '
        'stroke-width="2" stroke-linejoin="round"/>{}',
        area,
        color,
        line,
        color,
        dots,
    )
    title = _("Cost over time (%(currency)s)") % {"currency": currency}
    return _svg(title, _grid(top, intervals) + _x_labels(series) + shapes)


def model_cost_chart(costs: Sequence[ModelCost], currencies: Sequence[str]) -> SafeString:
    """The ten most expensive models of each currency as horizontal bars, the amount at each bar's end."""
    charts = []
    for index, currency in enumerate(currencies):
        mine = [item for item in costs if item.currency == currency][:MODEL_BARS]
        if mine:
            charts.append(_model_bars(mine, currency, CURRENCY_COLORS[index % len(CURRENCY_COLORS)]))
    return format_html_join("", "{}", ((chart,) for chart in charts))


def _model_bars(costs: Sequence[ModelCost], currency: str, color: str) -> SafeString:
    row_height, label_width, value_width = 22, 200, 90
    height = TOP + row_height * len(costs) + 6
    top = float(costs[0].cost)
    span = WIDTH - label_width - value_width
    rows = format_html_join(
        "",
        '<g><title>{}: {} {}</title><text x="{}" y="{}" text-anchor="end" class="md-chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>'
        '<text x="{}" y="{}" class="md-chart-value">{}</text></g>',
        (
            (
                item.model,
                f"{item.cost:.4f}",
                currency,
                label_width - 8,
                TOP + i * row_height + 15,
                _shorten(item.model or "—", 30),
                label_width,
                TOP + i * row_height + 4,
                _n(max(span * float(item.cost) / top, 1.5) if top else 1.5),
                row_height - 8,
                color,
                _n(label_width + max(span * float(item.cost) / top, 1.5) + 6 if top else label_width + 6),
                TOP + i * row_height + 15,
                f"{money(item.cost)} {currency}",
            )
            for i, item in enumerate(costs)
        ),
    )
    title = _("Cost by model (%(currency)s)") % {"currency": currency}
    return _svg(title, rows, height=height)


def _svg(title: str, body: SafeString, *, height: int = HEIGHT, width: int = WIDTH) -> SafeString:
    return format_html(
        '<figure class="md-chart"><figcaption>{}</figcaption><svg viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'font-family="system-ui, sans-serif" font-size="11">{}</svg></figure>',
        title,
        width,
        height,
        title,
        body,
    )


def _grid(top: float, intervals: int, *, width: int = WIDTH) -> SafeString:
    """A horizontal line at each tick, its value on the left."""
    lines = []
    for tick in range(intervals + 1):
        value = top * tick / intervals
        y = TOP + _plot_height() - _plot_height() * tick / intervals
        lines.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                LEFT,
                width - RIGHT,
                _n(y),
                _n(y),
                GRID_COLOR,
                LEFT - 6,
                _n(y + 4),
                TEXT_COLOR,
                compact(value),
            )
        )
    return mark_safe("".join(lines))  # noqa: S308


def _x_labels(series: Sequence[UsageRow], *, width: int = WIDTH) -> SafeString:
    """Labels along the bottom, evenly spaced and never overlapping, the first and the last included."""
    if not series:
        return mark_safe("")
    slot = _plot_width(width) / len(series)
    labels = [_axis_label(row.label) for row in series]
    room = max(len(label) for label in labels) * 6.5 + 14  # px a label needs, at 11 px type
    every = max(1, math.ceil(room / slot))
    picked = sorted({*range(0, len(series), every), len(series) - 1})
    if len(picked) > 1 and (picked[-1] - picked[-2]) * slot < room:
        picked.pop(-2)
    return format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
        ((_n(LEFT + (i + 0.5) * slot), HEIGHT - 10, TEXT_COLOR, labels[i]) for i in picked),
    )


def _axis_label(label: str) -> str:
    """ "2026-11-30" -> "11-30", "2026-11-30 14:00" -> "30 14:00": the year is in the filter."""
    return label[8:10] + label[10:] if len(label) > 10 else label[5:]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _height(value: float | Decimal | int, top: float) -> float:
    return _plot_height() * float(value) / top if top else 0.0


def _plot_width(width: int = WIDTH) -> int:
    return width - LEFT - RIGHT


def _plot_height() -> int:
    return HEIGHT - TOP - BOTTOM


def _n(value: float) -> str:
    return f"{value:.1f}"
