"""Quality suite for council_education/school_census.

Population: pupils on roll, aged 2 to 20.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.cross_checks import (
    agrees_with_child_health,
    known_to_child_health,
    year_group_matches_age,
)
from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(dob_age_range=(2, 20), postcode_in_gazetteer_mostly=0.95)


def extra_checks(contract, contracts):
    return (
        year_group_matches_age(contract)
        + known_to_child_health(contract)
        + agrees_with_child_health(contract)
    )
