"""`families explain` and the web family page read one structured explanation: indicators
described once, sources and legal gateways by name, members with ages and roles."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.families.explain import FamilyNotFound, explain_family
from orchestration.families.family_explanation import family_explanation
from tests.unit.published_marts import Family, build_night, event

RESENT = "JSA claim from 2015-01-05, live at the 2016-03-31 extract"
FAMILY = Family(
    "FAM-100",
    [2, 4],
    members=[("P1", 41, False), ("P2", 9, True), ("P3", 14, True), ("P4", 17, False)],
    absent=["P9"],
    inferred=["P1: moved with their children"],
    events=[
        event("FAM-100", "P2", "2A", "missed 40 of 180 sessions (22.2%) over 3 term(s)"),
        event("FAM-100", "P3", "2A", "missed 30 of 180 sessions (16.7%) over 3 term(s)"),
        # A snapshot source re-sends a live claim in every extract: one claim, said once.
        event("FAM-100", "P1", "4A", f"{RESENT}; {RESENT}; {RESENT}", record_count=3),
    ],
)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    return build_night(tmp_path_factory.mktemp("explain") / "night.duckdb", [FAMILY])


def test_explanation_groups_each_indicator_once_with_the_people_it_was_found_for(night):
    with duckdb.connect(str(night), read_only=True) as con:
        explained = family_explanation(con, "FAM-100")
    school = next(c for c in explained.criteria if c.code == 2)
    (indicator,) = school.indicators
    assert indicator.description.startswith("Child persistently absent")
    assert [f.person_id for f in indicator.findings] == ["P2", "P3"]
    assert indicator.sources == ["Bristol City Council (education): Pupil attendance"]
    assert "Education Act 2002" in indicator.gateways
    assert [(m.person_id, m.age_years, m.role) for m in explained.members] == [
        ("P1", 41, "adult"),
        ("P2", 9, "dependent child"),
        ("P3", 14, "dependent child"),
        ("P4", 17, "child, not dependent"),
        ("P9", None, "absent parent (lives elsewhere)"),
    ]
    assert explained.members[0].placed_by_inference == "moved with their children"
    assert explained.eligible and explained.met_count == 2


def test_explain_text_names_gateways_and_sources_and_repeats_no_reason(night):
    text = explain_family("FAM-100", night)
    assert text.count(RESENT) == 1
    assert text.count("Child persistently absent") == 1  # one description for two children
    assert "Crime and Disorder Act 1998 s.115; Crime and Disorder Act 1998 s.17" in text
    assert "Welfare Reform Act 2012 s.131" in text
    assert "Department for Work and Pensions: Working-age out-of-work benefit claims" in text
    # No table names, no bare gateway numbers.
    assert "dwp__out_of_work_benefits:" not in text.replace("dwp__out_of_work_benefits:P1", "")
    assert "legal gateways 1" not in text and "1 9 10 13" not in text
    assert "P2: dependent child, 9" in text
    assert "placed here by inference (moved with their children): check before acting" in text
    assert "ELIGIBLE: 2 of 6 criteria met (at least 2 needed); priority rank 1" in text


def test_an_unknown_family_suggests_close_ids(night):
    with pytest.raises(FamilyNotFound, match="Did you mean: FAM-100"):
        explain_family("100", night)
