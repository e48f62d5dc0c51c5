"""Validation of a small warehouse with planted faults: caught, scored, reported, private."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import duckdb
import pytest

from orchestration.ingest.contract import load_contracts
from orchestration.quality.acceptance import AcceptedFailure
from orchestration.quality.offline_docs import external_loads
from orchestration.quality.privacy import find_leaks, personal_values, public_vocabulary
from orchestration.quality.reports import write_quality_reports
from orchestration.quality.sample_data import build_sample_warehouse
from orchestration.quality.scores import load_scores
from orchestration.quality.validate import validate_all, validate_dataset


@pytest.fixture(scope="module")
def quality_run(tmp_path_factory):
    """Sample warehouse, validated once, reports written (GX is imported once per module)."""
    root = tmp_path_factory.mktemp("quality")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FAMILIES_DATA_DIR", str(root))
        contracts = load_contracts()
        con = duckdb.connect(str(root / "warehouse.duckdb"))
        planted = build_sample_warehouse(con, contracts)
        outcomes = validate_all(con, contracts)
        written = write_quality_reports(con, contracts)
        yield {
            "root": root,
            "con": con,
            "contracts": contracts,
            "planted": planted,
            "outcomes": outcomes,
            "written": written,
        }
        con.close()


def _outcome(run, table, load_id):
    return next(o for o in run["outcomes"][table] if o.load_id == load_id)


def _result(outcome, check_name):
    return next(r for r in outcome.results if r.check.name == check_name)


def test_each_planted_fault_is_caught_by_the_check_meant_for_it(quality_run):
    missed = []
    for fault in quality_run["planted"]:
        result = _result(_outcome(quality_run, fault.table, fault.load_id), fault.check)
        if result.status != "failed" or fault.row_number not in result.example_rows:
            missed.append(f"{fault.table} {fault.fault}: {fault.check} {result.status}")
    assert not missed
    assert len(quality_run["planted"]) >= 15


def test_a_clean_extract_passes_every_check(quality_run):
    clean = _outcome(quality_run, "council_education__school_census", "S1")
    assert clean.status == "passed"
    assert all(r.status == "passed" for r in clean.results), [
        r.check.name for r in clean.results if r.status != "passed"
    ]
    assert _outcome(quality_run, "council_gis__gazetteer", "G1").status == "passed"


def test_clean_rows_are_never_flagged(quality_run):
    planted_rows = {(f.table, f.load_id, f.row_number) for f in quality_run["planted"]}
    wrongly_flagged = []
    for table, outcomes in quality_run["outcomes"].items():
        for outcome in outcomes:
            for result in outcome.failed:
                if result.check.dimension == "timeliness":
                    continue  # about the whole extract, not a row
                for row in result.example_rows:
                    # A repeated record or person flags the first copy too.
                    first_copy = result.check.dimension == "uniqueness"
                    if (table, outcome.load_id, row) not in planted_rows and not first_copy:
                        wrongly_flagged.append((table, outcome.load_id, result.check.name, row))
    assert not wrongly_flagged


def test_errors_block_downstream_and_warnings_do_not(quality_run):
    faulty_census = _outcome(quality_run, "council_education__school_census", "S2")
    assert faulty_census.status == "error"
    assert "primary_key_unique" in {r.check.name for r in faulty_census.blocking}
    attendance = _outcome(quality_run, "council_education__attendance", "A1")
    assert attendance.status == "warning"
    assert attendance.failed and not attendance.blocking


def test_a_wrong_identifier_in_one_row_warns_but_a_systematic_fault_blocks(quality_run):
    # One bad NHS number in nine child-health rows (11%): reported, not blocking.
    child_health = _outcome(quality_run, "nhs__child_health", "H1")
    assert child_health.status == "warning"
    assert _result(child_health, "nhs_number_check_digit").status == "failed"
    # Two bad NI numbers in seven DWP rows (29%, over the 20% tolerance): blocking.
    dwp = _outcome(quality_run, "dwp__out_of_work_benefits", "D1")
    assert {r.check.name for r in dwp.blocking} == {"NINO_format__blocking"}
    # One unknown benefit code in seven (14%) warns only.
    assert _result(dwp, "BENEFIT_TYPE_in_code_list").status == "failed"
    assert _result(dwp, "BENEFIT_TYPE_in_code_list__blocking").status == "passed"


def test_an_accepted_failure_stops_blocking_for_that_extract_only(quality_run):
    con, contracts = quality_run["con"], quality_run["contracts"]
    table = "dwp__out_of_work_benefits"
    before = validate_dataset(con, table, contracts, accepted=[])[-1]
    blocking = {r.check.name for r in before.blocking}
    assert blocking == {"NINO_format__blocking"}

    def accept(names, extract_date):
        return [
            AcceptedFailure(table, name, extract_date, "Head of Information", "agreed fix")
            for name in names
        ]

    wrong_extract = validate_dataset(
        con, table, contracts, accepted=accept(blocking, dt.date(2015, 3, 31))
    )[-1]
    assert wrong_extract.status == "error"
    accepted = validate_dataset(
        con, table, contracts, accepted=accept(blocking, before.extract_date)
    )[-1]
    assert accepted.status == "warning" and not accepted.blocking
    stored = con.execute(
        "select count(*) from quality.validation_results where dataset = ? "
        "and accepted_by is not null",
        [table],
    ).fetchone()[0]
    assert stored == 1
    again = validate_dataset(con, table, contracts, accepted=[])[-1]
    assert again.status == "error"


def test_results_are_kept_per_check_per_load(quality_run):
    con = quality_run["con"]
    expected = sum(len(o.results) for outs in quality_run["outcomes"].values() for o in outs)
    stored = con.execute("select count(*) from quality.validation_results").fetchone()[0]
    assert stored == expected
    loads = con.execute(
        "select count(*) from quality.validation_runs where dataset = ?",
        ["council_education__school_census"],
    ).fetchone()[0]
    assert loads == 3


def test_dimension_scores_follow_the_faults(quality_run):
    history = load_scores(quality_run["con"])["council_education__school_census"]
    clean, faulty, late = history
    assert all(s == 100 for s in clean.scores.values() if s is not None)
    assert {d for d, s in clean.scores.items() if s is not None} == {
        "completeness",
        "validity",
        "uniqueness",
        "timeliness",
        "consistency",
        "accuracy",
    }
    assert faulty.scores["validity"] < 100 and faulty.scores["uniqueness"] < 100
    assert faulty.scores["timeliness"] == 100
    assert late.scores["timeliness"] == 50  # late against schedule; still the newest extract


def test_every_agency_gets_a_one_page_report_saying_what_to_fix(quality_run):
    reports = quality_run["root"] / "reports" / "quality" / "iao"
    agencies = {c.agency for c in quality_run["contracts"].values()}
    assert {p.stem for p in reports.glob("*.html")} == agencies
    nhs = (reports / "nhs.html").read_text()
    assert "Caldicott Guardian" in nhs
    assert "fails its check digit" in nhs and "11.1% of records (1)" in nhs
    dwp = (reports / "dwp.html").read_text()
    assert "Blocking:" in dwp and "Blocked" in dwp
    education = (reports / "council_education.html").read_text()
    assert "more than 160 days after the previous one" in education
    assert "<svg" in education  # trend over the three census loads
    for dimension in (
        "Completeness",
        "Validity",
        "Uniqueness",
        "Timeliness",
        "Consistency",
        "Accuracy",
    ):
        assert dimension in education


def test_data_docs_are_built_beside_the_reports(quality_run):
    docs = quality_run["root"] / "reports" / "quality" / "data_docs"
    assert (docs / "index.html").exists()
    pages = list((docs / "validations").rglob("*.html"))
    # GX validates each dataset's newest load; earlier loads are scored by DuckDB counts.
    assert len(pages) == len(quality_run["outcomes"])


def test_no_report_page_loads_anything_from_another_host(quality_run):
    """Offline, or behind a proxy, every page renders; and no view is announced outside."""
    pages = list((quality_run["root"] / "reports").rglob("*.html"))
    assert len(pages) > 10
    loads = {str(p): external_loads(p.read_text(encoding="utf-8")) for p in pages}
    assert {page: urls for page, urls in loads.items() if urls} == {}


def test_every_suite_page_a_validation_page_links_to_exists(quality_run):
    docs = quality_run["root"] / "reports" / "quality" / "data_docs"
    for page in (docs / "validations").rglob("*.html"):
        for link in re.findall(r'href="([^"#]*expectations/[^"#]+\.html)"', page.read_text()):
            assert (page.parent / link).resolve().exists(), f"{page.name} links {link}"


def test_a_nightly_partial_build_writes_its_suite_pages_and_localises_them(quality_run, tmp_path):
    """The nightly check rebuilds only its own pages: those too render offline and link."""
    from orchestration.quality.gx_suite import build_data_docs, get_context

    context = get_context()
    key = next(iter(context.validation_results_store.list_keys()))
    suite = key.expectation_suite_identifier.name
    docs = quality_run["root"] / "reports" / "quality" / "data_docs"
    shutil.rmtree(docs / "expectations")
    index = build_data_docs(context, only={suite: {key.run_id.run_name}})
    assert (docs / "expectations" / f"{suite}.html").exists()
    rebuilt = [index, docs / "expectations" / f"{suite}.html"]
    assert {str(p): external_loads(p.read_text()) for p in rebuilt} == {str(p): [] for p in rebuilt}


def test_each_iao_dataset_links_its_latest_validation_page(quality_run):
    """An owner goes from the score to the checks behind it in one click, not via the index."""
    iao = quality_run["root"] / "reports" / "quality" / "iao"
    links = re.findall(r'<a href="([^"]*validations/[^"]+\.html)">', (iao / "nhs.html").read_text())
    assert links, "the NHS report links no validation page"
    for link in links:
        page = (iao / link).resolve()
        assert page.exists(), link
        assert "/nhs__" in link


def test_a_checked_dataset_points_at_its_own_validation_page(tmp_path, monkeypatch):
    """What the nightly asset check links: the page of the load it just validated."""
    from orchestration.quality.pipeline import check_dataset

    monkeypatch.setenv("FAMILIES_DATA_DIR", str(tmp_path))
    contracts = load_contracts()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        build_sample_warehouse(con, contracts)
        quality = check_dataset(con, "nhs__child_health", contracts)
    assert quality.latest is not None
    assert "validations/nhs__child_health/" in quality.data_docs.as_posix()
    assert quality.latest.load_id in quality.data_docs.as_posix()
    assert quality.data_docs.exists()
    assert external_loads(quality.data_docs.read_text()) == []


def test_duckdb_counts_equal_gx_counts_on_every_load(quality_run, tmp_path):
    """The backlog path (DuckDB counts) and GX agree, check by check, load by load."""
    con, contracts = quality_run["con"], quality_run["contracts"]
    from orchestration.quality.gx_suite import get_context
    from orchestration.quality.validate import count_failures, validate_dataset

    context = get_context(tmp_path)
    compared = 0
    for table in quality_run["outcomes"]:
        by_gx = validate_dataset(
            con, table, contracts, revalidate=True, gx_context=context, gx_all_loads=True
        )
        by_sql = validate_dataset(con, table, contracts, revalidate=True, gx_context=context)
        latest = by_sql[-1].load_id
        for gx_outcome, sql_outcome in zip(by_gx, by_sql, strict=True):
            for gx_result, sql_result in zip(gx_outcome.results, sql_outcome.results, strict=True):
                if sql_outcome.load_id == latest or gx_result.status == "skipped":
                    continue
                compared += 1
                assert (gx_result.status, gx_result.unexpected_count) == (
                    sql_result.status,
                    sql_result.unexpected_count,
                ), (table, sql_outcome.load_id, gx_result.check.name)
                if gx_result.check.kind != "not_null":
                    assert gx_result.missing_count == sql_result.missing_count
    assert compared > 50
    assert count_failures(con, []) == {}


def test_no_report_or_data_docs_page_holds_personal_data(quality_run):
    values = personal_values(quality_run["con"], quality_run["contracts"])
    # The scan must know the planted bad values too: those are what GX would print.
    assert "BS9 9ZZ" in values and "JK12345E" in values
    assert any(kind == "date_of_birth" for kind, _ in values.values())
    vocabulary = public_vocabulary(quality_run["contracts"])
    leaks = find_leaks(quality_run["root"] / "reports" / "quality", values, vocabulary)
    assert not leaks, [(leak.file.name, leak.column) for leak in leaks]


def test_the_leak_scan_finds_a_planted_leak(quality_run, tmp_path):
    values = personal_values(quality_run["con"], quality_run["contracts"])
    (tmp_path / "bad.html").write_text(
        "<td>Hartwell</td><td>10/03/2005</td><td>7,  Cabot Street</td>"
    )
    (tmp_path / "font.otf").write_bytes(b"Hartwell")  # binary files are not scanned
    leaks = find_leaks(tmp_path, values, public_vocabulary(quality_run["contracts"]))
    assert {leak.kind for leak in leaks} == {"name", "date_of_birth", "address"}
    assert {leak.file.name for leak in leaks} == {"bad.html"}


def test_evaluation_measures_detection_of_planted_errors_against_truth(quality_run, tmp_path):
    import pandas as pd

    from orchestration.quality.evaluation import evaluate

    con = quality_run["con"]
    table = "council_education__school_census"
    rows = con.execute(
        f"select _row_number, UPN, CensusTerm from raw.{table} where _load_id = 'S2'"
    ).fetchall()
    duplicate = next(f for f in quality_run["planted"] if f.check == "person_held_once")
    truth = pd.DataFrame(
        {
            "record_id": [f"{table}:{upn}|{term}" for _, upn, term in rows],
            "errors": [
                ["duplicate_reference"] if number == duplicate.row_number else []
                for number, _, _ in rows
            ],
        }
    )
    truth.to_parquet(tmp_path / "record_truth.parquet")
    found = {(d.dataset, d.fault): d for d in evaluate(con, quality_run["contracts"], tmp_path)}
    detection = found[(table, "duplicate_reference")]
    assert (detection.records_with_fault, detection.flagged, detection.recall) == (1, 1, 1.0)
    assert detection.check_failed_on_faulty_loads == detection.faulty_loads == 1
