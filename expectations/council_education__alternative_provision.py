"""Quality suite for council_education/alternative_provision.

Population: pupils in alternative provision, aged 3 to 20.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.cross_checks import upn_on_school_census
from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(dob_age_range=(3, 20), postcode_in_gazetteer_mostly=0.95)


def extra_checks(contract, contracts):
    return upn_on_school_census(contract)
