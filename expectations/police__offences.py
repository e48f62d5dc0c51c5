"""Quality suite for police/offences.

Population: offenders, aged 10 (age of criminal responsibility) and over.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(
    dob_age_range=(10, 110),
    postcode_in_gazetteer_mostly=0.9,
    partially_held=("PNC_ID",),
    # OUTCOME_CODE is empty until the case concludes (re-sent with the outcome): not a fault.
    completeness_exclude=("OUTCOME_CODE", "OUTCOME_DATE"),
)
