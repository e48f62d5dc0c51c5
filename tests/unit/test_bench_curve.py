"""The cost curve and the cost of encryption, from synthetic benchmark results (no real bench)."""

from __future__ import annotations

import pytest

from orchestration.bench.curve import (
    MixedReports,
    cost_curve,
    curve_from_reports,
    curve_markdown,
    growth_exponent,
    peak_gb,
    run_sizes,
)
from orchestration.bench.encryption_cost import compare, encryption_markdown
from orchestration.bench.stages import OVERHEAD, STAGES


def _result(households: int, seconds_of, gb_of) -> dict:
    """A size's result where stage s took seconds_of(s, n) and peaked at gb_of(s, n)."""
    stages = {
        s: {"seconds": seconds_of(s, households), "peak_gb": gb_of(s, households)}
        for s in (*STAGES[1:], OVERHEAD)
    }

    def night(n: int, share: float) -> dict:
        total = sum(v["seconds"] for v in stages.values()) * share
        peak = max(v["peak_gb"] for v in stages.values())
        return {"night": n, "seconds": total, "peak_gb": peak, "stages": stages}

    return {
        "households": households,
        "generate": {"seconds": households / 1000, "peak_gb": households / 100_000},
        "nights": [night(1, 1.0), night(2, 0.25)],
    }


def _linear_but_persons_quadratic(stage: str, n: int) -> float:
    # persons grows as n^2; every other stage in proportion to the city
    return (n / 1000) ** 2 if stage == "persons" else n / 100


def test_growth_exponent_is_the_log_log_slope():
    assert growth_exponent([1000, 2000, 4000], [10, 20, 40]) == 1.0
    assert growth_exponent([1000, 2000], [10, 40]) == 2.0
    assert growth_exponent([1000, 2000], [0, 40]) is None  # nothing to fit with one point
    assert growth_exponent([1000], [10]) is None


def test_curve_reports_each_stage_per_size_with_how_it_grows():
    results = [
        _result(n, _linear_but_persons_quadratic, lambda s, n: n / 10_000)
        for n in (4000, 1000, 2000)  # any order: the curve is by size
    ]
    curve = cost_curve(results, None, max_gb=24.0)
    rows = {row["stage"]: row for row in curve["stages"]}
    assert curve["sizes"] == [1000, 2000, 4000]
    assert rows["persons"]["seconds"] == [1.0, 4.0, 16.0]
    assert rows["persons"]["time_exponent"] == 2.0
    assert rows["persons"]["growth"] == "worse than linear (n^2.00)"
    assert rows["load"]["time_exponent"] == 1.0 and rows["load"]["growth"] == "linear or better"
    assert rows["dbt"]["peak_gb"] == [0.1, 0.2, 0.4] and rows["dbt"]["memory_exponent"] == 1.0
    assert {"generate", "whole night", "night 2"} <= set(rows)
    assert curve["largest_within_limit"] == 4000
    text = curve_markdown(curve)
    assert "| persons | 1 | 0.10 | 4 | 0.20 | 16 | 0.40 | 2.00 | 1.00 | worse than linear" in text
    assert "Largest size completed within 24 GB: 4,000 households." in text


def test_sizes_run_smallest_first_and_stop_at_the_first_over_the_memory_limit():
    ran = []

    def run_one(n: int) -> dict:
        ran.append(n)
        return _result(n, _linear_but_persons_quadratic, lambda s, n: n / 1000)

    done, stopped = run_sizes([50_000, 10_000, 20_000, 30_000], run_one, max_gb=25.0, log=print)
    assert ran == [10_000, 20_000, 30_000]  # 30,000 peaked at 30 GB: 50,000 never started
    assert [r["households"] for r in done] == [10_000, 20_000, 30_000]
    assert stopped["households"] == 30_000 and "30.00 GB > 25.0 GB" in stopped["error"]
    curve = cost_curve(done, stopped, 25.0)
    assert curve["largest_within_limit"] == 20_000
    assert "Stopped at 30,000 households" in curve_markdown(curve)


def test_a_failing_size_ends_the_curve_with_its_reason():
    def run_one(n: int) -> dict:
        if n > 1000:
            raise RuntimeError("night 1 failed (exit 1); see night1.log")
        return _result(n, _linear_but_persons_quadratic, lambda s, n: 1.0)

    done, stopped = run_sizes([1000, 2000, 3000], run_one, log=lambda _: None)
    assert [r["households"] for r in done] == [1000]
    assert stopped == {"households": 2000, "error": "night 1 failed (exit 1); see night1.log"}
    assert peak_gb(done[0]) == 1.0


