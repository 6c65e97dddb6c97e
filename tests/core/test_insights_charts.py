"""SVG charts: well-formed, no script, suppressed values drawn without a revealing bar."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kring.core.insights.charts import bar_chart_svg, trend_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_hides_suppressed_values() -> None:
    svg = bar_chart_svg(["Bullying", "Discrimination <x>"], [12, None], title="By category")
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "12" in texts
    assert "< k" in texts
    assert "Discrimination <x>" in texts  # escaped in the SVG, intact when parsed
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") not in (None, "none")]
    assert len(bars) == 1
    assert "script" not in svg.lower()


def test_trend_chart_periods() -> None:
    svg = trend_chart_svg(["2026-Q1", "2026-Q2", "2026-Q3"], [5, None, 9], title="Trend")
    root = ET.fromstring(svg)
    assert [t.text for t in root.iter(f"{SVG}text")][1:4] == ["2026-Q1", "5", "2026-Q2"]
    dashed = [r for r in root.iter(f"{SVG}rect") if r.get("stroke-dasharray")]
    assert len(dashed) == 1


def test_long_translated_labels_go_on_two_smaller_lines() -> None:
    from kring.core.insights.charts import SMALL_LABEL_CHARS, wrap_label

    long = "Falta de integridad (fraude, corrupción, abuso de poder, peligro)"
    svg = bar_chart_svg(["Acoso laboral", long], [6, 0], title="Por categoría")
    root = ET.fromstring(svg)
    texts = list(root.iter(f"{SVG}text"))
    assert texts[1].text == "Acoso laboral" and texts[1].get("font-size") == "13"
    wrapped = next(t for t in texts if list(t.iter(f"{SVG}tspan")))
    spans = [t.text or "" for t in wrapped.iter(f"{SVG}tspan")]
    assert wrapped.get("font-size") == "11" and len(spans) == 2
    assert " ".join(spans) == long
    assert all(len(line) <= SMALL_LABEL_CHARS for line in spans)
    # Never a third line: what does not fit ends in an ellipsis.
    longest = wrap_label("word " * 40)
    assert len(longest) > 2
    svg = bar_chart_svg(["word " * 40], [1], title="t")
    spans = list(ET.fromstring(svg).iter(f"{SVG}tspan"))
    assert len(spans) == 2 and (spans[1].text or "").endswith("…")
