"""Retention and disposal on a real warehouse and landing folder with planted canary values:
one dataset past its retention (asb cases, kept 1 year from each extract) and one within it
(benefit cap, programme end plus 8 years)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.governance import retention
from orchestration.governance.byte_scan import find_values
from orchestration.ingest.contract import Retention, load_contracts, load_deny_list
from orchestration.ingest.loader import load_file

TODAY = dt.date(2026, 12, 4)
PROGRAMME_END = dt.date(2020, 3, 31)
ASB, CAP = "council_housing__asb_cases", "council_revenues__benefit_cap"
GONE = ["Zqxcanaryasb", "ASBCANARY0001", "17 Canaryasb Lane", "Zqxquarantineasb"]
KEPT = ["Keepcanary Benefit", "HBKEEPCANARY01"]
ASB_RECORD = f"{ASB}:C1|ASBCANARY0001"  # the asb record only (person P1)
ASB_SHARED = f"{ASB}:C2|ASB0002"  # an asb record of P2, who also has a benefit cap record
CAP_RECORD = f"{CAP}:HBKEEPCANARY01|2024-04"

ASB_CSV = (
    "CASE_NO,PERSON_REF,SURNAME,FORENAME,DOB,ADDRESS,POSTCODE,CASE_OPENED,CASE_TYPE,ROLE\n"
    "C1,ASBCANARY0001,Zqxcanaryasb,Ann,01/02/2001,17 Canaryasb Lane,BS1 1AA,05/01/2020,NOISE,"
    "PERPETRATOR\n"
    "C2,ASB0002,Smith,Bob,03/04/1980,2 High St,BS1 1AB,06/01/2020,OTHER,VICTIM\n"
    "C3,ASB0003,Zqxquarantineasb,Cy,01/02/2001,3 High St,BS1 1AC,not a date,OTHER,VICTIM\n"
)
CAP_CSV = (
    "PERIOD,HB_CLAIM_REF,CLAIMANT_NAME,DOB,NINO,ADDRESS,POSTCODE,CAP_START_DATE,"
    "WEEKLY_CAP_AMOUNT\n"
    "2024-04,HBKEEPCANARY01,Keepcanary Benefit,03/04/1980,,2 High St,BS1 1AB,01/04/2024,50.00\n"
)


def _contracts() -> dict:
    contracts = load_contracts()
    asb = contracts[ASB]
    short = Retention(years=1, basis="test: one year from each extract", start="extract_date")
    return {ASB: dataclasses.replace(asb, retention=short), CAP: contracts[CAP]}


def _derived_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Layers keyed by record or person ids, as linkage and dbt build them."""
    con.execute(
        f"""
        create schema intermediate; create schema linkage; create schema marts;
        create schema quality;
        create table intermediate.int_person_records as select * from (values
            ('{ASB_RECORD}', 'Zqxcanaryasb'), ('{ASB_SHARED}', 'Smith'),
            ('{CAP_RECORD}', 'Keepcanary Benefit')) t(record_id, surname);
        create table linkage.person_index as select * from (values
            ('{ASB_RECORD}', 'P1'), ('{ASB_SHARED}', 'P2'), ('{CAP_RECORD}', 'P2'))
            t(record_id, person_id);
        create table linkage.pairs as select * from (values
            ('{ASB_RECORD}', '{CAP_RECORD}', 'Zqxcanaryasb'),
            ('{ASB_SHARED}', '{CAP_RECORD}', 'Smith')) t(record_id_l, record_id_r, surname_l);
        create table marts.person_summary as select * from (values
            ('P1', '17 Canaryasb Lane'), ('P2', 'Keepcanary Benefit')) t(person_id, detail);
        create table marts.families as select * from (values
            ('F1', ['P1', 'P3'], 'Zqxcanaryasb'), ('F2', ['P2'], 'Keepcanary Benefit'))
            t(family_id, member_person_ids, names);
        create table quality.ref_census_upns as select 'ASBCANARY0001' as ref_upn;
        create table quality.reference_builds as
            select 'quality.ref_census_upns' as name, 'x' as fingerprint,
                   now()::timestamp as built_at;
        """
    )