def _saved(households: int, commit: str = "a" * 40, dirty: bool = False) -> dict:
    """A size's saved report as `families bench` writes it: its result and the code measured."""
    report = _result(households, _linear_but_persons_quadratic, lambda s, n: n / 10_000)
    return {**report, "code": {"commit": commit, "uncommitted_changes": dirty}}


def test_a_curve_from_sizes_run_one_at_a_time_is_the_curve_of_one_run():
    saved = [_saved(4000), _saved(1000), _saved(2000)]
    curve = curve_from_reports(saved)
    assert curve == cost_curve(saved, None, max_gb=24.0)
    assert curve["sizes"] == [1000, 2000, 4000] and curve["code"] == "a" * 40
    assert "Code: aaaaaaaaaa at every size." in curve_markdown(curve)


@pytest.mark.parametrize(
    ("saved", "reason"),
    [
        ([_saved(1000)], "at least two sizes"),
        ([_saved(1000), _saved(1000), _saved(2000)], "more than one report of 1,000"),
        ([_saved(1000), _saved(2000, commit="b" * 40)], "1,000: aaaaaaaaaa, 2,000: bbbbbbbbbb"),
        ([_saved(1000), _saved(2000, dirty=True)], "2,000: aaaaaaaaaa with uncommitted changes"),
        ([_saved(1000, dirty=True), _saved(2000, dirty=True)], "1,000: aaaaaaaaaa with"),
    ],
)
def test_reports_of_different_code_or_repeated_sizes_make_no_curve(saved, reason):
    with pytest.raises(MixedReports, match=reason):
        curve_from_reports(saved)


def test_curve_from_saved_reports_on_the_command_line(tmp_path, monkeypatch, capsys):
    import json

    from orchestration.cli import main

    monkeypatch.setenv("FAMILIES_DATA_DIR", str(tmp_path / "data"))
    files = []
    for n in (1000, 2000):
        files.append(tmp_path / f"{n}.json")
        files[-1].write_text(json.dumps(_saved(n)))
    assert main(["bench", "--curve-from", *map(str, files)]) == 0
    written = list((tmp_path / "data" / "reports" / "bench").glob("*-curve.md"))
    assert len(written) == 1 and "| persons | 1 | 0.10 | 4 | 0.20 |" in written[0].read_text()
    (tmp_path / "other.json").write_text(json.dumps({"households": 3000}))
    assert main(["bench", "--curve-from", str(files[0]), str(tmp_path / "other.json")]) == 2
    assert "other.json is not a benchmark report" in capsys.readouterr().out


def _night(n: int, seconds: float, gb: float) -> dict:
    return {"night": n, "seconds": seconds, "peak_gb": gb}


def test_encryption_cost_is_encrypted_over_plain_per_night_against_the_ten_percent_goal():
    within = compare(
        [_night(1, 100.0, 2.0), _night(2, 25.0, 1.0)],
        [_night(1, 108.0, 2.1), _night(2, 27.0, 1.0)],
    )
    assert [n["time_ratio"] for n in within["nights"]] == [1.08, 1.08]
    assert within["nights"][0]["memory_ratio"] == 1.05 and within["met"]
    over = compare(
        [_night(1, 100.0, 2.0), _night(2, 25.0, 1.0)], [_night(1, 105.0, 2.0), _night(2, 30.0, 1.0)]
    )
    assert not over["met"]  # night two took 20% longer
    text = "\n".join(encryption_markdown(over))
    assert "| 2 | 25 | 30 | 1.200 | 1.00 | 1.00 | 1.000 | None / None |" in text
    assert "NOT met" in text
    assert encryption_markdown(None) == []


def test_encryption_needs_both_nights_of_each():
    with pytest.raises(ValueError):
        compare([_night(1, 100.0, 2.0)], [_night(1, 100.0, 2.0), _night(2, 25.0, 1.0)])


def test_memory_of_a_daemon_outside_the_tree_counts_when_named(tmp_path):
    import subprocess
    import sys

    from orchestration.bench.measure import run_measured

    # Stands in for the vault's gocryptfs: a process the measured command did not start.
    daemon = subprocess.Popen(
        [sys.executable, "-c", "b = bytearray(200 * 1024 * 1024); import time; time.sleep(30)"]
    )
    try:
        quick = [sys.executable, "-c", "import time; time.sleep(1.5)"]
        import psutil

        while psutil.Process(daemon.pid).memory_info().rss < 200 * 1024 * 1024:
            pass
        alone = run_measured(quick)
        with_daemon = run_measured(quick, also=[daemon.pid])
    finally:
        daemon.kill()
        daemon.wait()
    assert alone.peak_bytes < 100 * 1024 * 1024
    assert with_daemon.peak_bytes > 200 * 1024 * 1024
