"""The review queue's impact order and side-by-side fields, on a hand-made published night.

FF2015 needs 2 criteria. Each pair below is built to reach one score of the rule in
orchestration/web/review_impact.py.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from orchestration.web import night
from orchestration.web.review_impact import scored_queue
from orchestration.web.review_records import publish_review_records

# family: (members, {criterion: evidence records}) for met criteria
FAMILIES = {
    "F-AT-MIN": (["P-A"], {1: ["r:a1"], 2: ["r:a9"]}),  # eligible, exactly 2
    "F-ONE-SHORT": (["P-B"], {1: ["r:b9"]}),  # 1 of 2
    "F-ABOVE": (["P-D"], {1: ["r:d9"], 2: ["r:d1"], 3: ["r:d8"]}),  # eligible, 3
    "F-SHORT-TOO": (["P-E"], {4: ["r:e9"]}),  # one short, no evidence at stake
    "F-NOTHING": (["P-F"], {}),  # no criterion met
    "F-OTHER": (["P-X"], {3: ["r:x9"]}),  # where P-X's criterion 3 comes from
}
# (left, right, match weight, person of left, person of right, expected impact)
PAIRS = [
    ("r:a1", "r:a2", 0.5, "P-A", "P-A", 3),  # split can take criterion 1 from F-AT-MIN
    ("r:b1", "r:x1", -1.5, "P-B", "P-X", 3),  # join brings criterion 3 to F-ONE-SHORT
    ("r:d1", "r:d2", 0.1, "P-D", "P-D", 2),  # split can take criterion 2 from F-ABOVE
    ("r:e1", "r:y1", 0.2, "P-E", "P-Y", 1),  # join: P-Y carries no criterion
    ("r:f1", "r:f2", 0.0, "P-F", "P-F", 0),  # family far from the list
    ("r:q1", "r:q2", -0.1, None, None, 0),  # records not in the person index
]


@pytest.fixture
def published() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for schema in ("linkage", "marts", "reference"):
        con.execute(f"create schema {schema}")
    con.execute("create table reference.rule_sets (rule_set_version varchar, min_criteria int)")
    con.execute("insert into reference.rule_sets values ('FF2015', 2)")
    con.execute(
        "create table marts.families (family_id varchar, person_ids varchar[], "
        "absent_parent_person_ids varchar[])"
    )
    con.execute(
        "create table marts.family_criteria (family_id varchar, criterion_code int, "
        "is_met boolean, evidence_record_ids varchar[], rule_set_version varchar)"
    )
    con.execute(
        "create table marts.indicator_events (family_id varchar, person_id varchar, "
        "criterion_code int, evidence_record_ids varchar[])"
    )
    for family, (members, met) in FAMILIES.items():
        con.execute("insert into marts.families values (?, ?, [])", [family, members])
        for code in range(1, 7):
            evidence = met.get(code, [])
            con.execute(
                "insert into marts.family_criteria values (?, ?, ?, ?, 'FF2015')",
                [family, code, code in met, evidence],
            )
            if evidence:
                con.execute(
                    "insert into marts.indicator_events values (?, ?, ?, ?)",
                    [family, members[0], code, evidence],
                )
    evidence = {"first_name": {"level": "exact", "bayes_factor": 40.0}, "dob": {"level": "x"}}
    con.execute(
        "create table linkage.review_queue (record_id_l varchar, record_id_r varchar, "
        "match_probability double, match_weight double, evidence json, queued_at timestamp)"
    )
    con.execute(
        "create table linkage.review_records (record_id varchar, source_dataset varchar, "
        "person_id varchar, first_name varchar, dob date)"
    )
    for left, right, weight, person_l, person_r, _ in PAIRS:
        con.execute(
            "insert into linkage.review_queue values (?, ?, 0.5, ?, ?, now())",
            [left, right, weight, json.dumps(evidence)],
        )
        for record, person in ((left, person_l), (right, person_r)):
            if person:
                con.execute(
                    "insert into linkage.review_records values (?, 'police__offences', ?, ?, "
                    "date '2010-05-04')",
                    [record, person, f"name-{record}"],
                )
    yield con
    con.close()


def test_each_pair_gets_the_impact_the_rule_gives_it(published):
    scores = {(r["record_id_l"], r["record_id_r"]): r["impact"] for r in scored_queue(published)}
    assert scores == {(left, right): impact for left, right, *_, impact in PAIRS}


def test_pairs_that_can_change_eligibility_come_first_then_the_most_uncertain(published):
    order = [(r["record_id_l"], r["impact"]) for r in scored_queue(published)]
    # Impact 3 twice: |0.5| before |-1.5|; impact 0 twice: |0.0| before |-0.1|.
    assert order == [
        ("r:a1", 3),
        ("r:b1", 3),
        ("r:d1", 2),
        ("r:e1", 1),
        ("r:f1", 0),
        ("r:q1", 0),
    ]


def test_a_pair_is_shown_field_by_field_with_both_values_and_the_level(published):
    pair = night.queued_pair(published, "r:b1", "r:x1")
    assert pair["person_l"] == "P-B" and pair["person_r"] == "P-X" and pair["has_values"]
    first_name = next(f for f in pair["fields"] if f["field"] == "first_name")
    assert first_name == {
        "field": "first_name",
        "value_l": "name-r:b1",
        "value_r": "name-r:x1",
        "level": "exact",
        "bayes_factor": 40.0,
    }
    assert night.queued_pair(published, "r:b1", "r:nope") is None


def test_only_queued_records_are_published_with_their_person(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema linkage")
    con.execute(
        "create table linkage.review_queue as select 'r:1' as record_id_l, 'r:2' as record_id_r"
    )
    con.execute(
        "create table linkage.standardised_records as select * from (values "
        "('r:1', 'police__offences', 'ann', 'smith'), ('r:2', 'nhs__ae', 'anne', 'smith'), "
        "('r:3', 'nhs__ae', 'bob', 'jones')) t(record_id, source_dataset, first_name, surname)"
    )
    con.execute(
        "create table linkage.person_index as select * from (values ('r:1', 'P1'), "
        "('r:2', 'P1'), ('r:3', 'P2')) t(record_id, person_id)"
    )
    con.execute(f"attach '{tmp_path / 'night.duckdb'}' as night")
    assert publish_review_records(con, "night") == {"linkage.review_records": 2}
    rows = con.execute("select * from night.linkage.review_records order by 1").fetchall()
    assert rows == [
        ("r:1", "police__offences", "P1", "ann", "smith"),
        ("r:2", "nhs__ae", "P1", "anne", "smith"),
    ]
    con.close()
