"""Small server-side SVG charts for report pages.

Charts are rendered as static SVG strings so that dashboards work without
JavaScript, print well and can be embedded in exports.  Accessibility is
built in rather than bolted on:

* the root is ``<svg role="img" aria-labelledby=...>`` with ``<title>`` and
  ``<desc>``, so a screen reader announces a meaningful name;
* every value is printed as text next to its bar or point, and labels are
  written directly on the chart - nothing depends on telling colours apart
  and there is no colour legend;
* shapes and text use ``currentColor`` so the chart follows the page's text
  colour in light and dark themes with full contrast;
* every element carries a ``chart-`` class so a stylesheet can restyle it
  without per-element inline styles (which also keeps the output small).

All text that reaches the SVG goes through ``_esc`` because labels are user
data (unit names such as ``Trường THPT "Nguyễn Huệ" <A&B>``).
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import unicodedata
from collections.abc import Callable, Sequence

__all__ = [
    "DEFAULT_BINS",
    "bar_chart",
    "line_chart",
    "histogram",
    "bin_counts",
    "empty_chart",
]

# Score histograms default to ten-point bands; the last one also takes 100.
DEFAULT_BINS: tuple[tuple[float, float], ...] = tuple(
    (float(lo), float(lo + 10)) for lo in range(0, 100, 10)
)

# Layout constants in viewBox units (the SVG scales to its container).
_WIDTH = 600.0
_FONT_SIZE = 12
_LABEL_MAX_CHARS = 28
_ELLIPSIS = "\u2026"

# Characters that are not allowed anywhere in an XML 1.0 document; user data
# containing them would make the whole page's SVG unparseable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ID_OK = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")

ValueFormat = Callable[[float], str]


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _esc(text: object) -> str:
    """Escape for both XML text and double/single-quoted attributes.

    NFC-normalises so Vietnamese diacritics are stored precomposed (shorter,
    and truncation cannot split a letter from its accent) and removes
    characters XML 1.0 forbids.
    """
    cleaned = _XML_INVALID.sub("", unicodedata.normalize("NFC", str(text)))
    return html.escape(cleaned, quote=True)


def _n(x: float) -> str:
    """Coordinate with at most one decimal and no trailing zeros."""
    s = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _default_format(value: float, unit: str) -> str:
    """Whole numbers without decimals, others with one; unit appended as-is.

    The unit is appended verbatim ("%" -> "72.5%"); pass " pts" if a space
    is wanted.
    """
    if float(value).is_integer():
        text = str(int(value))
    else:
        text = f"{value:.1f}"
        if text in ("-0.0",):
            text = "0"
    return f"{text}{unit}"


def _truncate(label: str, limit: int = _LABEL_MAX_CHARS) -> str:
    """Shorten a label for display; the caller keeps the full one in <title>."""
    label = unicodedata.normalize("NFC", label)
    if len(label) <= limit:
        return label
    return label[: limit - 1].rstrip() + _ELLIPSIS


def _check_finite(values: Sequence[float], what: str) -> None:
    for v in values:
        if not math.isfinite(v):
            raise ValueError(f"{what} values must be finite numbers, got {v!r}")


def _nice_ceiling(x: float) -> float:
    """Round an axis maximum up to 1, 2, 2.5 or 5 x 10^k for readable ticks."""
    if x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    base = 10.0**exp
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if x <= step * base + 1e-12 * base:
            return step * base
    return 10.0 * base


def _chart_id(chart_id: str | None, *parts: object) -> str:
    """Id used by aria-labelledby.

    Deterministic by default (hash of the content) so output is stable for
    tests and caching; pass ``chart_id`` when the same chart appears twice on
    one page and ids must differ.
    """
    if chart_id is not None:
        if not _ID_OK.match(chart_id):
            raise ValueError(f"chart_id must be a simple XML id, got {chart_id!r}")
        return chart_id
    digest = hashlib.sha1(repr(parts).encode("utf-8"), usedforsecurity=False)
    return "chart-" + digest.hexdigest()[:10]


def _open_svg(kind: str, cid: str, width: float, height: float, title: str, desc: str) -> list[str]:
    """Root element, title and desc shared by every chart.

    Presentation attributes on the root (font, fill) are inherited by all
    children, so no element repeats them.
    """
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-kind-{kind}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" font-family="sans-serif" '
        f'font-size="{_FONT_SIZE}" fill="currentColor">',
        f'<title id="{cid}-title">{_esc(title)}</title>',
        f'<desc id="{cid}-desc">{_esc(desc)}</desc>',
    ]


def empty_chart(
    *, title: str, desc: str, empty_text: str = "No data", chart_id: str | None = None
) -> str:
    """A small, still-accessible SVG saying there is nothing to plot.

    Used instead of an empty axis so that a reader is told explicitly that
    there is no data rather than seeing a blank box.
    """
    cid = _chart_id(chart_id, "empty", title, desc, empty_text)
    parts = _open_svg("empty", cid, 300, 40, title, desc)
    parts.append(
        f'<text class="chart-empty" x="150" y="24" text-anchor="middle">{_esc(empty_text)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------
# Bar chart
# --------------------------------------------------------------------------


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str,
    max_value: float | None = 100,
    unit: str = "%",
    empty_text: str = "No data",
    value_format: ValueFormat | None = None,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars, one row per label, value printed at the bar end.

    Horizontal layout keeps long unit names readable.  ``max_value`` is the
    value drawn as a full-length bar (100 for percentages); None scales to
    the largest value.  Values above the maximum are drawn full length and
    negative values as zero length, but the printed text is always the real
    value.  Labels longer than ~28 characters are cut with an ellipsis; the
    full label and value stay in the row's ``<title>``.
    """
    if not items:
        return empty_chart(title=title, desc=desc, empty_text=empty_text, chart_id=chart_id)
    values = [float(v) for _, v in items]
    _check_finite(values, "bar_chart")
    scale_max = max(values) if max_value is None else float(max_value)
    if not math.isfinite(scale_max) or scale_max <= 0:
        scale_max = 1.0
    fmt = value_format or (lambda v: _default_format(v, unit))

    label_right = 196.0  # labels are right-aligned against this x
    bar_x = 202.0
    bar_span = _WIDTH - bar_x - 70.0  # leave room for the value text
    row_h = 24.0
    bar_h = 16.0
    top = 8.0
    height = top * 2 + row_h * len(items)

    cid = _chart_id(chart_id, "bar", title, desc, list(items), max_value, unit)
    parts = _open_svg("bar", cid, _WIDTH, height, title, desc)
    for i, ((label, _), value) in enumerate(zip(items, values, strict=True)):
        y = top + i * row_h
        length = bar_span * min(max(value, 0.0), scale_max) / scale_max
        text_y = y + row_h / 2 + _FONT_SIZE * 0.35
        shown = fmt(value)
        parts.append(
            f'<g class="chart-row"><title>{_esc(label)}: {_esc(shown)}</title>'
            f'<text class="chart-label" x="{_n(label_right)}" y="{_n(text_y)}" '
            f'text-anchor="end">{_esc(_truncate(str(label)))}</text>'
            f'<rect class="chart-bar" x="{_n(bar_x)}" y="{_n(y + (row_h - bar_h) / 2)}" '
            f'width="{_n(length)}" height="{_n(bar_h)}"/>'
            f'<text class="chart-value" x="{_n(bar_x + length + 4)}" y="{_n(text_y)}">'
            f"{_esc(shown)}</text></g>"
        )
    # Baseline makes zero-length bars visibly "zero" rather than missing.
    parts.append(
        f'<line class="chart-axis" x1="{_n(bar_x)}" y1="{_n(top)}" x2="{_n(bar_x)}" '
        f'y2="{_n(height - top)}" stroke="currentColor"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------
# Line chart
# --------------------------------------------------------------------------


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str,
    unit: str = "",
    empty_text: str = "No data",
    value_format: ValueFormat | None = None,
    chart_id: str | None = None,
) -> str:
    """Values over evenly spaced categories (months, dates), y from 0 up.

    Every point is a circle with its value printed above it and a
    ``<title>`` holding "label: value".  With many points the x labels and
    value texts are thinned to at most ~24 visible so they do not overlap;
    the per-point ``<title>`` still carries every one.  A single point is
    drawn centred without a line.  Negative values extend the axis below 0.
    """
    if not points:
        return empty_chart(title=title, desc=desc, empty_text=empty_text, chart_id=chart_id)
    values = [float(v) for _, v in points]
    _check_finite(values, "line_chart")
    fmt = value_format or (lambda v: _default_format(v, unit))

    left, right, top, bottom = 48.0, 20.0, 24.0, 36.0
    height = 260.0
    plot_w = _WIDTH - left - right
    plot_h = height - top - bottom
    y_max = _nice_ceiling(max(max(values), 0.0))
    y_min = -_nice_ceiling(-min(values)) if min(values) < 0 else 0.0
    span = y_max - y_min

    def px(i: int) -> float:
        if len(points) == 1:
            return left + plot_w / 2
        return left + plot_w * i / (len(points) - 1)

    def py(v: float) -> float:
        return top + plot_h * (y_max - v) / span

    step = max(1, math.ceil(len(points) / 24))

    cid = _chart_id(chart_id, "line", title, desc, list(points), unit)
    parts = _open_svg("line", cid, _WIDTH, height, title, desc)

    # Y axis with three labelled ticks (min, middle, max) and the x axis at 0.
    for tick in (y_min, (y_min + y_max) / 2, y_max):
        ty = py(tick)
        parts.append(
            f'<text class="chart-tick" x="{_n(left - 6)}" y="{_n(ty + _FONT_SIZE * 0.35)}" '
            f'text-anchor="end">{_esc(fmt(tick))}</text>'
        )
    parts.append(
        f'<path class="chart-axis" d="M{_n(left)} {_n(top)}V{_n(top + plot_h)}'
        f'M{_n(left)} {_n(py(0))}H{_n(left + plot_w)}" stroke="currentColor" fill="none"/>'
    )

    if len(points) > 1:
        coords = " ".join(f"{_n(px(i))},{_n(py(v))}" for i, v in enumerate(values))
        parts.append(
            f'<polyline class="chart-line" points="{coords}" fill="none" '
            f'stroke="currentColor" stroke-width="2"/>'
        )

    for i, ((label, _), value) in enumerate(zip(points, values, strict=True)):
        x, y = px(i), py(value)
        shown = fmt(value)
        visible = i % step == 0 or i == len(points) - 1
        row = [
            f'<g class="chart-point"><title>{_esc(label)}: {_esc(shown)}</title>'
            f'<circle class="chart-marker" cx="{_n(x)}" cy="{_n(y)}" r="3.5"/>'
        ]
        if visible:
            row.append(
                f'<text class="chart-value" x="{_n(x)}" y="{_n(y - 8)}" '
                f'text-anchor="middle">{_esc(shown)}</text>'
                f'<text class="chart-xlabel" x="{_n(x)}" y="{_n(height - bottom + 18)}" '
                f'text-anchor="middle">{_esc(_truncate(str(label), 12))}</text>'
            )
        row.append("</g>")
        parts.append("".join(row))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------
