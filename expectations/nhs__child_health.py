"""Quality suite for nhs/child_health.

Population: children registered with child health services, aged 0 to 19.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(dob_age_range=(0, 19), postcode_in_gazetteer_mostly=0.95)
