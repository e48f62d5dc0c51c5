"""The benchmark's page-latency figures: percentiles, the list views asked for, the goals and
the report section (the measurement itself: tests/web/test_web_page_latency.py)."""

from __future__ import annotations

from orchestration.bench.pages import list_urls, page_goals, pages_markdown, summarise


def test_summary_gives_median_95th_percentile_and_slowest_in_milliseconds():
    seconds = [n / 1000 for n in range(1, 101)]  # 1 ms .. 100 ms
    figures = summarise(seconds)
    assert figures["requests"] == 100 and figures["max_ms"] == 100.0
    assert figures["median_ms"] == 50.5
    assert 95.0 <= figures["p95_ms"] <= 96.0
    # Few requests: the percentile stays within what was measured (never above the slowest).
    few = summarise([0.010, 0.012, 0.011, 0.050])
    assert few["p95_ms"] <= few["max_ms"] == 50.0
    assert summarise([])["p95_ms"] is None


def test_list_views_cover_every_sort_each_criterion_and_the_last_page():
    urls = list_urls(eligible=1234)  # 25 pages of 50
    assert "/families/" in urls and "/families/?page=25" in urls and "/families/?page=12" in urls
    assert {f"/families/?sort={s}" for s in ("criteria", "cost", "family")} <= set(urls)
    assert {f"/families/?criterion={c}" for c in range(1, 7)} <= set(urls)
    assert len(urls) == len(set(urls))


def _pages(list_p95: float, family_p95: float) -> dict:
    def page(p95):
        return {"requests": 200, "median_ms": p95 / 2, "p95_ms": p95, "max_ms": p95 * 2}

    return {
        "server": "families web",
        "eligible_families": 2900,
        "list_urls": ["/families/"],
        "families_opened": 100,
        "list": page(list_p95),
        "family": page(family_p95),
    }


def test_goals_hold_each_page_to_300_ms_at_the_95th_percentile():
    assert page_goals({}) == []
    judged = page_goals({"pages": _pages(120.0, 301.0)})
    assert [(g["goal"], g["met"]) for g in judged] == [
        ("eligible list page p95 at most 300 ms", True),
        ("family page p95 at most 300 ms", False),
    ]


def test_report_section_shows_both_pages():
    text = "\n".join(pages_markdown(_pages(120.0, 240.0)))
    assert "| eligible list | 200 | 60.0 | 120.0 | 240.0 |" in text
    assert "| family | 200 | 120.0 | 240.0 | 480.0 |" in text
    assert pages_markdown(None) == []