@pytest.fixture
def city(tmp_path: Path) -> dict:
    data = tmp_path / "data"
    landing = data / "landing"
    contracts = _contracts()
    files = {
        ASB: (landing / "council_housing/asb_cases/2020-01-31.csv", ASB_CSV, "cp1252"),
        CAP: (landing / "council_revenues/benefit_cap/2024-04-30.csv", CAP_CSV, "utf-8"),
    }
    warehouse = data / "warehouse.duckdb"
    data.mkdir()
    with duckdb.connect(str(warehouse)) as con:
        for table, (path, text, encoding) in files.items():
            path.parent.mkdir(parents=True)
            path.write_bytes(text.encode(encoding))
            load_file(con, contracts[table], path, load_deny_list(), landing_root=landing)
        _derived_tables(con)
    night = data / "published" / "night-1.duckdb"
    night.parent.mkdir()
    with duckdb.connect(str(night)) as con:
        con.execute(f"attach '{warehouse}' as w (read_only)")
        con.execute("create schema marts")
        con.execute("create table marts.person_summary as select * from w.marts.person_summary")
    report = data / "reports" / "linkage" / "restricted" / "cluster_studio.html"
    report.parent.mkdir(parents=True)
    report.write_text("<td>Zqxcanaryasb</td>")
    return {
        "data": data,
        "landing": landing,
        "warehouse": warehouse,
        "night": night,
        "contracts": contracts,
        "files": files,
    }


def _run(city: dict, dry_run: bool):
    return retention.run(
        city["warehouse"],
        city["contracts"],
        TODAY,
        city["landing"],
        [city["night"]],
        dry_run=dry_run,
        programme_ends=PROGRAMME_END,
        reports=city["data"] / "reports",
    )


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def test_policy_expires_extract_dated_loads_and_keeps_the_programme_end_ones():
    contracts = _contracts()
    asb = retention.Policy.of(contracts[ASB], PROGRAMME_END)
    cap = retention.Policy.of(contracts[CAP], PROGRAMME_END)
    assert asb.expired(dt.date(2020, 1, 31), TODAY)
    assert not asb.expired(dt.date(2026, 1, 31), TODAY)
    assert not cap.expired(dt.date(2012, 1, 1), TODAY)  # counts from 2020-03-31, not the load
    assert cap.expired(dt.date(2024, 4, 30), dt.date(2028, 4, 1))
    assert retention.programme_end() == PROGRAMME_END


def test_dry_run_lists_counts_and_changes_no_byte(city):
    before = _digests(city["data"])
    disposals, run_id = _run(city, dry_run=True)
    assert _digests(city["data"]) == before
    assert run_id is None
    by_dataset = {d.dataset: d for d in disposals}
    assert CAP not in by_dataset
    asb = by_dataset[ASB]
    assert asb.rows["raw"] >= 2 and asb.rows["ops.quarantine"] >= 1
    assert asb.rows["linkage.person_index"] == 2  # both asb records; P2 keeps its cap record
    assert asb.rows["marts.person_summary"] == 1  # P1 only: P2 still has a record
    assert [p.name for p in asb.files] == ["2020-01-31.csv"]
    nights = by_dataset[retention.PUBLISHED].rows
    assert nights == {"published night-1.duckdb marts.person_summary": 1}


