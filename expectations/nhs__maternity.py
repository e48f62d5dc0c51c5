"""Quality suite for nhs/maternity.

Population: mothers booked for maternity care, aged 11 to 55.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(dob_age_range=(11, 55), postcode_in_gazetteer_mostly=0.9)
