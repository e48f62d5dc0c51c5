"""The synthetic city run as the agreement's two parties, exchanging as the agreement says.

One small city, three instances of the platform, each its own nightly job: the police
(police datasets and the gazetteer), the council (every other dataset and the gazetteer)
and, for comparison, one warehouse holding everything (the session's shared night of the
same city, `completed_night`). Stage one and stage two then run between the police and
council warehouses through files, as `families exchange` does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from nights import run_nightly, tail

from orchestration.exchange.combine import import_household_list
from orchestration.exchange.envelope import ExchangeRefused
from orchestration.exchange.keys import ExchangeKey, write_new_key
from orchestration.exchange.register import registered
from orchestration.exchange.stage_one import export_household_list
from orchestration.synth.parties import write_party_landings

pytestmark = pytest.mark.slow
COMBINED_LIST = (
    "select family_id, criteria_count, could_enter, exchange_id from exchange.combined_families"
)


@pytest.fixture(scope="module")
def city(completed_night, tmp_path_factory) -> dict[str, Path]:
    """The police and council instances, each its own night on its party's share of the
    city; the single warehouse is the session's night of the whole city (read only)."""
    work = tmp_path_factory.mktemp("two_parties")
    write_party_landings(completed_night.data_dir, work)
    for instance in ("police", "council"):
        data_dir = work / instance
        night = run_nightly(data_dir, data_dir / "dagster_home", timeout=1200)
        assert night.returncode == 0, tail(night)
    key_file = tmp_path_factory.mktemp("keys") / "exchange.json"
    write_new_key(key_file, "2016-Q2")
    return {
        "police": work / "police" / "warehouse.duckdb",
        "council": work / "council" / "warehouse.duckdb",
        "single": completed_night.db,
        "city": completed_night.data_dir,
        "key": key_file,
        "files": work / "exchange",
    }


def _key(city) -> ExchangeKey:
    from orchestration.exchange.keys import read_key_file

    return read_key_file(city["key"])