def test_disposal_leaves_no_byte_of_the_expired_dataset_and_the_rest_intact(city):
    data = city["data"]
    found = find_values(data, GONE)
    assert {p.name for p in found} >= {
        "warehouse.duckdb",
        "night-1.duckdb",
        "2020-01-31.csv",
        "cluster_studio.html",
    }
    assert set().union(*found.values()) == set(GONE)  # the scan sees every canary before
    with duckdb.connect(str(city["warehouse"]), read_only=True) as con:
        cap_rows = _one(con, f"select count(*) from raw.{CAP}")
        assert _one(con, f"select count(*) from ops.quarantine where dataset = '{ASB}'") >= 1

    disposals, run_id = _run(city, dry_run=False)

    assert run_id and find_values(data, GONE) == {}
    kept = find_values(data, KEPT)
    assert {p.name for p in kept} >= {"warehouse.duckdb", "2024-04-30.csv", "night-1.duckdb"}
    assert not city["files"][ASB][0].exists() and city["files"][CAP][0].exists()
    with duckdb.connect(str(city["warehouse"]), read_only=True) as con:
        assert _one(con, f"select count(*) from raw.{ASB}") == 0
        assert _one(con, f"select count(*) from raw.{CAP}") == cap_rows == 1
        assert _one(con, f"select count(*) from ops.quarantine where dataset = '{ASB}'") == 0
        index = con.execute("select * from linkage.person_index order by 1").fetchall()
        assert index == [(CAP_RECORD, "P2")]
        assert con.execute("select person_id from marts.person_summary").fetchall() == [("P2",)]
        assert con.execute("select family_id from marts.families").fetchall() == [("F2",)]
        assert _one(con, "select count(*) from linkage.pairs") == 0
        outcomes = dict(con.execute("select dataset, outcome from ops.load_register").fetchall())
        assert outcomes == {ASB: "disposed", CAP: "loaded"}
        register = con.execute("select * from ops.disposal_register").fetchall()
        columns = [d[0] for d in con.description]
    assert columns == [
        "run_id",
        "disposed_at",
        "as_of",
        "dataset",
        "layer",
        "rows_disposed",
        "files_disposed",
        "policy",
    ]
    layers = {(row[3], row[4]): (row[5], row[6]) for row in register}
    assert layers[(ASB, "raw")][0] >= 2 and layers[(ASB, "landing")] == (0, 1)
    assert layers[(retention.PUBLISHED, "published night-1.duckdb marts.person_summary")] == (1, 0)
    assert layers[(retention.DERIVED, "restricted reports")] == (0, 1)
    assert layers[(retention.DERIVED, "quality.ref_census_upns")] == (1, 0)
    assert {row[3] for row in register} == {ASB, retention.DERIVED, retention.PUBLISHED}
    text = repr(register)
    assert not [v for v in GONE + KEPT if v in text]  # counts, never values


def test_a_second_run_finds_nothing_left_to_dispose(city):
    _run(city, dry_run=False)
    disposals, run_id = _run(city, dry_run=False)
    assert disposals == [] and run_id is None