# Histogram
# --------------------------------------------------------------------------


def bin_counts(
    values: Sequence[float], bins: Sequence[tuple[float, float]] | None = None
) -> tuple[list[int], int]:
    """Count values per bin; return (counts, number of values outside all bins).

    A value falls in the first bin with ``lo <= v < hi``; the upper edge of
    the *last* bin is inclusive so a score of 100 lands in 90-100.  Values
    outside every bin (and NaN) are ignored rather than clamped - clamping
    would silently turn bad data into plausible scores - and reported via
    the second element so the chart can say how many were left out.
    """
    edges = list(DEFAULT_BINS if bins is None else bins)
    if not edges:
        raise ValueError("histogram needs at least one bin")
    for lo, hi in edges:
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError(f"invalid histogram bin ({lo!r}, {hi!r}): need finite lo < hi")
    counts = [0] * len(edges)
    outside = 0
    last = len(edges) - 1
    for raw in values:
        v = float(raw)
        for i, (lo, hi) in enumerate(edges):
            if lo <= v < hi or (i == last and v == hi):
                counts[i] += 1
                break
        else:
            outside += 1
    return counts, outside


def _bin_label(lo: float, hi: float) -> str:
    return f"{_default_format(lo, '')}\u2013{_default_format(hi, '')}"


