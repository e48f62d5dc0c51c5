"""Quality suite for dwp/out_of_work_benefits.

Population: claimants of out-of-work benefits, aged 16 and over.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(dob_age_range=(16, 100), postcode_in_gazetteer_mostly=0.95)
