"""Quality suite for nhs/substance_misuse.

Population: people in drug or alcohol incidents or treatment, aged 10 and over.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(
    dob_age_range=(10, 110),
    postcode_in_gazetteer_mostly=0.9,
    partially_held=("nhs_number",),
)
