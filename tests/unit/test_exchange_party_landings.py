"""`families synth --parties`: each party's landing from one city (synth/parties.py)."""

from __future__ import annotations

import pytest

from orchestration.synth.parties import party_agencies, write_party_landings

CITY_FILES = [
    "police/offences/2016-06-30.csv",
    "police/arrests/2016-05-31.csv",
    "council_gis/gazetteer/2013-09-30.csv",
    "council_education/school_census/2016-01-21.txt",
    "nhs/child_health/2016-06-30.csv",
    "dwp/out_of_work_benefits/2016-06-30.csv",
]


def test_police_get_police_and_gazetteer_council_the_rest_and_gazetteer(tmp_path):
    city = tmp_path / "city"
    for name in CITY_FILES:
        (city / "landing" / name).parent.mkdir(parents=True, exist_ok=True)
        (city / "landing" / name).write_text(name)
    written = write_party_landings(city, tmp_path / "parties")

    def files(party: str) -> set[str]:
        root = tmp_path / "parties" / party / "landing"
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}

    assert files("police") == {n for n in CITY_FILES if n.startswith(("police/", "council_gis/"))}
    assert files("council") == {n for n in CITY_FILES if not n.startswith("police/")}
    assert written == {"police": 3, "council": 4}
    copy = tmp_path / "parties" / "council" / "landing" / CITY_FILES[3]
    assert copy.read_text() == CITY_FILES[3]  # the city's own bytes
    # Written again, a party's landing is replaced, not added to.
    (city / "landing" / CITY_FILES[1]).unlink()
    assert write_party_landings(city, tmp_path / "parties")["police"] == 2


def test_an_unknown_party_is_refused():
    with pytest.raises(ValueError, match="unknown party 'probation'"):
        party_agencies("probation", ["police"])
