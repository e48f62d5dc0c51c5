"""Readable names for what the marts hold as codes: legal gateways, agencies and datasets.

`families explain`, the web pages and the list exports say "Crime and Disorder Act 1998
s.115" and "Avon and Somerset Constabulary: Recorded offences with Home Office outcome"
where the marts hold `4` and `police__offences`. Dataset titles come from each source's
contract, so a new source is named as soon as its contract exists.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# The agreement's numbered legal gateways (shared/domain/programme-rules.md).
LEGAL_GATEWAYS = {
    1: "Care Act 2014 ss.1 and 3",
    2: "Childcare Act 2006 s.1",
    3: "Children (Leaving Care) Act 2000",
    4: "Crime and Disorder Act 1998 s.115",
    5: "Crime and Disorder Act 1998 s.17",
    6: "Crime and Disorder Act 1998 s.37",
    7: "Criminal Justice Act 2003 s.325",
    8: "Education Act 2002",
    9: "Localism Act 2011",
    10: "Children Act 1989",
    11: "Children Act 2004 s.10",
    12: "Children Act 2004 s.11",
    13: "Welfare Reform Act 2012 s.131",
}


def gateway_names(codes: str | Iterable | None) -> list[str]:
    """'1 5' or [1, 5] -> their Acts and sections, in the order given, each once; a code
    the agreement does not number is shown as given."""
    if isinstance(codes, str):
        codes = codes.replace(",", " ").split()
    names = []
    for code in codes or []:
        text = str(code).strip()
        names.append(LEGAL_GATEWAYS.get(int(text), text) if text.isdigit() else text)
    return list(dict.fromkeys(names))


@functools.cache
def _contracts() -> dict[str, tuple[str, str, str]]:
    """'<agency>__<dataset>' -> (agency, organisation, dataset title), from the contracts."""
    from orchestration.ingest.contract import load_contracts

    return {
        table: (c.agency, c.organisation, _title(c.description) or c.name)
        for table, c in load_contracts().items()
    }


def _title(description: str) -> str:
    # A contract's description starts with what the dataset is, then how it is sent:
    # 'Recorded offences with Home Office outcome: one row per suspect per offence.'
    return re.split(r"[:;,.]", description.strip(), maxsplit=1)[0].strip()


def _key(dataset: str) -> str:
    return dataset.replace("/", "__", 1)


def agency_name(agency: str) -> str:
    """'police' -> 'Avon and Somerset Constabulary'; a council service keeps its service
    ('council_education' -> 'Bristol City Council (education)'), since a council sends
    several sources and a keyworker needs to know which team to ask."""
    organisation = next((org for a, org, _ in _contracts().values() if a == agency), "")
    if not organisation:
        return agency
    if agency.startswith("council_"):
        return f"{organisation} ({agency.removeprefix('council_').replace('_', ' ')})"
    return organisation


def source_name(dataset: str) -> str:
    """'police__offences' (or 'police/offences') -> 'Avon and Somerset Constabulary:
    Recorded offences with Home Office outcome'; an unknown dataset is shown as given."""
    known = _contracts().get(_key(dataset))
    return f"{agency_name(known[0])}: {known[2]}" if known else dataset


def source_names(datasets: str | Iterable[str] | None) -> list[str]:
    """Space-separated or listed datasets (as indicator_events holds them) -> their names."""
    if isinstance(datasets, str):
        datasets = datasets.split()
    return list(dict.fromkeys(source_name(d) for d in datasets or []))


def agencies() -> list[str]:
    """Agencies with a contract, for IAO accounts and their pages."""
    return sorted({agency for agency, _, _ in _contracts().values()})
