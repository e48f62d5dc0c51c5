"""How much validation adds to the nightly load: time every source's validation, compare.

    python -m orchestration.quality.bench --db data/warehouse.duckdb

Validates every load in the warehouse again (into a scratch copy of the quality schema and
a scratch GX folder, so the real results and reports are untouched) and compares the time
with the load stage's own time from `ops.load_register` (sum of `ended_at - started_at`).
GX's import (about 5 s, once per process) is reported separately: the nightly job pays it
once, whatever the scale.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any


def load_seconds(con: Any) -> float:
    row = con.execute(
        "select sum(epoch(ended_at) - epoch(started_at)) from ops.load_register "
        "where outcome = 'loaded'"
    ).fetchone()
    return float(row[0] or 0.0)


def measure_nightly(con: Any, contracts: dict[str, Any]) -> dict[str, Any]:
    """A steady-state night: each dataset's newest extract arrives, is loaded and validated.

    The newest load of every dataset is forgotten by quality and validated again (counts,
    GX, stored results, its agency's report); compared with the time the loader spent on
    those same files.
    """
    from orchestration.quality.reports import write_quality_reports
    from orchestration.quality.validate import validate_all

    newest = con.execute(
        "select dataset, arg_max(load_id, extract_date), "
        "arg_max(epoch(ended_at) - epoch(started_at), extract_date) "
        "from ops.load_register where outcome = 'loaded' group by dataset"
    ).fetchall()
    for dataset, load_id, _ in newest:
        for table in ("validation_results", "validation_runs"):
            con.execute(
                f"delete from quality.{table} where dataset = ? and load_id = ?",
                [dataset, load_id],
            )
    started = time.perf_counter()
    outcomes = validate_all(con, contracts)
    write_quality_reports(con, contracts)
    seconds = time.perf_counter() - started
    loading = sum(float(r[2] or 0) for r in newest)
    return {
        "loads_validated": sum(len(v) for v in outcomes.values()),
        "rows_validated": sum(o.row_count for v in outcomes.values() for o in v),
        "quality_seconds": round(seconds, 2),
        "load_seconds_same_files": round(loading, 2),
    }


def measure(database: Path, *, keep_reports: bool = False) -> dict[str, Any]:
    """Validation time of every load against load time; a copy of `database` is used."""
    import duckdb

    from orchestration.ingest.contract import load_contracts

    scratch = Path(tempfile.mkdtemp(prefix="quality-bench-"))
    try:
        copy = scratch / "warehouse.duckdb"
        shutil.copy(database, copy)
        os.environ["FAMILIES_DATA_DIR"] = str(scratch)
        started = time.perf_counter()
        from orchestration.quality import gx_suite

        gx_suite._import_gx()
        import_seconds = time.perf_counter() - started
        con = duckdb.connect(str(copy))
        con.execute("drop schema if exists quality cascade")
        contracts = load_contracts()
        from orchestration.quality.validate import validate_all

        started = time.perf_counter()
        outcomes = validate_all(con, contracts)
        validate_seconds = time.perf_counter() - started
        from orchestration.quality.reports import write_quality_reports

        started = time.perf_counter()
        write_quality_reports(con, contracts)
        report_seconds = time.perf_counter() - started
        loads = sum(len(v) for v in outcomes.values())
        rows = sum(o.row_count for v in outcomes.values() for o in v)
        per_dataset = {
            table: round(sum(o.seconds for o in v), 2) for table, v in sorted(outcomes.items())
        }
        loading = load_seconds(con)
        nightly = measure_nightly(con, contracts)
        con.close()
        total = import_seconds + validate_seconds + report_seconds
        return {
            "database": str(database),
            "loads_validated": loads,
            "rows_validated": rows,
            "gx_import_seconds": round(import_seconds, 2),
            "validate_seconds": round(validate_seconds, 2),
            "reports_and_data_docs_seconds": round(report_seconds, 2),
            "quality_total_seconds": round(total, 2),
            "load_stage_seconds": round(loading, 2),
            "quality_vs_load_stage": round(total / loading, 3) if loading else None,
            "nightly": nightly,
            "validate_seconds_by_dataset": per_dataset,
        }
    finally:
        if not keep_reports:
            shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="warehouse to measure (copied)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.db), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
