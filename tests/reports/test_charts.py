"""Tests for the SVG charts: well-formed XML, accessible structure, escaping
of user-supplied labels and the numbers actually drawn."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from lms.reports.charts import bar_chart, bin_counts, empty_chart, histogram, line_chart

NS = "{http://www.w3.org/2000/svg}"
VN = 'Trường "Nguyễn Huệ" & <A>'


def parse(svg: str) -> ET.Element:
    assert isinstance(svg, str)
    return ET.fromstring(svg)


def all_text(root: ET.Element) -> list[str]:
    """Every text node in the document (text elements and <title>s)."""
    return ["".join(el.itertext()) for el in root.iter() if el.text]


def assert_accessible(root: ET.Element, title: str, desc: str) -> None:
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox")
    assert root.get("height") is None  # only the viewBox sizes the chart
    assert root.get("fill") == "currentColor"  # follows the page's text colour
    title_el = root.find(f"{NS}title")
    desc_el = root.find(f"{NS}desc")
    assert title_el is not None and title_el.text == title
    assert desc_el is not None and desc_el.text == desc
    assert root.get("aria-labelledby").split() == [title_el.get("id"), desc_el.get("id")]
    for el in root.iter():
        cls = el.get("class")
        if cls:
            assert all(c.startswith("chart-") for c in cls.split()), cls
        assert el.get("style") is None


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if cls in (el.get("class") or "").split()]


# ------------------------------------------------------------------ bar chart


def test_bar_chart_structure_labels_and_values():
    items = [("Lớp 10A1", 72.5), (VN, 100.0), ("Zero", 0.0)]
    svg = bar_chart(items, title="Tỉ lệ hoàn thành", desc="Theo lớp")
    root = parse(svg)
    assert_accessible(root, "Tỉ lệ hoàn thành", "Theo lớp")
    labels = [el.text for el in by_class(root, "chart-label")]
    values = [el.text for el in by_class(root, "chart-value")]
    assert labels == ["Lớp 10A1", VN, "Zero"]
    assert values == ["72.5%", "100%", "0%"]
    assert len(by_class(root, "chart-row")) == 3
    # Each row carries its full label and value in a <title> child.
    row_titles = [row.find(f"{NS}title").text for row in by_class(root, "chart-row")]
    assert row_titles == ["Lớp 10A1: 72.5%", f"{VN}: 100%", "Zero: 0%"]


def test_bar_lengths_proportional_to_values():
    items = [("a", 10), ("b", 20), ("c", 50), ("d", 100)]
    root = parse(bar_chart(items, title="t", desc="d"))
    widths = [float(r.get("width")) for r in by_class(root, "chart-bar")]
    full = widths[-1]
    for (_, v), w in zip(items, widths, strict=True):
        assert w == pytest.approx(full * v / 100, abs=0.1)


def test_bar_chart_max_value_none_scales_to_largest_and_clamps():
    root = parse(bar_chart([("a", 5), ("b", 20)], title="t", desc="d", max_value=None, unit=""))
    w = [float(r.get("width")) for r in by_class(root, "chart-bar")]
    assert w[0] == pytest.approx(w[1] / 4, abs=0.1)
    assert [el.text for el in by_class(root, "chart-value")] == ["5", "20"]

    # Over the maximum: full-length bar, true value printed; negatives are zero length.
    root = parse(bar_chart([("over", 150), ("full", 100), ("neg", -5)], title="t", desc="d"))
    w = [float(r.get("width")) for r in by_class(root, "chart-bar")]
    assert w[0] == w[1] and w[2] == 0
    assert [el.text for el in by_class(root, "chart-value")] == ["150%", "100%", "-5%"]


def test_bar_chart_escapes_script_in_label():
    label = "<script>alert('x')</script>"
    svg = bar_chart([(label, 50)], title="<b>T</b>", desc="a & b")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert root.find(f"{NS}title").text == "<b>T</b>"
    assert by_class(root, "chart-label")[0].text == label
    assert not list(root.iter(f"{NS}script"))


def test_bar_chart_strips_xml_invalid_control_characters():
    root = parse(bar_chart([("bad\x00\x07name", 1)], title="t\x1b", desc="d"))
    assert by_class(root, "chart-label")[0].text == "badname"


def test_long_label_truncated_with_full_label_in_title():
    long = "Trường Trung học phổ thông chuyên Lê Hồng Phong Thành phố Hồ Chí Minh"
    root = parse(bar_chart([(long, 40)], title="t", desc="d"))
    shown = by_class(root, "chart-label")[0].text
    assert shown.endswith("…") and len(shown) <= 28
    assert long.startswith(shown[:-1])
    assert by_class(root, "chart-row")[0].find(f"{NS}title").text == f"{long}: 40%"


def test_coordinates_rounded_to_one_decimal():
    svg = bar_chart([("a", 33.333), ("b", 66.6666)], title="t", desc="d")
    for num in re.findall(r'(?:x|y|width|height|x1|x2|y1|y2)="(-?[\d.]+)"', svg):
        assert len(num.partition(".")[2]) <= 1, num


def test_custom_value_format_and_chart_id():
    svg = bar_chart(
        [("a", 12.34)],
        title="t",
        desc="d",
        value_format=lambda v: f"{v:.2f}".replace(".", ","),
        chart_id="c1",
    )
    root = parse(svg)
    assert by_class(root, "chart-value")[0].text == "12,34"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    with pytest.raises(ValueError):
        bar_chart([("a", 1)], title="t", desc="d", chart_id='x" onload="y')


def test_output_is_deterministic():
    args = ([("a", 1.0)],)
    assert bar_chart(*args, title="t", desc="d") == bar_chart(*args, title="t", desc="d")


def test_non_finite_values_rejected():
    with pytest.raises(ValueError):
        bar_chart([("a", float("nan"))], title="t", desc="d")
    with pytest.raises(ValueError):
        line_chart([("a", float("inf"))], title="t", desc="d")


# ------------------------------------------------------------------ empty data


@pytest.mark.parametrize(
    "render",
    [
        lambda **kw: bar_chart([], **kw),
        lambda **kw: line_chart([], **kw),
        lambda **kw: histogram([], **kw),
        lambda **kw: empty_chart(**kw),
    ],
    ids=["bar", "line", "histogram", "empty_chart"],
)
def test_empty_data_says_so(render):
    root = parse(render(title="T & <u>", desc="D"))
    assert_accessible(root, "T & <u>", "D")
    assert [el.text for el in by_class(root, "chart-empty")] == ["No data"]
    root = parse(render(title="T", desc="D", empty_text="Chưa có dữ liệu <>"))
    assert by_class(root, "chart-empty")[0].text == "Chưa có dữ liệu <>"


# ------------------------------------------------------------------ line chart


def test_line_chart_points_labels_and_values():
    points = [("2026-09", 10), ("2026-10", 25.5), ("2026-11", 40), (VN, 0)]
    root = parse(line_chart(points, title="Hoàn thành theo tháng", desc="d", unit="%"))
    assert_accessible(root, "Hoàn thành theo tháng", "d")
    assert len(by_class(root, "chart-marker")) == 4
    assert [el.text for el in by_class(root, "chart-value")] == ["10%", "25.5%", "40%", "0%"]
    assert [el.text for el in by_class(root, "chart-xlabel")][:3] == [
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    assert len(by_class(root, "chart-line")) == 1
    texts = all_text(root)
    for label, _ in points:
        assert any(t.startswith(label) for t in texts), label
    # Higher values are drawn higher (smaller y); zero sits on the x axis.
    ys = [float(c.get("cy")) for c in by_class(root, "chart-marker")]
    assert ys[2] < ys[1] < ys[0] < ys[3]


def test_line_chart_single_point():
    root = parse(line_chart([("2026-11-05", 7)], title="t", desc="d"))
    assert len(by_class(root, "chart-marker")) == 1
    assert not by_class(root, "chart-line")
    assert [el.text for el in by_class(root, "chart-value")] == ["7"]
    assert [el.text for el in by_class(root, "chart-xlabel")] == ["2026-11-05"]


def test_line_chart_all_zero_and_negative_values():
    root = parse(line_chart([("a", 0), ("b", 0)], title="t", desc="d"))
    assert [el.text for el in by_class(root, "chart-value")] == ["0", "0"]
    root = parse(line_chart([("a", -3), ("b", 4)], title="t", desc="d"))
    ys = [float(c.get("cy")) for c in by_class(root, "chart-marker")]
    assert ys[0] > ys[1]


def test_line_chart_many_points_keep_every_value_in_titles():
    points = [(f"d{i}", float(i)) for i in range(100)]
    root = parse(line_chart(points, title="t", desc="d"))
    titles = [g.find(f"{NS}title").text for g in by_class(root, "chart-point")]
    assert titles == [f"d{i}: {i}" for i in range(100)]
    assert len(by_class(root, "chart-xlabel")) <= 26


# ------------------------------------------------------------------ histogram


def test_bin_counts_edges_and_outside_values():
    values = [0, 9.99, 10, 55, 90, 99.9, 100, -0.1, 100.1, float("nan")]
    counts, outside = bin_counts(values)
    assert counts == [2, 1, 0, 0, 0, 1, 0, 0, 0, 3]
    assert outside == 3  # -0.1, 100.1 and NaN are ignored, not clamped


def test_bin_counts_custom_bins_and_validation():
    counts, outside = bin_counts([1, 5, 5, 9], [(0, 5), (5, 10)])
    assert (counts, outside) == ([1, 3], 0)
    with pytest.raises(ValueError):
        bin_counts([1], [(5, 5)])
    with pytest.raises(ValueError):
        bin_counts([1], [])


def test_histogram_renders_counts_and_bin_labels():
    values = [100, 95, 90, 45, 5, 5, 5, 150]
    root = parse(histogram(values, title="Phổ điểm", desc="Điểm bài kiểm tra"))
    assert_accessible(root, "Phổ điểm", "Điểm bài kiểm tra")
    counts = [int(el.text) for el in by_class(root, "chart-value")]
    assert counts == [3, 0, 0, 0, 1, 0, 0, 0, 0, 3]
    labels = [el.text for el in by_class(root, "chart-xlabel")]
    assert labels[0] == "0–10" and labels[-1] == "90–100"
    heights = [float(r.get("height")) for r in by_class(root, "chart-bar")]
    assert heights[0] == heights[-1] > heights[4] > 0 == heights[1]
    assert heights[4] == pytest.approx(heights[0] / 3, abs=0.1)
    note = by_class(root, "chart-note")
    assert [el.text for el in note] == ["1 value(s) outside the range not shown"]


def test_histogram_without_outside_values_has_no_note():
    root = parse(histogram([50], title="t", desc="d", bins=[(0, 50), (50, 100)]))
    assert not by_class(root, "chart-note")
    assert [el.text for el in by_class(root, "chart-value")] == ["0", "1"]
    assert [el.text for el in by_class(root, "chart-xlabel")] == ["0–50", "50–100"]
