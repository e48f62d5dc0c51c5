"""Quality suite for council_education/neet.

Population: young people tracked for education, employment or training, aged 15 to 21.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(
    dob_age_range=(15, 21),
    postcode_in_gazetteer_mostly=0.95,
    partially_held=("UPN",),
)
