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
