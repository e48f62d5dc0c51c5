"""Who owns each asset, and the tags that let the UI filter by stage and agency.

Dagster owners must be an email or a `team:` name. Each agency's extracts and loads belong to
its Information Asset Owner (the contract's `information_asset_owner`), named by agency so a
change of person does not change the graph; what the council builds from them belongs to the
team that answers for it.
"""

from __future__ import annotations

# dbt models, linkage, the published night and the outputs: the council's BI team.
BI_TEAM = "team:council-bi"
# Quality reports and source coverage: the programme coordinator, the data custodian.
COORDINATOR = "team:programme-coordinator"
# Clerical review decisions recorded in the web application.
LINKAGE_REVIEWERS = "team:linkage-reviewers"


def agency_owner(agency: str) -> str:
    """`team:police-iao` for agency `police`: the agency's Information Asset Owner."""
    return f"team:{agency.replace('_', '-')}-iao"


def stage_tags(stage: str, agency: str | None = None) -> dict[str, str]:
    """Asset tags: the platform stage, and the agency for data that comes from one."""
    tags = {"stage": stage}
    if agency:
        tags["agency"] = agency
    return tags
