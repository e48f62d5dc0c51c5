"""Sanity rules for each linkage run, as plain functions (Dagster checks wrap them in assets.py).

A sudden shift in how much links, or one enormous cluster, usually means a broken input or
model rather than a real change in the city: the run should stop and be looked at.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    description: str
    metadata: dict = field(default_factory=dict)


# Relative change in a run-level rate that counts as sudden.
RELATIVE_SHIFT_TOLERANCE = float(os.environ.get("FAMILIES_LINK_SHIFT_TOLERANCE", "0.25"))
# Absolute change in one source pair's link rate that counts as sudden.
PAIR_SHIFT_TOLERANCE = 0.15
# A person with more distinct profiles than this is almost certainly several people chained.
MAX_PROFILES_PER_PERSON = int(os.environ.get("FAMILIES_MAX_PROFILES_PER_PERSON", "40"))
# Address match rate below which the address stage warns.
MIN_ADDRESS_MATCH_RATE = 0.85


def link_rate_shift(current: dict, previous: dict) -> CheckOutcome:
    """Compare this run's link rates with the previous run's."""
    if not previous:
        return CheckOutcome(True, "first run: nothing to compare with", {})
    shifts = {}
    for key in ("records_per_person", "share_in_two_or_more_sources"):
        before, now = previous.get(key), current.get(key)
        if before:
            shifts[key] = round((now - before) / before, 4)
    failed = {k: v for k, v in shifts.items() if abs(v) > RELATIVE_SHIFT_TOLERANCE}
    pair_shifts = {}
    for pair, now in current.get("pair_link_rates", {}).items():
        before = previous.get("pair_link_rates", {}).get(pair)
        if before is not None and abs(now - before) > PAIR_SHIFT_TOLERANCE:
            pair_shifts[pair] = round(now - before, 4)
    passed = not failed and not pair_shifts
    description = (
        "link rates steady against the previous run"
        if passed
        else f"sudden shift: {len(failed)} run-level rate(s), {len(pair_shifts)} source pair(s)"
    )
    return CheckOutcome(
        passed,
        description,
        {
            "relative_shifts": shifts,
            "pair_shifts": pair_shifts,
            "tolerance": RELATIVE_SHIFT_TOLERANCE,
        },
    )


def cluster_size_sanity(current: dict) -> CheckOutcome:
    """No person should gather an implausible number of distinct profiles."""
    largest = current.get("max_profiles_in_a_cluster", 0)
    records = current.get("records", 0)
    passed = largest <= MAX_PROFILES_PER_PERSON and records > 0
    return CheckOutcome(
        passed,
        f"largest person has {largest} distinct profiles (limit {MAX_PROFILES_PER_PERSON})",
        {"max_profiles_in_a_cluster": largest, "records": records},
    )


def address_match_rate(counts: dict) -> CheckOutcome:
    """Enough records' addresses found in the gazetteer (records without address excluded)."""
    matched = counts.get("matched", 0)
    considered = matched + counts.get("low_confidence", 0) + counts.get("unmatched_with_address", 0)
    rate = matched / considered if considered else 1.0
    return CheckOutcome(
        rate >= MIN_ADDRESS_MATCH_RATE,
        f"{rate:.1%} of addressed records matched confidently",
        {"match_rate": round(rate, 4), **counts},
    )
