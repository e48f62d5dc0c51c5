"""How well the checks find the errors planted in the synthetic city (reads data/truth).

    python -m orchestration.quality.evaluation --db <warehouse> [--truth data/truth]

For each kind of planted error, the check meant to catch it, the share of the records
carrying that error which the check flags (recall), the share of clean records it flags
(false alarms), and whether the check failed on the extracts that carry the error. Truth is
read here only, never by validation. Prints counts and rates: no values from the records.

Counting follows truth: a record is one record however often it is sent (a delta re-sends a
pregnancy at delivery, an offence when its outcome arrives), and it counts as flagged when a
sending of it is. A duplicate reference is a fault of a pair of records: the check flags the
record that shows a second reference, which can be either of the two (the one the generator
tagged may be the earlier), so a tagged record counts as found when any record of the same
person is flagged, and its untagged partner is not a false alarm. Planted kinds that no check
of the dataset could catch are listed with `check: null` (a typo in an adult's name has no
trusted source to disagree with: finding it is linkage's job), and the structural faults the
loader quarantines are counted against `ops.quarantine`, so every planted kind is accounted
for.
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
    check: str | None  # None: no check of this dataset could catch it
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


# An address variant the check is meant for changes the house or street as written; one in
# capitals, without the town or with the postcode closed up is the same address, which the
# accuracy checks compare without case, punctuation or spacing on purpose. Truth says only
# "address_variant", so evaluation tells the two apart from the record's true property.
FORMATTING_ONLY = "address_variant_formatting_only"


def _address_key_sql(contract: Any) -> str | None:
    """The record's address lines as the accuracy check compares them (see suites.py)."""
    from orchestration.quality import references as refs

    lines = cols.of_kind(contract, "address")
    if not lines:
        return None
    return refs.sql_address_key(f"concat_ws(' ', {', '.join(cols.quote(n) for n in lines)})")


def _gazetteer_keys(con: Any, contracts: dict[str, Any]) -> dict[int, tuple[tuple[str, ...], str]]:
    """Per UPRN: house-and-street (and building name) keys, and the sub-building's key."""
    from orchestration.quality import references as refs

    gazetteer = contracts.get(refs.GAZETTEER)
    if gazetteer is None or not refs.table_exists(con, "raw", refs.GAZETTEER):
        return {}
    line_sql = cols.gazetteer_address_sql(gazetteer)
    uprn = cols.by_name(gazetteer, r"^UPRN$")
    name = cols.by_name(gazetteer, r"^PAO_TEXT$")
    sub_building = cols.by_name(gazetteer, r"^SAO_TEXT$")
    if not (line_sql and uprn):
        return {}
    name_key = refs.sql_address_key(cols.quote(name)) if name else "null"
    sub_key = refs.sql_address_key(cols.quote(sub_building)) if sub_building else "null"
    rows = con.execute(
        f"select try_cast({cols.quote(uprn)} as bigint), {refs.sql_address_key(line_sql)}, "
        f"{name_key}, {sub_key} from raw.{refs.GAZETTEER} "
        f"where {refs._latest_load_filter(refs.GAZETTEER)}"
    ).fetchall()
    return {r[0]: (tuple(k for k in r[1:3] if k), r[3] or "") for r in rows if r[0] is not None}


def _split_address_variants(
    rows: Any, keys: dict[int, tuple[tuple[str, ...], str]]
) -> list[set[str]]:
    """Errors with each address variant that still holds its property's house and street
    renamed FORMATTING_ONLY. A record also carrying a stale address (written for another
    property) or a missing postcode (nothing to compare at), or holding only its flat's name
    (a one-line field: not judged, see suites.py), keeps neither label."""
    out = []
    for errors, uprn, akey in zip(rows["errors"], rows["uprn"], rows["_akey"], strict=True):
        if "address_variant" in errors:
            errors = set(errors)
            lines, sub_building = keys.get(int(uprn), ((), ""))
            if errors & {"stale_address", "postcode_missing"} or (
                sub_building and akey == sub_building
            ):
                errors.discard("address_variant")
            elif any(k in (akey or "") for k in lines):
                errors.discard("address_variant")
                errors.add(FORMATTING_ONLY)
        out.append(errors)
    return out


