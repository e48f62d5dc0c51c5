"""Readable names for what the marts hold as codes: sources and legal gateways."""

from __future__ import annotations

import functools

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


def gateway_names(codes) -> list[str]:
    """'1 5' or [1, 5] -> their Acts and sections; unknown codes are shown as given."""
    if isinstance(codes, str):
        codes = codes.replace(",", " ").split()
    names = []
    for code in codes or []:
        text = str(code).strip()
        names.append(LEGAL_GATEWAYS.get(int(text), text) if text.isdigit() else text)
    return names


@functools.cache
def _sources() -> dict[str, tuple[str, str]]:
    from orchestration.ingest.contract import load_contracts

    return {
        c.dataset: (c.organisation, c.description.strip().split(".")[0])
        for c in load_contracts().values()
    }


def source_name(dataset: str) -> str:
    """'police/offences' -> 'Avon and Somerset Constabulary: Offences ...' (from its contract)."""
    known = _sources().get(dataset) or _sources().get(dataset.replace("__", "/", 1))
    return f"{known[0]}: {known[1]}" if known else dataset


def agencies() -> list[str]:
    """Agencies with a contract, for IAO accounts and their pages."""
    return sorted({dataset.split("/")[0] for dataset in _sources()})
