"""The diagnostics page: a source-by-source heatmap and a trend of key figures across nights."""

from __future__ import annotations

import re

import pytest

from orchestration.linkage.diagnostics import without_font_links
from orchestration.linkage.diagnostics_page import (
    diagnostics_page,
    heatmap_html,
    link_rate_matrix,
    source_link_rates,
    source_trend_html,
    sparkline_svg,
    trend_html,
)
from orchestration.quality.offline_docs import external_loads


def test_pair_rates_become_a_matrix_of_sources_in_both_directions():
    sources, rates = link_rate_matrix({"police|school": 0.25, "school|police": 0.5})
    assert sources == ["police", "school"]
    assert rates[("police", "school")] == 0.25 and rates[("school", "police")] == 0.5


def test_heatmap_has_one_row_per_source_and_shows_each_rate_in_percent():
    rates = {f"s{a}|s{b}": (a + b) / 20 for a in range(8) for b in range(8) if a != b}
    page = heatmap_html(rates)
    assert page.count("<tr>") == 1 + 8  # header and one row per source, not 56 rows
    cell = re.search(r'title="s3 persons also in s5: 40.0%">(\d+)</td>', page)
    assert cell and cell.group(1) == "40"
    # A pair of sources sharing nobody is shown as 0, not left out.
    assert "s0 persons also in s1: 5.0%" in page
    assert heatmap_html({}).startswith("<p>")


def test_a_cell_that_moved_suddenly_since_last_night_is_outlined_and_says_from_what():
    tonight = {"police|school": 0.30, "school|police": 0.52}
    last_night = {"police|school": 0.50, "school|police": 0.50}
    page = heatmap_html(tonight, last_night)
    assert page.count('class="moved"') == 1
    assert "police persons also in school: 30.0% (last night 50.0%)" in page
    assert 'class="moved"' not in heatmap_html(tonight)  # no night before: nothing to mark


def test_each_source_has_a_trend_across_nights_and_a_sudden_drop_is_marked():
    assert source_link_rates({"a|b": 0.2, "a|c": 0.4, "b|a": 0.1}) == pytest.approx(
        {"a": 0.3, "b": 0.05, "c": 0.0}
    )
    nights = [
        {"pair_link_rates": {"police|school": 0.5, "school|police": 0.4}},
        {"pair_link_rates": {"police|school": 0.5, "school|police": 0.4}},
        {"pair_link_rates": {"police|school": 0.2, "school|police": 0.41}},
    ]
    page = source_trend_html(nights)
    assert page.count("<polyline") == 2  # one line per source
    assert '<td>20.0%</td><td class="moved-text">-30.0 points</td>' in page
    assert "<td>41.0%</td><td>+1.0 points</td>" in page
    assert source_trend_html([]).startswith("<p>")


def test_a_rising_figure_draws_a_rising_line():
    points = re.search(r'points="([^"]+)"', sparkline_svg([1, 2, 3])).group(1).split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]  # SVG y grows downwards


def test_trend_shows_tonight_and_the_change_from_last_night():
    nights = [
        {"records": 100, "persons": 40, "records_per_person": 2.5},
        {"records": 110, "persons": 42, "records_per_person": 110 / 42},
    ]
    page = trend_html(nights)
    assert "<td>110</td><td>+10</td>" in page
    assert "last 2 nights" in page
    assert "largest person" not in page  # a figure no night recorded is left out


def test_the_page_loads_nothing_from_another_host():
    summary = {"run_id": "r1", "counts": {"records": 3}, "link_rates": {"pair_link_rates": {}}}
    assert external_loads(diagnostics_page(summary, [{"records": 3}])) == []


def test_google_fonts_links_are_removed_from_splink_dashboards():
    page = (
        '<head><link rel="preconnect" href="https://fonts.googleapis.com">\n'
        '<link href="https://fonts.googleapis.com/css2?family=Source+Sans+Pro" rel="stylesheet">'
        "<style>x{}</style></head>"
    )
    assert external_loads(page)
    assert external_loads(without_font_links(page)) == []
    assert "<style>x{}</style>" in without_font_links(page)
