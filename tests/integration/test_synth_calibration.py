"""Every documented target (config.TARGETS) holds in a generated city within its stated tolerance.

Measured on the true events of a 4,000-household city built in memory (no files), so the test
is about the population and its problems, not the writers.
"""

from __future__ import annotations

import numpy as np
import pytest

from orchestration.synth import config
from orchestration.synth.measure import measure_targets
from orchestration.synth.problems import generate_events
from orchestration.synth.truth import family_truth
from orchestration.synth.world import build_world

HOUSEHOLDS = 4000
SEED = 7


@pytest.fixture(scope="module")
def city():
    world = build_world(HOUSEHOLDS, SEED)
    events = generate_events(world, np.random.default_rng([SEED, 10]))
    return world, events


@pytest.fixture(scope="module")
def observed(city):
    return measure_targets(*city)


@pytest.mark.parametrize("name", sorted(config.TARGETS))
def test_target_holds_within_its_tolerance(observed, name):
    target = config.TARGETS[name]
    value = observed[name]
    assert abs(value - target.value) <= target.tolerance, (
        f"{name}: observed {value:.4g}, target {target.value} {target.unit} "
        f"(+/- {target.tolerance}; {target.source})"
    )


def test_every_target_names_its_public_source_and_status():
    for name, target in config.TARGETS.items():
        assert target.source and target.status in {"C", "D", "U"}, name


def test_problems_cluster_in_eligible_families(city):
    world, events = city
    ft = family_truth(world, events, config.LATEST_EXTRACT)
    families = ft[ft["is_family"]]
    eligible = families[families["is_eligible"]]
    others = families[~families["is_eligible"]]
    assert len(eligible) > 0
    # Families in trouble have several problems at once, far more than other families.
    assert eligible["problem_count"].mean() >= 4
    assert eligible["problem_count"].mean() > 5 * others["problem_count"].mean()
    assert 0.03 < eligible.shape[0] / families.shape[0] < 0.30


def test_every_collected_indicator_occurs(city):
    world, events = city
    codes = set()
    for as_at in config.TRUTH_AS_AT:
        for c in family_truth(world, events, as_at)["indicator_codes"]:
            codes.update(c)
    collected = {
        "1A",
        "1B",
        "1C",
        "1D",
        "1E",
        "2A",
        "2B",
        "2C",
        "2D",
        "3A",
        "3B",
        "3C",
        "3D",
        "3E",
        "3F",
        "3G",
        "3H",
        "4A",
        "4B",
        "4C",
        "4E",
        "5A",
        "5B",
        "5C",
        "6A",
        "6B",
        "6C",
    }
    # 2C (0.07% of pupils), 4E (8 in 10,000 households), 3H and 3E (a few a year in a city this
    # small) may be absent at this scale; the 200,000-household run has them all. So may 2B
    # (3+ fixed-term exclusions within three terms): 0 to 3 family-dates in 4,000-household
    # cities of seeds 7-9, with census day at term start + 30 days or on the DfE Thursdays.
    assert collected - {"2B", "2C", "4E", "3H", "3E"} <= codes, sorted(collected - codes)
