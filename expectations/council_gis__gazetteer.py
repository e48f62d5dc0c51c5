"""Quality suite for council_gis/gazetteer.

Population: the council's Local Land and Property Gazetteer: the trusted address list.

Generic checks come from the contract (orchestration/quality/suites.py); this module
sets what is particular to the dataset's population and sources.
"""

from __future__ import annotations

from orchestration.quality.suites import DatasetRules

RULES = DatasetRules(postcode_in_gazetteer_mostly=None)
