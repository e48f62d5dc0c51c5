"""Quality suite for council_social_care/episodes.

Population: children in social care episodes (care leavers to 25).

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(
    dob_age_range=(0, 25),
    postcode_in_gazetteer_mostly=0.95,
    partially_held=("NHSNumber",),
)
