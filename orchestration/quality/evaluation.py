"""How well the checks find the errors planted in the synthetic city (reads data/truth).

    python -m orchestration.quality.evaluation --db <warehouse> [--truth data/truth]

For each kind of planted error, the check meant to catch it, the share of the records
carrying that error which the check flags (recall), the share of clean records it flags
(false alarms), and whether the check failed on the extracts that carry the error. Truth is
read here only, never by validation. Prints counts and rates: no values from the records.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from orchestration.quality import columns as cols
from orchestration.quality.validate import (
    FRAME,
    LOAD_CONTEXT,
    _failure_condition,
    list_loads,
    runnable_checks,
    validation_sql,
)

# Planted error -> how to name the check meant for it in a dataset (None: no such check).
FAULT_CHECKS = {
    "dob_missing": lambda c: f"{cols.first_of_kind(c, 'date_of_birth')}_complete",
    "postcode_missing": lambda c: f"{cols.first_of_kind(c, 'postcode')}_complete",
    "duplicate_reference": lambda c: "person_held_once",
    "address_variant": lambda c: "address_in_gazetteer",
    "dob_day_month_swap": lambda c: "child_known_to_child_health",
    "typo": lambda c: "names_agree_with_child_health",
    "nickname": lambda c: "names_agree_with_child_health",
    "name_swap": lambda c: "names_agree_with_child_health",
    "stale_address": lambda c: "address_agrees_with_child_health",
}
# Planted faults the loader quarantines before quality sees them (ops.quarantine).
QUARANTINED_FAULTS = ("impossible_date", "wrong_column_count", "stray_delimiter")


@dataclass
class Detection:
    fault: str
    dataset: str
    check: str
    records_with_fault: int
    flagged: int
    clean_records: int
    clean_flagged: int
    check_failed_on_faulty_loads: int
    faulty_loads: int

    @property
    def recall(self) -> float:
        return self.flagged / self.records_with_fault if self.records_with_fault else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.clean_flagged / self.clean_records if self.clean_records else 0.0


def _record_id_sql(contract: Any) -> str:
    key = " || '|' || ".join(f"cast({cols.quote(k)} as varchar)" for k in contract.primary_key)
    return f"'{contract.table_name}:' || {key}"


def evaluate(con: Any, contracts: dict[str, Any], truth_dir: Path) -> list[Detection]:
    """Detection of each planted error kind by its check, per dataset (all loads)."""
    import pandas as pd

    from orchestration.quality import references as refs
    from orchestration.quality.suites import build_checks

    truth = pd.read_parquet(truth_dir / "record_truth.parquet", columns=["record_id", "errors"])
    truth["errors"] = truth["errors"].map(lambda e: set(e) if e is not None else set())
    con.register("_truth", truth[["record_id"]])
    detections = []
    for table, contract in contracts.items():
        if not refs.table_exists(con, "raw", table) or not contract.primary_key:
            continue
        checks = build_checks(contract, contracts)
        wanted = {r for c in checks for r in c.requires}
        available = refs.build_references(con, contracts, wanted) if wanted else set()
        runnable = runnable_checks(checks, available)
        by_name = {c.name: c for c in runnable}
        targets = {
            fault: name(contract)
            for fault, name in FAULT_CHECKS.items()
            if name(contract) in by_name
        }
        if not targets:
            continue
        loads = list_loads(con, table)
        if not loads:
            continue
        con.execute(
            f"create or replace temp table {LOAD_CONTEXT} (load_id varchar, "
            "prev_extract_date date, as_at_date date, is_latest boolean)"
        )
        con.executemany(
            f"insert into {LOAD_CONTEXT} values (?, null, null, false)",
            [[load_id] for load_id, _ in loads],
        )
        # The frame plus the record id, so flagged rows can be matched to truth.
        with_keys = [*runnable]
        frame_sql = validation_sql(table, with_keys)
        key_sql = _record_id_sql(contract)
        frame_sql = frame_sql.replace(
            "select _load_id, _row_number,", f"select _load_id, _row_number, {key_sql} as _rid,", 1
        )
        con.execute(f"create or replace temp table {FRAME} as {frame_sql}")
        flags = ", ".join(
            f"coalesce({_failure_condition(by_name[name])[0]}, false) as {cols.quote(name)}"
            for name in set(targets.values())
        )
        frame = con.execute(f"select _load_id, _rid, {flags} from {FRAME}").df()
        frame = frame.merge(truth, left_on="_rid", right_on="record_id", how="left")
        frame["errors"] = frame["errors"].map(lambda e: e if isinstance(e, set) else set())
        failed = (
            {
                (r[0], r[1])
                for r in con.execute(
                    "select load_id, check_name from quality.validation_results "
                    "where dataset = ? and status = 'failed'",
                    [table],
                ).fetchall()
            }
            if refs.table_exists(con, "quality", "validation_results")
            else set()
        )
        for fault, name in targets.items():
            has = frame["errors"].map(lambda e, f=fault: f in e)
            clean = frame["errors"].map(len) == 0
            faulty_loads = set(frame.loc[has, "_load_id"])
            detections.append(
                Detection(
                    fault=fault,
                    dataset=table,
                    check=name,
                    records_with_fault=int(has.sum()),
                    flagged=int((has & frame[name]).sum()),
                    clean_records=int(clean.sum()),
                    clean_flagged=int((clean & frame[name]).sum()),
                    check_failed_on_faulty_loads=sum((lid, name) in failed for lid in faulty_loads),
                    faulty_loads=len(faulty_loads),
                )
            )
        con.execute(f"drop table if exists {FRAME}")
    con.unregister("_truth")
    return detections


def main(argv: list[str] | None = None) -> int:
    import duckdb

    from orchestration import paths
    from orchestration.ingest.contract import load_contracts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=paths.warehouse_path())
    parser.add_argument("--truth", type=Path, default=paths.truth_dir())
    args = parser.parse_args(argv)
    with duckdb.connect(str(args.db)) as con:
        found = evaluate(con, load_contracts(), args.truth)
    for d in found:
        if d.records_with_fault:
            row = asdict(d) | {
                "recall": round(d.recall, 3),
                "false_alarm_rate": round(d.false_alarm_rate, 4),
            }
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