def test_cli_dry_run_prints_counts_never_values(city, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("FAMILIES_DATA_DIR", str(city["data"]))
    monkeypatch.setenv("FAMILIES_DB", str(city["warehouse"]))
    monkeypatch.setenv("DAGSTER_HOME", str(city["data"].parent / "no_dagster_home"))
    before = _digests(city["data"])
    # The repository's contracts: both datasets count from the programme end (2020-03-31).
    assert main(["retention", "--dry-run", "--today", "2026-12-04"]) == 0
    assert "0 dataset(s) past retention" in capsys.readouterr().out
    assert main(["retention", "--dry-run", "--today", "2028-04-01"]) == 0
    out = capsys.readouterr().out
    assert "2 dataset(s) past retention" in out and f"  {ASB} (8 years from programme" in out
    assert "would lose" in out and "next `families nightly`" in out
    assert not [v for v in GONE + KEPT if v in out]
    assert _digests(city["data"]) == before


@contextmanager
def _held_by_another_process(warehouse: Path):
    """The warehouse open read-write in another process (a running night, say)."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_cli_refuses_a_warehouse_another_process_holds(city, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("FAMILIES_DATA_DIR", str(city["data"]))
    monkeypatch.setenv("FAMILIES_DB", str(city["warehouse"]))
    monkeypatch.setenv("DAGSTER_HOME", str(city["data"].parent / "no_dagster_home"))
    with _held_by_another_process(city["warehouse"]):
        before = _digests(city["data"])
        assert main(["retention", "--today", "2028-04-01"]) == 2
        assert "is in use; run when no job runs" in capsys.readouterr().err
        assert _digests(city["data"]) == before


def test_dry_run_counts_what_disposal_removes_when_a_person_spans_two_expiring_datasets(city):
    def per_layer(disposals) -> dict[str, int]:
        totals: dict[str, int] = {}
        for d in disposals:
            for layer, rows in d.rows.items():
                totals[layer] = totals.get(layer, 0) + rows
        return totals

    args = (city["warehouse"], city["contracts"], dt.date(2028, 4, 1), city["landing"])
    options = {"programme_ends": PROGRAMME_END, "published": [city["night"]]}
    planned, _ = retention.run(*args, dry_run=True, **options)
    done, _ = retention.run(*args, **options)
    # P2 has an asb and a benefit cap record: orphaned only once both datasets go.
    assert per_layer(planned)["marts.person_summary"] == 2
    assert per_layer(planned) == per_layer(done)


# The web application's own stores: Django binds its database when first set up in a
# process, so each step runs in a process of its own pointed at this city's web folder.
WEB_GONE = ["FAMCANARYAUDIT", "Canarypurpose visit", "10.9.9.9", "Canaryreason pair"]
WEB_KEPT = ["Keepreason pair"]
SEED_WEB = f"""
from orchestration.web.cli import migrate, setup_django
setup_django(); migrate()
from orchestration.web import audit
from orchestration.web.models import ReviewDecision
for n in range(3):
    audit.append(username="kw", role="keyworker", action="view_family", page="/f/FAMCANARYAUDIT",
                 family_id="FAMCANARYAUDIT", person_id="", purpose="Canarypurpose visit",
                 remote_addr="10.9.9.9", detail="")
ReviewDecision.objects.create(record_id_l="{ASB_RECORD}", record_id_r="{CAP_RECORD}",
                              decision="match", reason="Canaryreason pair", reviewer="r")
ReviewDecision.objects.create(record_id_l="{CAP_RECORD}", record_id_r="other:1",
                              decision="non_match", reason="Keepreason pair", reviewer="r")
"""
DISPOSE = """
import datetime as dt, json, sys
sys.path.insert(0, {tests!r})
import test_retention as t
from orchestration.governance import disposal
stores = disposal.stores_here()
stores.published = [t.Path({night!r})]
found, run_id = disposal.dispose(stores, t._contracts(), dt.date.fromisoformat({today!r}),
                                 programme_ends=t.PROGRAMME_END)
from orchestration.web.models import AuditEntry, ReviewDecision
print(json.dumps({{"rows": {{d.dataset: d.rows for d in found}}, "run_id": run_id,
    "decisions": sorted(ReviewDecision.objects.values_list("reason", flat=True)),
    "entries": AuditEntry.objects.count()}}))
"""


def _web_env(city: dict) -> dict:
    import os

    return {
        **os.environ,
        "FAMILIES_DATA_DIR": str(city["data"]),
        "FAMILIES_DB": str(city["warehouse"]),
        "FAMILIES_WEB_DIR": str(city["data"] / "web"),
        "FAMILIES_WEB_SECRET_KEY": "test-only-not-a-secret",
        "DAGSTER_HOME": str(city["data"].parent / "no_dagster_home"),
    }


def _python(city: dict, code: str) -> str:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", code], env=_web_env(city), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _audit_verify(city: dict):
    import subprocess
    import sys

    families = str(Path(sys.executable).parent / "families")
    return subprocess.run(
        [families, "audit", "verify"], env=_web_env(city), capture_output=True, text=True
    )


def _dispose_as_of(city: dict, today: str) -> dict:
    import json

    code = DISPOSE.format(tests=str(Path(__file__).parent), night=str(city["night"]), today=today)
    return json.loads(_python(city, code).strip().splitlines()[-1])


def test_web_decisions_of_disposed_records_and_old_audit_detail_go_and_the_audit_verifies(city):
    import sqlite3

    from orchestration.governance.web_records import WEB_APP

    _python(city, SEED_WEB)
    web = city["data"] / "web"
    assert set().union(*find_values(web, WEB_GONE + WEB_KEPT).values()) == set(WEB_GONE + WEB_KEPT)

    # The asb records expire: the decision about one of them goes; the audit is too young.
    first = _dispose_as_of(city, TODAY.isoformat())
    assert first["rows"][WEB_APP] == {"web.review_decisions": 1}
    assert first["decisions"] == ["Keepreason pair"] and first["entries"] == 3

    # Three years on the audit's detail is past its two years; every dataset has expired.
    later = _dispose_as_of(city, "2029-12-04")
    assert later["rows"][WEB_APP] == {
        "web.review_decisions": 1,
        "web.audit entries (detail)": 3,
    }
    assert later["decisions"] == [] and later["entries"] == 4  # the disposal's own entry
    assert find_values(web, WEB_GONE + WEB_KEPT) == {}  # VACUUMed: not in any free page
    verified = _audit_verify(city)
    assert verified.returncode == 0, verified.stderr
    with duckdb.connect(str(city["warehouse"]), read_only=True) as con:
        layers = con.execute(
            "select layer, sum(rows_disposed) from ops.disposal_register where dataset = ? "
            "group by 1 order by 1",
            [WEB_APP],
        ).fetchall()
    assert layers == [("web.audit entries (detail)", 3), ("web.review_decisions", 2)]

    # Who looked and when stay covered: changing a disposed entry still fails verify.
    with sqlite3.connect(web / "web.sqlite3") as con:
        con.execute("update web_auditentry set username = 'someone-else' where id = 1")
    tampered = _audit_verify(city)
    assert tampered.returncode == 1 and "changed after their detail was disposed" in (
        tampered.stderr + tampered.stdout
    )


@dg.op(config_schema={"value": str})
def _log_a_value(context):
    context.log.info(f"value seen: {context.op_config['value']}")
    print(context.op_config["value"])


def test_dagster_runs_past_retention_are_deleted_and_their_bytes_gone(tmp_path):
    from dagster._core.instance.ref import InstanceRef

    from orchestration.governance.run_logs import RUN_LOGS, dispose_run_logs

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    job = dg.GraphDefinition(name="night", node_defs=[_log_a_value]).to_job()
    policies = [retention.Policy.of(c, PROGRAMME_END) for c in _contracts().values()]
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        runs = [
            job.execute_in_process(
                instance=instance, run_config={"ops": {"_log_a_value": {"config": {"value": v}}}}
            ).run_id
            for v in ("Zqxrunlogcanary-old", "Zqxrunlogcanary-kept")
        ]
        assert set().union(*find_values(home, ["Zqxrunlogcanary-old"]).values())
        # asb keeps one year from each extract: both runs (today) are within it.
        assert dispose_run_logs(instance, policies, TODAY, dry_run=False).rows == {}
        a_year_on = dt.date(2028, 1, 1)
        before = _digests(home)
        planned = dispose_run_logs(instance, policies, a_year_on, dry_run=True)
        assert planned.dataset == RUN_LOGS and planned.rows == {"dagster runs": 2}
        assert _digests(home) == before
        done = dispose_run_logs(instance, policies, a_year_on, dry_run=False, keep=runs[1])
        assert done.rows == {"dagster runs": 1}
        assert [r.run_id for r in instance.get_runs()] == [runs[1]]
    assert find_values(home, ["Zqxrunlogcanary-old"]) == {}
    assert find_values(home, ["Zqxrunlogcanary-kept"])


def test_the_nightly_step_fails_alone_with_its_reason_and_leaves_the_served_night(
    city, monkeypatch
):
    from orchestration.governance.assets import retention as retention_asset

    monkeypatch.setenv("FAMILIES_DATA_DIR", str(city["data"]))
    monkeypatch.setenv("FAMILIES_DB", str(city["warehouse"]))
    with _held_by_another_process(city["warehouse"]):
        before = _digests(city["data"])
        result = dg.materialize(
            [retention_asset],
            instance=dg.DagsterInstance.ephemeral(),
            run_config={"ops": {"governance__retention": {"config": {"today": "2028-04-01"}}}},
            raise_on_error=False,
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message + str(
        failure.step_failure_data.user_failure_data
    )
    assert "retention as of 2028-04-01 failed" in message and "night just published" in message
    assert _digests(city["data"]) == before


def test_retention_is_the_last_step_of_the_night_and_owned_by_the_coordinator():
    from orchestration.definitions import defs
    from orchestration.governance.assets import RETENTION_KEY

    graph = defs.resolve_asset_graph()
    node = graph.get(RETENTION_KEY)
    assert node.owners == ["team:coordinator"] and node.group_name == "governance"
    assert defs.resolve_assets_def(RETENTION_KEY).op.pool == "duckdb"
    night = set(defs.resolve_job_def("nightly").asset_layer.executable_asset_keys)
    assert RETENTION_KEY in night and not node.child_keys
    # Everything else the night builds is upstream: retention runs after the night is served.
    assert night - {RETENTION_KEY} <= graph.get_ancestor_asset_keys(RETENTION_KEY)
