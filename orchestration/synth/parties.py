"""The city as two parties: the police landing and the council landing, from one city.

The agreement's two instances each receive only their own extracts: the police their
datasets, the council its own and its partners' (education, housing, revenues, social
care, DWP, NHS); both hold the council's gazetteer, the UPRNs a pseudonym is made of. The
files are the city's own (hard links where the file system allows), so both parties'
extracts and the one truth stay byte for byte the same city.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SHARED_AGENCIES = ("council_gis",)
POLICE_AGENCIES = ("police",)
PARTIES = ("police", "council")


def party_agencies(party: str, agencies: list[str]) -> list[str]:
    """The agencies whose extracts a party's instance holds."""
    if party == "police":
        return [a for a in agencies if a in POLICE_AGENCIES or a in SHARED_AGENCIES]
    if party == "council":
        return [a for a in agencies if a not in POLICE_AGENCIES]
    raise ValueError(f"unknown party {party!r}: one of {', '.join(PARTIES)}")


def write_party_landings(city_dir: Path, parties_dir: Path) -> dict[str, int]:
    """Write PARTIES_DIR/<party>/landing for each party from CITY_DIR/landing; the files
    written per party. The truth stays in CITY_DIR/truth, for evaluation only."""
    landing = Path(city_dir) / "landing"
    agencies = sorted(p.name for p in landing.iterdir() if p.is_dir())
    written: dict[str, int] = {}
    for party in PARTIES:
        target = Path(parties_dir) / party / "landing"
        if target.exists():
            shutil.rmtree(target)
        count = 0
        for agency in party_agencies(party, agencies):
            for source in sorted((landing / agency).rglob("*")):
                if source.is_file():
                    copy = target / source.relative_to(landing)
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    _link_or_copy(source, copy)
                    count += 1
        written[party] = count
    return written


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, target)
