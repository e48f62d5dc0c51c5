"""Quality suite for council_housing/homelessness.

Population: homeless applicants and household members.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(
    dob_age_range=(0, 110),
    postcode_in_gazetteer_mostly=0.9,
    partially_held=("NI_NUMBER",),
)