def _rows(db: Path, sql: str) -> set[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return set(con.execute(sql).fetchall())


@pytest.fixture(scope="module")
def stage_one(city) -> dict:
    """The police export and the council import of one household list."""
    out = city["files"] / "household_list.json"
    with duckdb.connect(str(city["police"])) as con:
        envelope = export_household_list(con, _key(city), out)
    with duckdb.connect(str(city["council"])) as con:
        result = import_household_list(con, _key(city), out)
    return {"path": out, "envelope": envelope, "counts": result.counts}


def _select_and_answer(city, family_ids: list[str], name: str):
    """The coordinator selects `family_ids`; the council requests, the police answer."""
    from orchestration.exchange.answer import answer_request
    from orchestration.exchange.request import write_request
    from orchestration.exchange.warehouse import run_parameters

    selection = city["files"] / f"{name}_selection.csv"
    selection.write_text("family_id\n" + "".join(f"{f}\n" for f in family_ids))
    with duckdb.connect(str(city["council"])) as con:
        parameters = run_parameters(con)
        request = write_request(
            con, _key(city), selection, city["files"] / f"{name}_request.json",
            parameters.rule_set, parameters.as_at_date,
        )  # fmt: skip
    with duckdb.connect(str(city["police"])) as con:
        answer = answer_request(con, _key(city), request.path, city["files"] / f"{name}.json")
    return request, answer


def _candidates(city) -> list[str]:
    """Stage one's candidates: the families that could enter if the police criteria hold."""
    sql = "select family_id from exchange.combined_families where could_enter"
    return sorted(family for (family,) in _rows(city["council"], sql))


@pytest.fixture(scope="module")
def stage_two_all(city, stage_one) -> dict:
    """Stage two for every candidate family: the coordinator selects all of them."""
    from orchestration.exchange.load_answer import load_answer

    candidates = _candidates(city)
    request, answer = _select_and_answer(city, candidates, "all_candidates")
    with duckdb.connect(str(city["council"])) as con:
        counts = load_answer(con, _key(city), answer.path)
    print(f"\nstage one: {stage_one['counts']}\nstage two: {counts}")
    return {"request": request, "answer": answer, "counts": counts, "candidates": candidates}


SINGLE_MET = "select family_id, criterion_code from marts.family_criteria where is_met"
SINGLE_ELIGIBLE = "select family_id from marts.eligible_families"


def test_council_final_list_equals_the_single_warehouse_list(city, stage_one, stage_two_all):
    """Issue 16's first Done-when item: after stage two, every family and every criterion."""
    families = "select family_id from marts.families"
    assert _rows(city["council"], families) == _rows(city["single"], families)
    final_met = _rows(
        city["council"],
        "select family_id, criterion_code from exchange.final_family_criteria where is_met",
    )
    assert final_met == _rows(city["single"], SINGLE_MET)
    final_eligible = _rows(
        city["council"], "select family_id from exchange.final_families where is_eligible"
    )
    assert final_eligible == _rows(city["single"], SINGLE_ELIGIBLE)
    # Stage one alone: a candidate list that loses no family the single warehouse finds.
    assert set(stage_two_all["candidates"]) >= {f for (f,) in final_eligible}
    # The police criteria are what make them equal: without them some would be missed.
    assert stage_two_all["counts"]["final_eligible_only_with_police_criteria"] > 0
    council_only = _rows(
        city["council"],
        "select family_id from exchange.combined_families where could_enter_on_council_records",
    )
    assert council_only < final_eligible


def test_stage_two_removes_the_candidate_criteria_persons_do_not_bear_out(
    city, stage_one, stage_two_all
):
    """Stage one's candidates credit a former resident's record to whoever lives at the
    address now; stage two's person-level linkage removes such criteria, and the final list
    gives no criterion the single warehouse does not."""
    candidate_met = _rows(
        city["council"],
        "select family_id, criterion_code from exchange.combined_family_criteria where is_met",
    )
    final_met = _rows(
        city["council"],
        "select family_id, criterion_code from exchange.final_family_criteria where is_met",
    )
    single_met = _rows(city["single"], SINGLE_MET)
    assert candidate_met - single_met, "stage one credited nothing stage two had to remove"
    assert final_met <= single_met
    assert not (candidate_met - single_met) & final_met


def _identifier_values(db: Path) -> set[str]:
    """Every name, date of birth, NHS number, UPN, NI number, address, postcode and local
    reference in a warehouse's loaded extracts, the police record keys, and the UPRNs."""
    from orchestration.ingest.contract import load_contracts

    kinds = {"name", "date_of_birth", "nhs_number", "upn", "ni_number", "address", "postcode",
             "local_ref"}  # fmt: skip
    values: set[str] = set()
    with duckdb.connect(str(db), read_only=True) as con:
        for table, contract in load_contracts().items():
            columns = [c.name for c in contract.columns if c.identifier_kind in kinds]
            if contract.agency == "police":
                columns += list(contract.primary_key)
            if contract.agency == "council_gis":
                columns.append("UPRN")
            for column in set(columns):
                for (value,) in con.execute(
                    f'select distinct "{column}" from raw.{table} where "{column}" is not null'
                ).fetchall():
                    values.add(str(value))
                    if hasattr(value, "strftime"):
                        values.add(value.strftime("%d/%m/%Y"))
    return values


def test_the_household_list_holds_none_of_the_landing_identifiers(city, stage_one):
    data = stage_one["path"].read_bytes()
    values = _identifier_values(city["police"]) | _identifier_values(city["council"])
    assert len(values) > 1000  # the scan looked at the city, not at empty tables
    found = sorted(value for value in values if value.encode() in data)
    assert found == [], f"{len(found)} identifier values appear in the household list"
    body = json.loads(data)["body"]
    fields = {"household", "criteria", "indicators", "addresses"}
    assert body and all(set(row) == fields for row in body)
    # The addresses are pseudonyms too, and some households carry them (families move).
    assert any(row["addresses"] for row in body)


def test_with_the_wrong_key_nothing_matches_and_the_import_says_why(city, stage_one):
    from orchestration.exchange.warehouse import household_pseudonyms

    wrong = ExchangeKey("2016-Q2", os.urandom(32))
    out = city["files"] / "household_list_wrong_key.json"
    with duckdb.connect(str(city["police"])) as con:
        theirs = set(household_pseudonyms(con, wrong)["pseudonym"])
        export_household_list(con, wrong, out)
    before = _rows(city["council"], COMBINED_LIST)
    with duckdb.connect(str(city["council"])) as con:
        assert not theirs & set(household_pseudonyms(con, _key(city))["pseudonym"])
        with pytest.raises(ExchangeRefused) as refused:
            import_household_list(con, _key(city), out)
        last = registered(con)[-1]
    assert refused.value.reason == "wrong_key"
    listed = stage_one["envelope"].header["counts"]["households"]
    assert f"(0 of {listed} households match ours)" in str(refused.value)
    assert "another secret" in str(refused.value)
    assert (last["outcome"], last["file_name"]) == ("refused", out.name)
    assert last["reason"].startswith("wrong_key")
    assert _rows(city["council"], COMBINED_LIST) == before


def test_a_list_under_another_key_id_is_refused(city, stage_one):
    rotated = ExchangeKey("2016-Q3", _key(city).secret)
    with (
        duckdb.connect(str(city["council"])) as con,
        pytest.raises(ExchangeRefused, match="key id '2016-Q3'") as refused,
    ):
        import_household_list(con, rotated, stage_one["path"])
    assert refused.value.reason == "key_id"


def test_both_parties_register_the_list_with_one_checksum(city, stage_one):
    exchange_id = stage_one["envelope"].exchange_id
    with duckdb.connect(str(city["police"]), read_only=True) as con:
        sent = [r for r in registered(con) if r["exchange_id"] == exchange_id]
    with duckdb.connect(str(city["council"]), read_only=True) as con:
        received = [r for r in registered(con) if r["exchange_id"] == exchange_id]
    assert [r["outcome"] for r in sent] == ["written"]
    # The same list refused under a rotated key id (test above) is registered too.
    received = [r for r in received if r["outcome"] == "accepted"]
    assert len(received) == 1
    assert sent[0]["checksum_sha256"] == received[0]["checksum_sha256"]
    assert sent[0]["key_id"] == received[0]["key_id"] == "2016-Q2"
    assert (
        json.loads(received[0]["counts"])["households_listed"]
        == json.loads(sent[0]["counts"])["households"]
    )
    assert sent[0]["run_by"] and received[0]["run_by"]


@pytest.fixture(scope="module")
def stage_two(city, stage_one) -> dict:
    """The coordinator selects every candidate but one; request and answer."""
    eligible = _candidates(city)
    selected, left_out = eligible[:-1], eligible[-1]
    request, answer = _select_and_answer(city, selected, "answer")
    return {"request": request, "answer": answer, "selected": selected, "left_out": left_out}


def test_the_answer_holds_persons_of_the_requested_households_only(city, stage_two):
    from orchestration.exchange.load_answer import load_answer

    request_id = stage_two["request"].exchange_id
    requested = _rows(
        city["council"],
        f"select pseudonym, uprn, family_id from exchange.requested_households "
        f"where request_id = '{request_id}'",
    )
    assert {family for _, _, family in requested} == set(stage_two["selected"])
    assert stage_two["left_out"] not in {family for _, _, family in requested}
    body = stage_two["answer"].body
    assert body and {row["household"] for row in body} <= {p for p, _, _ in requested}
    # Every person answered is a member of a requested household in the police warehouse,
    # and every member of those households is answered, with their own records only. (A
    # requested police household may be at an address the council does not know, so the
    # police side's own pseudonyms say which UPRNs were asked about.)
    from orchestration.exchange.warehouse import household_pseudonyms

    with duckdb.connect(str(city["police"]), read_only=True) as con:
        police = household_pseudonyms(con, _key(city))
        asked = police[police["pseudonym"].isin({p for p, _, _ in requested})]["uprn"]
        members = con.execute(
            "select person_id from intermediate.int_household_members where list_contains(?, uprn)",
            [list(asked)],
        ).fetchall()
    assert len(asked) == len(body)
    answered = {p["person_ref"] for row in body for p in row["persons"]}
    assert answered == {person for (person,) in members}
    owners = dict(
        _rows(city["police"], "select record_id, person_id from intermediate.int_record_persons")
    )
    for row in body:
        for person in row["persons"]:
            assert {owners[r["record_id"]] for r in person["records"]} <= {person["person_ref"]}
        assert {e["person_ref"] for e in row["evidence"]} <= answered
    with duckdb.connect(str(city["council"])) as con:
        counts = load_answer(con, _key(city), stage_two["answer"].path)
        loaded = con.execute(
            "select count(*) from exchange.police_persons where request_id = ?", [request_id]
        ).fetchone()[0]
    assert loaded == counts["persons"] == len(answered)
    assert counts["persons_linked"] > 0


def test_a_family_that_cannot_enter_cannot_be_requested(city, stage_one):
    from orchestration.exchange.request import SelectionError, read_selection

    (family,) = sorted(
        _rows(city["council"], "select family_id from exchange.combined_families "
              "where not could_enter limit 1")
    )[0]  # fmt: skip
    selection = city["files"] / "not_eligible.csv"
    selection.write_text(f"family_id\n{family}\n")
    with (
        duckdb.connect(str(city["council"]), read_only=True) as con,
        pytest.raises(SelectionError, match="row 2, field family_id"),
    ):
        read_selection(con, selection)


def test_an_over_full_answer_is_refused_whole(city, stage_two):
    """An answer naming a household its request did not ask for loads nothing at all, even
    when correctly sealed with the shared key."""
    from orchestration.exchange.envelope import read_envelope, write_envelope
    from orchestration.exchange.load_answer import load_answer

    request, answer = _select_and_answer(city, stage_two["selected"][:1], "over_full")
    extra = next(row for row in stage_two["answer"].body if row not in answer.body)
    tampered = city["files"] / "over_full_answer.json"
    write_envelope(tampered, _key(city), dict(answer.header), [*answer.body, extra])
    read_envelope(tampered, "answer", _key(city))  # sealed correctly: the seal is not why
    with duckdb.connect(str(city["council"])) as con:
        with pytest.raises(ExchangeRefused, match="1 of its [0-9]+ households were not requested"):
            load_answer(con, _key(city), tampered)
        loaded = con.execute(
            "select count(*) from exchange.police_persons where request_id = ?",
            [request.exchange_id],
        ).fetchone()[0]
        last = registered(con)[-1]
    assert loaded == 0
    assert (last["kind"], last["outcome"]) == ("answer", "refused")
    assert last["reason"].startswith("not_requested")


def test_a_tampered_answer_is_refused(city, stage_two):
    from orchestration.exchange.load_answer import load_answer

    document = json.loads(stage_two["answer"].path.read_bytes())
    document["body"][0]["persons"][0]["surname"] = "SOMEONE ELSE"
    tampered = city["files"] / "tampered_answer.json"
    tampered.write_text(json.dumps(document))
    with duckdb.connect(str(city["council"])) as con:
        with pytest.raises(ExchangeRefused) as refused:
            load_answer(con, _key(city), tampered)
        last = registered(con)[-1]
    assert refused.value.reason == "checksum"
    assert (last["outcome"], last["file_name"]) == ("refused", tampered.name)