def histogram(
    values: Sequence[float],
    *,
    bins: Sequence[tuple[float, float]] | None = None,
    title: str,
    desc: str,
    empty_text: str = "No data",
    outside_text: str = "{n} value(s) outside the range not shown",
    chart_id: str | None = None,
) -> str:
    """Vertical bars of how many values fall in each bin, count printed on top.

    Default bins are 0-10, ..., 90-100 (see ``bin_counts`` for edge rules).
    Values outside the bins are ignored; when there are any, a note using
    ``outside_text`` (``{n}`` is replaced by the count, translatable) is
    printed under the chart so the omission is visible.
    """
    if not values:
        return empty_chart(title=title, desc=desc, empty_text=empty_text, chart_id=chart_id)
    edges = list(DEFAULT_BINS if bins is None else bins)
    counts, outside = bin_counts(values, edges)

    left, right, top = 16.0, 16.0, 22.0
    plot_h = 180.0
    label_band = 24.0
    note_band = 20.0 if outside else 0.0
    height = top + plot_h + label_band + note_band + 4
    slot = (_WIDTH - left - right) / len(edges)
    bar_w = slot * 0.8
    peak = max(counts) or 1
    base_y = top + plot_h

    cid = _chart_id(chart_id, "histogram", title, desc, list(values), edges)
    parts = _open_svg("histogram", cid, _WIDTH, height, title, desc)
    for i, ((lo, hi), count) in enumerate(zip(edges, counts, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        h = plot_h * count / peak
        label = _bin_label(lo, hi)
        mid = x + bar_w / 2
        parts.append(
            f'<g class="chart-bin"><title>{_esc(label)}: {count}</title>'
            f'<rect class="chart-bar" x="{_n(x)}" y="{_n(base_y - h)}" '
            f'width="{_n(bar_w)}" height="{_n(h)}"/>'
            f'<text class="chart-value" x="{_n(mid)}" y="{_n(base_y - h - 5)}" '
            f'text-anchor="middle">{count}</text>'
            f'<text class="chart-xlabel" x="{_n(mid)}" y="{_n(base_y + 16)}" '
            f'text-anchor="middle">{_esc(label)}</text></g>'
        )
    parts.append(
        f'<line class="chart-axis" x1="{_n(left)}" y1="{_n(base_y)}" '
        f'x2="{_n(_WIDTH - right)}" y2="{_n(base_y)}" stroke="currentColor"/>'
    )
    if outside:
        parts.append(
            f'<text class="chart-note" x="{_n(left)}" y="{_n(base_y + label_band + 14)}">'
            f"{_esc(outside_text.replace('{n}', str(outside)))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
