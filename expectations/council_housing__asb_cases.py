"""Quality suite for council_housing/asb_cases.

Population: people in council anti-social behaviour cases, aged 5 and over.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(dob_age_range=(5, 110), postcode_in_gazetteer_mostly=0.95)