def _quarantine_detections(con: Any, truth_dir: Path) -> list[Detection]:
    """Structural faults (a wrong column count, a stray delimiter, an impossible date): found
    when ingest quarantined the planted row, before quality ever sees it."""
    from orchestration.quality import references as refs

    path = truth_dir / "planted_faults.parquet"
    if not path.exists() or not refs.table_exists(con, "ops", "quarantine"):
        return []
    rows = con.execute(
        "select p.dataset, p.fault, count(*), count(q.row_number), count(distinct p.file) "
        "from read_parquet(?) p left join (select distinct dataset, file, row_number "
        "from ops.quarantine) q on q.dataset = p.dataset and q.row_number = p.row_number "
        "and (p.file = q.file or p.file like '%/' || q.file) group by all order by all",
        [str(path)],
    ).fetchall()
    return [
        Detection(fault, dataset, "ingest_quarantine", planted, found, 0, 0, files, files)
        for dataset, fault, planted, found, files in rows
        if fault in QUARANTINED_FAULTS
    ]


def evaluate(con: Any, contracts: dict[str, Any], truth_dir: Path) -> list[Detection]:
    """Detection of each planted error kind by its check, per dataset (all loads)."""
    import pandas as pd

    from orchestration.quality import references as refs
    from orchestration.quality.suites import build_checks

    truth = pd.read_parquet(truth_dir / "record_truth.parquet")
    gazetteer_keys = _gazetteer_keys(con, contracts)
    truth["errors"] = truth["errors"].map(lambda e: set(e) if e is not None else set())
    if "person_id" not in truth.columns:
        truth["person_id"] = range(len(truth))  # no persons known: each record its own
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
        extra = [f"{_record_id_sql(contract)} as _rid"]
        address_key = _address_key_sql(contract)
        if address_key:
            extra.append(f"{address_key} as _akey")
        frame_sql = validation_sql(
            table, [by_name[n] for n in set(targets.values())], extra=tuple(extra)
        )
        con.execute(f"create or replace temp table {FRAME} as {frame_sql}")
        flags = "".join(
            f", coalesce({_failure_condition(by_name[name])[0]}, false) as {cols.quote(name)}"
            for name in set(targets.values())
        )
        akey = ", _akey" if address_key else ""
        rows = con.execute(f"select _load_id, _rid{akey}{flags} from {FRAME}").df()
        con.execute(f"drop table if exists {FRAME}")
        mine = truth[truth["dataset"] == table] if "dataset" in truth.columns else truth
        rows = rows.merge(mine, left_on="_rid", right_on="record_id", how="inner")
        if address_key and "uprn" in rows.columns:
            rows["errors"] = _split_address_variants(rows, gazetteer_keys)
        planted_here = sorted(
            {e for errs in rows["errors"] for e in errs} - set(QUARANTINED_FAULTS)
        )
        for fault in planted_here:
            if fault not in targets:
                has = rows["errors"].map(lambda e, f=fault: f in e)
                count = int(rows.loc[has, "_rid"].nunique())
                flagged = 0
                check = targets.get("address_variant")
                if fault == FORMATTING_ONLY and check:
                    # Not a fault for the accuracy check: it should flag none of these.
                    flagged = int(rows.loc[has & rows[check], "_rid"].nunique())
                detections.append(Detection(fault, table, None, count, flagged, 0, 0, 0, 0))
        if not targets:
            continue
        # One row per record: flagged if any sending is (loads listed for the load check).
        names = sorted(set(targets.values()))
        records = rows.groupby("_rid", sort=False).agg(
            errors=("errors", "first"),
            person_id=("person_id", "first"),
            loads=("_load_id", lambda s: set(s)),
            **{name: (name, "any") for name in names},
        )
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
        clean = records["errors"].map(len) == 0
        for fault, name in targets.items():
            has = records["errors"].map(lambda e, f=fault: f in e)
            found = records[name]
            partners = pd.Series(False, index=records.index)
            if fault == "duplicate_reference":
                # The pair is found when either record of it is flagged (see module docstring).
                people = set(records.loc[has, "person_id"])
                of_person = records["person_id"].isin(people)
                flagged_people = set(records.loc[of_person & found, "person_id"])
                found = found | (has & records["person_id"].isin(flagged_people))
                partners = of_person & ~has
            faulty_loads = set().union(*records.loc[has, "loads"]) if has.any() else set()
            judged_clean = clean & ~partners
            detections.append(
                Detection(
                    fault=fault,
                    dataset=table,
                    check=name,
                    records_with_fault=int(has.sum()),
                    flagged=int((has & found).sum()),
                    clean_records=int(judged_clean.sum()),
                    clean_flagged=int((judged_clean & records[name]).sum()),
                    check_failed_on_faulty_loads=sum((lid, name) in failed for lid in faulty_loads),
                    faulty_loads=len(faulty_loads),
                )
            )
    return detections + _quarantine_detections(con, truth_dir)


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
