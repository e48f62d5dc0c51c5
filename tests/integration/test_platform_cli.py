"""`families demo` / `nightly` helpers: generate only when landing is empty; the summary says
what loaded, what was rejected and why, and where outputs are, without identifiers."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import duckdb

from orchestration import paths
from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.ingest.loader import load_dataset
from orchestration.platform import cli, summary

HEADER = "offence_ref,person_ref,surname,DOB,offence_date,offence_count,cost,proven,outcome_code"


def _demo_args() -> argparse.Namespace:
    return argparse.Namespace(households=10, seed=1)


def test_demo_generates_the_city_only_when_landing_is_empty(data_dir, monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "_run_synth", lambda h, s: calls.append(("synth", h, s)) or 0)
    monkeypatch.setattr(cli, "run_nightly", lambda args: calls.append(("nightly",)) or 0)
    assert cli.run_demo(_demo_args()) == 0
    assert calls == [("synth", 10, 1), ("nightly",)]

    calls.clear()
    extract = paths.landing_dir() / "police" / "offences" / "2015-01-31.csv"
    extract.parent.mkdir(parents=True)
    extract.write_text(HEADER + "\n")
    assert cli.run_demo(_demo_args()) == 0
    assert calls == [("nightly",)]


def test_demo_stops_with_a_clear_message_if_generation_fails(data_dir, monkeypatch):
    monkeypatch.setattr(cli, "_run_synth", lambda h, s: 2)
    monkeypatch.setattr(cli, "run_nightly", lambda args: 0)
    assert cli.run_demo(_demo_args()) == 2


def test_summary_reports_loads_rejections_refusals_and_places_without_identifiers(
    sample_contracts_dir: Path, data_dir: Path, capsys
):
    landing = paths.landing_dir()
    folder = landing / "police" / "offences"
    folder.mkdir(parents=True)
    (folder / "2015-01-31.csv").write_text(
        HEADER + "\nO1,SECRETREF,Zebedee,31/02/2003,05/01/2015,1,1,Y,NFA\n"
        "O2,P2,Ng,01/02/2003,05/01/2015,1,1,Y,NFA\n",
        encoding="cp1252",
    )
    (folder / "2015-02-28.csv").write_text(HEADER + ",adoption_date\n", encoding="cp1252")
    (folder / "2015-03-31.csv").write_text(
        HEADER.replace(",cost", "") + ",shoe_size\nO3,P3,Ng,01/02/2003,05/01/2015,1,Y,NFA,9\n",
        encoding="cp1252",
    )
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = duckdb.connect(str(paths.warehouse_path()))
    contract = load_contracts(sample_contracts_dir)["police__offences"]
    load_dataset(con, contract, load_deny_list(sample_contracts_dir / "deny_list.yml"), landing)
    con.close()

    summary.print_summary(since)
    out = capsys.readouterr().out
    assert "Loaded (this run): 2 rows; quarantined 1 rows." in out
    assert "Column faults (this run; the files still loaded):" in out
    assert "2015-03-31.csv: dropped undeclared: shoe_size" in out
    assert "2015-03-31.csv: missing, loaded empty: cost" in out
    assert "police__offences" in out
    assert "not a date in format %d/%m/%Y or %Y-%m-%d" in out
    assert "landing/police/offences/2015-02-28.csv" in out and "excluded category 'adoption'" in out
    assert "ops.quarantine" in out and "warehouse" in out
    for identifier in ("SECRETREF", "Zebedee", "31/02/2003"):
        assert identifier not in out


def test_a_command_line_run_goes_through_the_queue_as_a_run_of_the_locations_job(data_dir):
    """Enqueued (as the UI and the schedule do), dequeued when nothing else runs, executed,
    and recorded with the code location, so the UI's timeline shows it."""
    import dagster as dg

    from orchestration.platform.dagster_home import ensure_dagster_home
    from orchestration.platform.run_queue import LOCATION_NAME, enqueue_job_run, run_queued_job

    ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        queued = enqueue_job_run(instance, "load_landing_files", tags={"families/trigger": "t"})
        assert queued.status == dg.DagsterRunStatus.QUEUED
        finished = run_queued_job(instance, queued, execute_here=True)
        stored = instance.get_run_by_id(queued.run_id)
        kinds = [
            r.dagster_event.event_type
            for r in instance.all_logs(queued.run_id)
            if r.dagster_event is not None
        ]
    assert finished.status == stored.status == dg.DagsterRunStatus.SUCCESS
    assert stored.remote_job_origin.location_name == LOCATION_NAME
    assert stored.tags["families/trigger"] == "t"
    order = [dg.DagsterEventType.RUN_ENQUEUED, dg.DagsterEventType.RUN_STARTING]
    assert [k for k in kinds if k in order] == order
