"""The cost curve: the benchmark at several city sizes, and how each stage grows with size.

Sizes run smallest first and stop at the first that fails or needs more memory than the
limit (24 GB by default, this machine's), so the curve says the largest city a night
completes within it. Growth is the exponent b of time ~ households^b, from a least-squares
fit of log time on log households over every size measured (with two sizes, the slope
between them): b near 1 is linear; above it the stage grows faster than the city.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from orchestration.bench.stages import OVERHEAD, STAGES

DEFAULT_MAX_GB = 24.0
# Above this exponent a stage is reported as growing worse than linearly. Measured exponents
# of linear work wobble by a few hundredths from run to run on a shared machine.
LINEAR_UP_TO = 1.15
WHOLE_NIGHT = "whole night"
# Stages at a few seconds or less are dominated by fixed costs: their slope says little.
TOO_SHORT_TO_FIT_SECONDS = 2.0


def run_sizes(
    sizes: Iterable[int],
    run_one: Callable[[int], dict],
    max_gb: float = DEFAULT_MAX_GB,
    log: Callable[[str], None] = print,
) -> tuple[list[dict], dict | None]:
    """Run `run_one(households)` per size, smallest first; stop at the first failure (an
    exception; recorded as {"households", "error"}) or the first peak above `max_gb`.
    Returns the completed results and the stopping point (None if every size ran)."""
    done: list[dict] = []
    for households in sorted(set(sizes)):
        try:
            result = run_one(households)
        except Exception as error:  # noqa: BLE001 - any failure ends the curve; it is reported
            log(f"{households:,} households failed: {error}")
            return done, {"households": households, "error": str(error)}
        done.append(result)
        peak = peak_gb(result)
        if peak > max_gb:
            log(f"{households:,} households peaked at {peak:.2f} GB, above {max_gb} GB")
            return done, {"households": households, "error": f"peak {peak:.2f} GB > {max_gb} GB"}
    return done, None


def peak_gb(result: dict) -> float:
    """The highest memory any part of one size's benchmark needed."""
    figures = [night["peak_gb"] for night in result["nights"]]
    figures.append(result.get("generate", {}).get("peak_gb") or 0.0)
    return max(figures)


def growth_exponent(sizes: list[int], values: list[float]) -> float | None:
    """Slope of log(value) on log(size) by least squares; None with fewer than two usable
    points (a value of 0 has no logarithm)."""
    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if v > 0]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    return round(sum((x - mean_x) * (y - mean_y) for x, y in points) / spread, 2)


def growth_label(exponent: float | None, seconds: list[float]) -> str:
    if exponent is None or max(seconds, default=0) < TOO_SHORT_TO_FIT_SECONDS:
        return "too short to tell"
    if exponent <= LINEAR_UP_TO:
        return "linear or better"
    return f"worse than linear (n^{exponent:.2f})"


def cost_curve(results: list[dict], stopped: dict | None, max_gb: float) -> dict:
    """Per stage of night one (from nothing) and for the whole of each night: time and peak
    memory at each size, and the growth exponents. Also the largest size within `max_gb`."""
    results = sorted(results, key=lambda r: r["households"])
    sizes = [r["households"] for r in results]
    rows = []
    for stage in ("generate", *STAGES[1:], OVERHEAD, WHOLE_NIGHT, "night 2"):
        seconds, peaks = [], []
        for r in results:
            figures = _stage(r, stage)
            seconds.append(figures["seconds"])
            peaks.append(figures["peak_gb"])
        time_exponent = growth_exponent(sizes, seconds)
        rows.append(
            {
                "stage": stage,
                "seconds": seconds,
                "peak_gb": peaks,
                "time_exponent": time_exponent,
                "memory_exponent": growth_exponent(sizes, peaks),
                "growth": growth_label(time_exponent, seconds),
            }
        )
    within = [r["households"] for r in results if peak_gb(r) <= max_gb]
    commits = {(r.get("code") or {}).get("commit") for r in results}
    return {
        "sizes": sizes,
        "code": commits.pop() if len(commits) == 1 else None,
        "max_gb": max_gb,
        "largest_within_limit": max(within) if within else None,
        "stopped_at": stopped,
        "stages": rows,
    }


UNCOMMITTED = " with uncommitted changes"


class MixedReports(ValueError):
    """Saved reports that cannot be drawn as one curve (the message says why)."""


def curve_from_reports(reports: list[dict], max_gb: float = DEFAULT_MAX_GB) -> dict:
    """The curve of sizes run one at a time (a large city can take a night of its own),
    from their saved reports (`<date>.json`, `<date>-<N>.json`). Refused when the reports
    measured different code or the same size twice: a curve across code changes would show
    the change, not the growth."""
    if len(reports) < 2:
        raise MixedReports("a curve needs the reports of at least two sizes")
    sizes = [r["households"] for r in reports]
    repeated = sorted({n for n in sizes if sizes.count(n) > 1})
    if repeated:
        raise MixedReports(f"more than one report of {', '.join(f'{n:,}' for n in repeated)}")
    codes = {r["households"]: _code_measured(r) for r in reports}
    unsure = [c for c in codes.values() if c.startswith("unknown") or c.endswith(UNCOMMITTED)]
    if len(set(codes.values())) > 1 or unsure:
        described = ", ".join(f"{n:,}: {code}" for n, code in sorted(codes.items()))
        raise MixedReports(f"the reports measured different or unknown code ({described})")
    return cost_curve(reports, None, max_gb)


def _code_measured(report: dict) -> str:
    code = report.get("code") or {}
    described = (code.get("commit") or "unknown")[:10]
    return described + (UNCOMMITTED if code.get("uncommitted_changes") else "")


def _stage(result: dict, stage: str) -> dict:
    first, second = result["nights"][0], result["nights"][-1]
    if stage == "generate":
        generate = result.get("generate", {})
        return {"seconds": generate.get("seconds", 0.0), "peak_gb": generate.get("peak_gb", 0.0)}
    if stage == WHOLE_NIGHT:
        return first
    if stage == "night 2":
        return second
    return first["stages"][stage]


def curve_markdown(curve: dict) -> str:
    sizes = curve["sizes"]
    head = " | ".join(f"{n:,} s | GB" for n in sizes)
    lines = [
        f"# Cost curve: {', '.join(f'{n:,}' for n in sizes)} households",
        "",
        "Night one (from an empty warehouse) per stage, night two whole; time in seconds and "
        "peak memory of the process tree in GB at each size. Exponent b of time ~ n^b and "
        "memory ~ n^b from a log-log least-squares fit over the sizes.",
        "",
        f"| stage | {head} | time b | memory b | growth |",
        "|---|" + "---:|---:|" * len(sizes) + "---:|---:|---|",
    ]
    for row in curve["stages"]:
        cells = " | ".join(
            f"{s:.0f} | {g:.2f}" for s, g in zip(row["seconds"], row["peak_gb"], strict=True)
        )
        lines.append(
            f"| {row['stage']} | {cells} | {_exponent(row['time_exponent'])} | "
            f"{_exponent(row['memory_exponent'])} | {row['growth']} |"
        )
    largest = curve["largest_within_limit"]
    lines += [
        "",
        f"Largest size completed within {curve['max_gb']:g} GB: "
        + (f"{largest:,} households." if largest else "none."),
    ]
    if curve.get("code"):
        lines.append(f"Code: {curve['code'][:10]} at every size.")
    stopped = curve["stopped_at"]
    if stopped:
        lines.append(
            f"Stopped at {stopped['households']:,} households: {stopped['error']} "
            "(larger sizes were not run)."
        )
    return "\n".join(lines) + "\n"


def _exponent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
