"""Person linkage end to end on small generated files: accuracy, stable ids, review decisions."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.linkage.accuracy import evaluate_last_run
from orchestration.linkage.pipeline import run_person_linkage
from orchestration.linkage.review import record_decision
from orchestration.linkage.sample_data import make_sample_person_data
from orchestration.linkage.settings import LinkageThresholds
from orchestration.linkage.train import train_model
from orchestration.quality.offline_docs import external_loads


@pytest.fixture(scope="session")
def sample():
    return make_sample_person_data(persons=500, seed=7)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory, sample) -> Path:
    con = duckdb.connect()
    _load(con, sample)
    out = tmp_path_factory.mktemp("model") / "person_linkage_v1.json"
    train_model(con, "person_records", out)
    con.close()
    return out


def _load(con, sample, table="person_records", only=None):
    import pandas as pd

    frame = pd.concat(sample.files.values(), ignore_index=True)
    if only is not None:
        frame = frame[frame["record_id"].isin(only)]
    con.register("frame", frame)
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT * REPLACE (dob::DATE AS dob) FROM frame"
    )
    con.unregister("frame")
    con.register("truth_frame", sample.truth)
    con.execute("CREATE OR REPLACE TABLE truth AS SELECT * FROM truth_frame")
    con.unregister("truth_frame")


def _index(con) -> dict[str, str]:
    return dict(con.execute("SELECT record_id, person_id FROM linkage.person_index").fetchall())


def _run(con, model, reports=None, **kwargs):
    return run_person_linkage(
        con,
        source="person_records",
        uprns=None,
        model_file=model,
        thresholds=LinkageThresholds(),
        reports_dir=reports,
        **kwargs,
    )


def test_linkage_is_accurate_and_beats_exact_matching(tmp_path, sample, trained_model):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _load(con, sample)
    reports = tmp_path / "reports"
    _run(con, trained_model, reports, dashboards=True)
    # After the run, from the tables it kept (the evaluation job's step).
    accuracy = evaluate_last_run(con, "person_records", reports, truth_table="truth", uprns=None)
    assert accuracy["splink"]["f1"] >= 0.95
    assert accuracy["splink"]["f1"] > accuracy["baseline_exact_name_dob"]["f1"]
    assert accuracy["blocking_recall"] >= 0.98
    report = json.loads((reports / "accuracy.json").read_text())
    assert set(report["splink"]["per_name_origin"]) >= {"english", "somali"}
    assert set(report["splink"]["per_source"]) == set(sample.files)
    for name in (
        "diagnostics.html",
        "match_weights_chart.html",
        "m_u_parameters_chart.html",
        "accuracy.html",
        "restricted/comparison_viewer.html",
        "restricted/cluster_studio.html",
        "restricted/README.txt",
    ):
        assert (reports / name).is_file(), name
    # Aggregate reports hold no identifiers: no record id or name appears in them.
    aggregate = "".join(
        (reports / n).read_text() for n in ("accuracy.json", "diagnostics.json", "accuracy.html")
    )
    some_record = sample.truth["record_id"].iloc[0]
    assert some_record not in aggregate
    assert "personal data" in (reports / "restricted/README.txt").read_text()
    # Every page linkage writes, Splink's charts and dashboards too, renders offline.
    pages = sorted(reports.rglob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        assert external_loads(page.read_text(encoding="utf-8")) == [], page.name
    # The diagnostics page is a source-by-source grid now, not a row per pair of sources.
    diagnostics_html = (reports / "diagnostics.html").read_text(encoding="utf-8")
    assert diagnostics_html.count("<tr>") <= 2 * len(sample.files) + 40
    assert 'class="heat"' in diagnostics_html and "<svg" in diagnostics_html


def test_ids_survive_reruns_and_new_records(tmp_path, sample, trained_model):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    records = sorted(sample.truth["record_id"])
    first_half = records[: len(records) * 2 // 3]
    _load(con, sample, only=set(first_half))
    _run(con, trained_model)
    first = _index(con)
    _run(con, trained_model)
    assert _index(con) == first
    _load(con, sample)  # the rest of the records arrive
    summary = _run(con, trained_model)
    second = _index(con)
    kept = sum(second[r] == first[r] for r in first)
    assert kept / len(first) >= 0.99
    assert summary["counts"]["ids_created"] > 0
    history = con.execute("SELECT DISTINCT event FROM linkage.person_id_history").fetchall()
    assert ("created",) in history


def test_review_decisions_are_honoured_on_every_later_run(tmp_path, sample, trained_model):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _load(con, sample)
    summary = _run(con, trained_model)
    assert summary["counts"]["review_queue"] >= 0
    index = _index(con)
    # Two records linked together whose fields differ (so they are different profiles).
    linked = con.execute(
        """SELECT a.record_id, b.record_id FROM linkage.person_index a
           JOIN linkage.person_index b ON a.person_id = b.person_id AND a.record_id < b.record_id
           JOIN person_records ra ON ra.record_id = a.record_id
           JOIN person_records rb ON rb.record_id = b.record_id
           WHERE ra.first_name <> rb.first_name AND a.cluster_size = 2
           ORDER BY 1, 2 LIMIT 1"""
    ).fetchone()
    # Two records of different persons.
    apart = con.execute(
        """SELECT a.record_id, b.record_id FROM linkage.person_index a
           JOIN linkage.person_index b ON a.person_id < b.person_id
           ORDER BY 1, 2 LIMIT 1"""
    ).fetchone()
    assert index[linked[0]] == index[linked[1]] and index[apart[0]] != index[apart[1]]
    record_decision(con, *linked, "non_match", "Reviewer One")
    record_decision(con, *apart, "match", "Reviewer Two")
    for _ in range(2):
        _run(con, trained_model)
        index = _index(con)
        assert index[linked[0]] != index[linked[1]]
        assert index[apart[0]] == index[apart[1]]
    queued = con.execute(
        "SELECT count(*) FROM linkage.review_queue WHERE (record_id_l, record_id_r) IN "
        "(SELECT (record_id_l, record_id_r) FROM linkage.review_decisions)"
    ).fetchone()[0]
    assert queued == 0
