"""Validate loads of raw tables against their suites and keep the results in DuckDB.

Outside Dagster:

    import duckdb
    from orchestration.quality.validate import validate_all
    con = duckdb.connect("data/warehouse.duckdb")
    outcomes = validate_all(con)           # every dataset; loads not yet validated
    outcomes["police__offences"].blocking  # failed error checks not accepted

Each load is pulled from DuckDB as a pandas frame holding only the columns the checks read,
plus boolean columns computed in DuckDB SQL (check digits, gazetteer look-ups, schedules),
and validated by GX on that frame. A check and its `__blocking` twin are measured once
(`measured_checks`). Results (counts only) go to `quality.validation_results`
and `quality.validation_runs`, one row per check per load, which the reports read.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from orchestration.quality import columns as cols
from orchestration.quality import references as refs
from orchestration.quality.acceptance import (
    AcceptedFailure,
    find_acceptance,
    load_accepted_failures,
)
from orchestration.quality.spec import Check
from orchestration.quality.suites import build_checks

# Row numbers (never values) of failing rows kept per check, so a report can point at rows.
EXAMPLE_ROWS = 10

RESULTS_DDL = """
create schema if not exists quality;
create table if not exists quality.validation_runs (
    dataset varchar, load_id varchar, extract_date date, validated_at timestamp,
    row_count bigint, checks integer, failed_errors integer, failed_warnings integer,
    blocking_errors integer, status varchar, seconds double
);
create table if not exists quality.validation_results (
    dataset varchar, load_id varchar, extract_date date, validated_at timestamp,
    check_name varchar, kind varchar, dimension varchar, severity varchar, columns varchar,
    mostly double, status varchar, success boolean, element_count bigint,
    unexpected_count bigint, missing_count bigint, pass_rate double,
    accepted_by varchar, accepted_reason varchar, example_rows varchar
);
"""


@dataclass
class CheckResult:
    check: Check
    status: str  # passed | failed | skipped
    element_count: int = 0
    unexpected_count: int = 0
    missing_count: int = 0
    example_rows: list[int] = field(default_factory=list)
    accepted: AcceptedFailure | None = None

    @property
    def checked_count(self) -> int:
        """Rows the check judged: nulls are judged only by completeness."""
        if self.check.kind == "not_null":
            return self.element_count
        return max(self.element_count - self.missing_count, 0)

    @property
    def pass_rate(self) -> float | None:
        if self.status == "skipped":
            return None
        if self.checked_count == 0:
            return 1.0
        return 1 - self.unexpected_count / self.checked_count

    @property
    def blocks(self) -> bool:
        return self.status == "failed" and self.check.severity == "error" and not self.accepted


@dataclass
class LoadOutcome:
    dataset: str
    load_id: str
    extract_date: dt.date
    row_count: int
    results: list[CheckResult]
    seconds: float
    reloaded: bool = False  # read back from the results table, not validated again

    @property
    def blocking(self) -> list[CheckResult]:
        return [r for r in self.results if r.blocks]

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def status(self) -> str:
        """error (blocks downstream), warning (reported), passed."""
        if self.blocking:
            return "error"
        return "warning" if self.failed else "passed"


def ensure_tables(con: Any) -> None:
    con.execute(RESULTS_DDL)


def list_loads(con: Any, table: str) -> list[tuple[str, dt.date]]:
    """(load_id, extract_date) of every load in the raw table, oldest first."""
    rows = con.execute(
        f"select cast(_load_id as varchar), max(cast(_extract_date as date)) "
        f"from raw.{cols.quote(table)} group by 1 order by 2, 1"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _register_extract_dates(con: Any, contract: Any) -> list[dt.date]:
    """Extract dates the load register knows for this dataset (a fully rejected file too)."""
    if not refs.table_exists(con, "ops", "load_register"):
        return []
    rows = con.execute(
        "select distinct cast(extract_date as date) from ops.load_register "
        "where dataset in (?, ?) and extract_date is not null",
        [contract.dataset, contract.table_name],
    ).fetchall()
    return [r[0] for r in rows]


def as_at_date(con: Any, fallback: dt.date) -> dt.date:
    """The newest extract date of any source: what 'up to date' is measured against."""
    if refs.table_exists(con, "ops", "load_register"):
        row = con.execute(
            "select max(cast(extract_date as date)) from ops.load_register"
        ).fetchone()
        if row and row[0]:
            return max(row[0], fallback)
    return fallback


LOAD_CONTEXT = "q_load_context"
FRAME = "q_validation_frame"


def _unique_column(check: Check) -> str:
    return f"_u_{check.name}"


def measurement_key(check: Check) -> tuple[Any, ...]:
    """What a check counts: two checks with the same key have the same unexpected and missing
    rows, and differ only in how they judge them (severity, `mostly`, `min_rows`)."""
    return (check.kind, check.columns, check.values, check.sql, check.history, check.keys)


def measured_checks(checks: list[Check]) -> tuple[list[Check], dict[str, str]]:
    """The checks to measure, and for every check the name of the one whose counts it uses.

    Most warnings have an `__blocking` error twin over the same rows at a looser tolerance.
    Counting (and GX-validating) the same flag twice doubled the work for no new number: each
    measurement is made once, by the first check that asks for it (the warning), and its
    twin is judged from those counts with GX's own rule (`success_by_mostly`).
    """
    first: dict[tuple[Any, ...], Check] = {}
    source: dict[str, str] = {}
    for check in checks:
        source[check.name] = first.setdefault(measurement_key(check), check).name
    return list(first.values()), source


# Per-load context a flag's SQL may read besides the load's own columns (see spec.Check).
_CONTEXT_COLUMNS = ("_extract_date", "_prev_extract_date", "_as_at_date", "_is_latest_load")


def lookup_inputs(check: Check) -> tuple[str, ...] | None:
    """The columns a reference look-up reads, or None for a check that is not one.

    A flag reading a reference table (gazetteer, child health, census) is a correlated
    look-up, the dearest expression in the frame; its answer depends only on these columns,
    which repeat heavily (a snapshot sends the same address every quarter), so it is
    computed once per distinct combination and joined back.
    """
    if check.kind != "flag" or not check.requires or check.history:
        return None
    text = " ".join([check.sql or "", *(sql for _, sql in check.keys)])
    context = tuple(c for c in _CONTEXT_COLUMNS if c in text)
    return tuple(dict.fromkeys((*check.columns, *context)))


def validation_sql(
    table: str,
    checks: list[Check],
    *,
    distinct_lookups: bool = True,
    extra: tuple[str, ...] = (),
) -> str:
    """Rows of the loads in `q_load_context`: the columns checks read and every flag.

    Flags, duplicate markers and the per-load context (previous extract, as-at date) are all
    computed here in DuckDB; windows are partitioned by load, so loads never mix, except a
    `history` flag's, which reads the loads extracted up to the row's own (`Check.history`).
    Reference look-ups are computed per distinct input (`lookup_inputs`); the result is the
    same as row by row (`distinct_lookups=False`, which a test compares). `extra`: more
    expressions over the row to select (evaluation adds the record id).
    """
    value_columns: dict[str, str] = {}
    for check in checks:
        for name in check.columns:
            if check.kind == "in_set":
                # Code lists are strings in the contract; compare as text whatever the type.
                value_columns[name] = f"cast({cols.quote(name)} as varchar) as {cols.quote(name)}"
            elif check.kind in ("not_null", "unique"):
                value_columns.setdefault(name, cols.quote(name))
    # Names stay unqualified: the look-ups' columns are all `_k*`/`_v`, so a name can only
    # mean the loaded row's column.
    selected = ["_load_id", "_row_number", *extra, *value_columns.values()]
    history = [c for c in checks if c.kind == "flag" and c.history]
    lookups: list[str] = []
    joins: list[str] = []
    for check in checks:
        derived = cols.quote(check.derived_column)
        inputs = lookup_inputs(check)
        if check.kind == "flag" and (inputs or check.keys):
            n = len(lookups)
            if inputs and distinct_lookups:
                # Once per distinct input, then joined back on all of them (nulls included).
                source = f"select distinct {', '.join(cols.quote(c) for c in inputs)} from loaded"
                by = [cols.quote(c) for c in inputs]
            else:
                source, by = "select * from loaded", ["_load_id", "_row_number"]
            computed = "".join(f", {sql} as {cols.quote(name)}" for name, sql in check.keys)
            out = ", ".join(f"{c} as _k{n}_{i}" for i, c in enumerate(by))
            lookups.append(
                f"_lookup{n} as (select {out}, ({check.sql}) as _v "
                f"from (select *{computed} from ({source})))"
            )
            on = " and ".join(
                f"l.{c} is not distinct from _lookup{n}._k{n}_{i}" for i, c in enumerate(by)
            )
            joins.append(f"left join _lookup{n} on {on}")
            selected.append(f"_lookup{n}._v as {derived}")
        elif check.kind == "flag":
            # A history flag was computed in the inner query (below); the others here.
            value = derived if check.history else f"({check.sql})"
            selected.append(f"{value} as {derived}")
        elif check.kind == "unique":
            keys = ", ".join(cols.quote(k) for k in check.columns)
            all_missing = " and ".join(f"{cols.quote(k)} is null" for k in check.columns)
            selected.append(
                f"case when {all_missing} then null else "
                f"count(*) over (partition by _load_id, {keys}) > 1 end "
                f"as {cols.quote(_unique_column(check))}"
            )
    context = (
        "c.prev_extract_date as _prev_extract_date, c.as_at_date as _as_at_date, "
        "c.is_latest as _is_latest_load"
    )
    raw = f"raw.{cols.quote(table)} r"
    on = "cast(r._load_id as varchar) = c.load_id"
    base = "r.* exclude (_load_id), cast(r._load_id as varchar) as _load_id"
    if not history:
        loaded = f"select {base}, {context} from {raw} join {LOAD_CONTEXT} c on {on}"
    else:
        # Windows over every load of the table, then narrowed to the loads being validated
        # (a filter outside the window cannot change what the window saw).
        windows = ", ".join(f"({c.sql}) as {cols.quote(c.derived_column)}" for c in history)
        loaded = (
            f"select * exclude (_q_pending) from (select *, {windows} from ("
            f"select {base}, {context}, c.load_id is not null as _q_pending "
            f"from {raw} left join {LOAD_CONTEXT} c on {on})) where _q_pending"
        )
    ctes = ", ".join([f"loaded as ({loaded})", *lookups])
    return f"with {ctes} select {', '.join(selected)} from loaded l {' '.join(joins)}"


def _sql_literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _failure_condition(check: Check) -> tuple[str, str]:
    """(unexpected, missing) conditions over the validation frame, as GX counts them."""
    if check.kind == "not_null":
        return f"{cols.quote(check.columns[0])} is null", "false"
    if check.kind == "in_set":
        column = cols.quote(check.columns[0])
        values = ", ".join(_sql_literal(v) for v in check.values)
        return f"{column} is not null and {column} not in ({values})", f"{column} is null"
    if check.kind == "unique":
        marker = cols.quote(_unique_column(check))
        return f"{marker}", f"{marker} is null"
    flag = cols.quote(check.derived_column)
    return f"{flag} = false", f"{flag} is null"


def count_failures(con: Any, checks: list[Check]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per load, per check: element, unexpected and missing counts and first failing rows.

    The same numbers GX reports, from one DuckDB pass over every load being validated: this is
    how a backlog of earlier loads is scored without a GX run each (see `validate_dataset`).
    """
    if not checks:
        return {}
    parts = ["_load_id", "count(*) as n"]
    for i, check in enumerate(checks):
        unexpected, missing = _failure_condition(check)
        parts += [
            f"count(*) filter (where {unexpected}) as u{i}",
            f"count(*) filter (where {missing}) as m{i}",
            f"(list(_row_number order by _row_number) filter (where {unexpected}))"
            f"[1:{EXAMPLE_ROWS}] as e{i}",
        ]
    rows = con.execute(f"select {', '.join(parts)} from {FRAME} group by _load_id").fetchall()
    counts: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        load_id, elements = row[0], int(row[1])
        per_check = {}
        for i, check in enumerate(checks):
            unexpected, missing, examples = row[2 + 3 * i : 5 + 3 * i]
            per_check[check.name] = {
                "element_count": elements,
                "unexpected_count": int(unexpected),
                "missing_count": int(missing),
                "example_rows": [int(n) for n in examples or []],
            }
        counts[load_id] = per_check
    return counts


def success_by_mostly(check: Check, elements: int, unexpected: int, missing: int) -> bool:
    """GX's rule: the share of judged rows that pass must reach `mostly` (none judged: pass)."""
    judged = elements if check.kind == "not_null" else elements - missing
    if judged <= 0:
        return True
    return (judged - unexpected) / judged >= check.mostly


def gx_frame(con: Any, load_id: str, checks: list[Check]) -> Any:
    """The latest load's rows as pandas, in the shape the GX suite expects."""
    frame = con.execute(
        f"select * from {FRAME} where _load_id = ? order by _row_number", [load_id]
    ).df()
    for check in checks:
        if check.kind == "flag":
            # Nullable booleans arrive as a pandas extension dtype; GX wants plain objects
            # with None for "not applicable".
            series = frame[check.derived_column]
            frame[check.derived_column] = series.astype(object).where(series.notna(), None)
    return frame


def _outcome_from_counts(
    table: str,
    load_id: str,
    extract_date: dt.date,
    checks: list[Check],
    runnable: list[Check],
    counts: dict[str, dict[str, Any]],
    gx_results: dict[str, dict[str, Any]] | None,
    accepted: list[AcceptedFailure],
    seconds: float,
    source: dict[str, str] | None = None,
) -> LoadOutcome:
    """Results per check from the counts (and GX's results) of the measured checks; `source`
    names, per check, the measured check whose counts it shares (see `measured_checks`)."""
    results: list[CheckResult] = []
    row_count = 0
    source = source or {}
    for check in checks:
        if check not in runnable:
            results.append(CheckResult(check, "skipped"))
            continue
        measured_by = source.get(check.name, check.name)
        measured = counts.get(measured_by) or {
            "element_count": 0,
            "unexpected_count": 0,
            "missing_count": 0,
            "example_rows": [],
        }
        row_count = measured["element_count"]
        if gx_results is not None:
            # GX is the validation of record for the load it ran on.
            outcome = gx_results.get(measured_by, {})
            if outcome.get("raised_exception"):
                raise RuntimeError(f"{table}: expectation {measured_by} raised inside GX")
            elements = int(outcome.get("element_count") or measured["element_count"])
            unexpected = int(outcome.get("unexpected_count") or 0)
            missing = int(outcome.get("missing_count") or 0)
            if measured_by == check.name:
                success = bool(outcome.get("success"))
            else:
                # A twin: GX's counts for the measurement, judged at the twin's tolerance.
                success = success_by_mostly(check, elements, unexpected, missing)
        else:
            elements = measured["element_count"]
            unexpected = measured["unexpected_count"]
            missing = measured["missing_count"]
            success = success_by_mostly(check, elements, unexpected, missing)
        judged = elements if check.kind == "not_null" else elements - missing
        if judged < check.min_rows:
            # Too few rows for this check's rate to mean anything (see Check.min_rows).
            results.append(CheckResult(check, "skipped", elements, unexpected, missing))
            continue
        result = CheckResult(
            check, "passed" if success else "failed", elements, unexpected, missing
        )
        if not success:
            result.example_rows = measured["example_rows"]
            result.accepted = find_acceptance(accepted, table, check.name, extract_date)
        results.append(result)
    return LoadOutcome(table, load_id, extract_date, row_count, results, seconds)


def _tiers(checks: list[Check], source: dict[str, str]) -> dict[str, list[Check]]:
    """Per measured check, the twins judged from its counts (shown on its Data Docs entry)."""
    tiers: dict[str, list[Check]] = {}
    for check in checks:
        if source[check.name] != check.name:
            tiers.setdefault(source[check.name], []).append(check)
    return tiers


def runnable_checks(checks: list[Check], available_references: set[str]) -> list[Check]:
    """Checks whose reference data is loaded; the others are recorded as skipped."""
    return [c for c in checks if set(c.requires) <= available_references]


RESULT_COLUMNS = (
    "dataset",
    "load_id",
    "extract_date",
    "validated_at",
    "check_name",
    "kind",
    "dimension",
    "severity",
    "columns",
    "mostly",
    "status",
    "success",
    "element_count",
    "unexpected_count",
    "missing_count",
    "pass_rate",
    "accepted_by",
    "accepted_reason",
    "example_rows",
)
RUN_COLUMNS = (
    "dataset",
    "load_id",
    "extract_date",
    "validated_at",
    "row_count",
    "checks",
    "failed_errors",
    "failed_warnings",
    "blocking_errors",
    "status",
    "seconds",
)


def record_outcomes(con: Any, outcomes: list[LoadOutcome]) -> None:
    """Replace these loads' rows in the quality tables (a re-validation supersedes).

    One insert from a frame per table: DuckDB's row-by-row `executemany` took 0.15 s a load.
    """
    if not outcomes:
        return
    import pandas as pd

    ensure_tables(con)
    now = dt.datetime.now()
    keys = pd.DataFrame(
        {"dataset": [o.dataset for o in outcomes], "load_id": [o.load_id for o in outcomes]}
    )
    results = pd.DataFrame(
        [
            (
                o.dataset,
                o.load_id,
                o.extract_date,
                now,
                r.check.name,
                r.check.kind,
                r.check.dimension,
                r.check.severity,
                ",".join(r.check.columns),
                r.check.mostly,
                r.status,
                None if r.status == "skipped" else r.status == "passed",
                r.element_count,
                r.unexpected_count,
                r.missing_count,
                r.pass_rate,
                r.accepted.accepted_by if r.accepted else None,
                r.accepted.reason if r.accepted else None,
                ",".join(str(n) for n in r.example_rows) or None,
            )
            for o in outcomes
            for r in o.results
        ],
        columns=list(RESULT_COLUMNS),
    )
    runs = pd.DataFrame(
        [
            (
                o.dataset,
                o.load_id,
                o.extract_date,
                now,
                o.row_count,
                len(o.results),
                sum(r.check.severity == "error" for r in o.failed),
                sum(r.check.severity == "warning" for r in o.failed),
                len(o.blocking),
                o.status,
                o.seconds,
            )
            for o in outcomes
        ],
        columns=list(RUN_COLUMNS),
    )
    con.register("_q_keys", keys)
    con.register("_q_results", results)
    con.register("_q_runs", runs)
    try:
        for table in ("validation_results", "validation_runs"):
            con.execute(
                f"delete from quality.{table} t using _q_keys k "
                "where t.dataset = k.dataset and t.load_id = k.load_id"
            )
        con.execute(
            f"insert into quality.validation_results ({', '.join(RESULT_COLUMNS)}) "
            f"select {', '.join(RESULT_COLUMNS)} from _q_results"
        )
        con.execute(
            f"insert into quality.validation_runs ({', '.join(RUN_COLUMNS)}) "
            f"select {', '.join(RUN_COLUMNS)} from _q_runs"
        )
    finally:
        for name in ("_q_keys", "_q_results", "_q_runs"):
            con.unregister(name)


def record_outcome(con: Any, outcome: LoadOutcome) -> None:
    """Replace one load's rows in the quality tables."""
    record_outcomes(con, [outcome])


def _validated_load_ids(con: Any, table: str) -> set[str]:
    ensure_tables(con)
    rows = con.execute(
        "select distinct load_id from quality.validation_runs where dataset = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def validate_dataset(
    con: Any,
    table: str,
    contracts: dict[str, Any] | None = None,
    *,
    revalidate: bool = False,
    accepted: list[AcceptedFailure] | None = None,
    gx_context: Any | None = None,
    gx_all_loads: bool = False,
    references: set[str] | None = None,
) -> list[LoadOutcome]:
    """Validate this dataset's loads not yet validated (all with `revalidate`), oldest first.

    The last outcome is the latest load's: it decides whether downstream work is blocked.
    Every check is counted for every pending load in one DuckDB pass; GX then validates the
    latest load (the validation of record, with its Data Docs page). Earlier loads, such as a
    first run's backlog, take their results from the DuckDB counts, which apply GX's own rule
    (`success_by_mostly`); a test holds the two equal. `gx_all_loads` runs GX on every load.
    """
    definition = None
    if contracts is None:
        from orchestration.ingest.contract import load_contracts

        contracts = load_contracts()
    contract = contracts[table]
    if not refs.table_exists(con, "raw", table):
        return []
    checks = build_checks(contract, contracts)
    accepted = load_accepted_failures() if accepted is None else accepted
    loads = list_loads(con, table)
    if not loads:
        return []
    done = set() if revalidate else _validated_load_ids(con, table)
    known_dates = sorted({d for _, d in loads} | set(_register_extract_dates(con, contract)))
    as_at = as_at_date(con, loads[-1][1])
    wanted = {r for c in checks for r in c.requires}
    if references is not None:
        available = references & wanted  # built once by the caller for every dataset
    else:
        available = refs.build_references(con, contracts, wanted) if wanted else set()
    outcomes: list[LoadOutcome] = []
    pending = []
    for index, (load_id, extract_date) in enumerate(loads):
        is_latest = index == len(loads) - 1
        if load_id in done and is_latest:
            # Already validated: re-read acceptances only, so accepting a failure unblocks.
            outcomes.append(reload_outcome(con, table, load_id, checks, accepted))
        elif load_id not in done:
            earlier = [d for d in known_dates if d < extract_date]
            pending.append((load_id, extract_date, earlier[-1] if earlier else None, is_latest))
    if not pending:
        return outcomes
    runnable = runnable_checks(checks, available)
    measured, source = measured_checks(runnable)
    started = time.perf_counter()
    con.execute(
        f"create or replace temp table {LOAD_CONTEXT} (load_id varchar, prev_extract_date date, "
        "as_at_date date, is_latest boolean)"
    )
    con.executemany(
        f"insert into {LOAD_CONTEXT} values (?, ?, ?, ?)",
        [(load_id, prev, as_at, latest) for load_id, _, prev, latest in pending],
    )
    con.execute(f"create or replace temp table {FRAME} as {validation_sql(table, measured)}")
    counts = count_failures(con, measured)
    fresh: list[LoadOutcome] = []
    shared_seconds = (time.perf_counter() - started) / len(pending)
    for load_id, extract_date, _, is_latest in pending:
        started = time.perf_counter()
        gx_results = None
        if is_latest or gx_all_loads:
            from orchestration.quality import gx_suite

            if definition is None:
                definition = gx_suite.prepare_validation(
                    table, measured, gx_context, tiers=_tiers(runnable, source)
                )
            frame = gx_frame(con, load_id, measured)
            gx_results = gx_suite.run_validation(
                definition, frame, gx_suite.run_name_for(extract_date, load_id)
            )
        outcome = _outcome_from_counts(
            table,
            load_id,
            extract_date,
            checks,
            runnable,
            counts.get(load_id, {}),
            gx_results,
            accepted,
            shared_seconds + time.perf_counter() - started,
            source,
        )
        fresh.append(outcome)
    record_outcomes(con, fresh)
    outcomes += fresh
    con.execute(f"drop table if exists {FRAME}")
    outcomes.sort(key=lambda o: (o.extract_date, o.load_id))
    return outcomes


def reload_outcome(
    con: Any, table: str, load_id: str, checks: list[Check], accepted: list[AcceptedFailure]
) -> LoadOutcome:
    """A stored load's outcome with today's acceptances applied (and stored)."""
    by_name = {c.name: c for c in checks}
    rows = con.execute(
        "select check_name, status, element_count, unexpected_count, missing_count, "
        "example_rows, extract_date from quality.validation_results "
        "where dataset = ? and load_id = ? order by check_name",
        [table, load_id],
    ).fetchall()
    run = con.execute(
        "select row_count, seconds from quality.validation_runs where dataset = ? and load_id = ?",
        [table, load_id],
    ).fetchone()
    results = []
    extract_date = rows[0][6] if rows else None
    for name, status, elements, unexpected, missing, examples, _ in rows:
        check = by_name.get(name)
        if check is None:
            continue  # the suite changed since: the old check no longer applies
        result = CheckResult(
            check,
            status,
            int(elements or 0),
            int(unexpected or 0),
            int(missing or 0),
            [int(n) for n in examples.split(",")] if examples else [],
        )
        if status == "failed":
            result.accepted = find_acceptance(accepted, table, name, extract_date)
        results.append(result)
    outcome = LoadOutcome(
        table,
        load_id,
        extract_date,
        int(run[0]) if run else 0,
        results,
        float(run[1]) if run else 0.0,
        reloaded=True,
    )
    record_outcome(con, outcome)
    return outcome


def _has_pending_loads(con: Any, table: str, revalidate: bool) -> bool:
    loads = {load_id for load_id, _ in list_loads(con, table)}
    return revalidate or bool(loads - _validated_load_ids(con, table))


def validate_all(
    con: Any, contracts: dict[str, Any] | None = None, *, revalidate: bool = False
) -> dict[str, list[LoadOutcome]]:
    """Validate every dataset that has a raw table; keyed by raw table name."""
    if contracts is None:
        from orchestration.ingest.contract import load_contracts

        contracts = load_contracts()
    accepted = load_accepted_failures()
    # Reference tables are built once, and only if a dataset with new loads needs them.
    wanted: set[str] = set()
    for table, contract in contracts.items():
        if refs.table_exists(con, "raw", table) and _has_pending_loads(con, table, revalidate):
            wanted |= {r for c in build_checks(contract, contracts) for r in c.requires}
    references = refs.build_references(con, contracts, wanted) if wanted else set()
    return {
        table: validate_dataset(
            con,
            table,
            contracts,
            revalidate=revalidate,
            accepted=accepted,
            references=references,
        )
        for table in contracts
        if refs.table_exists(con, "raw", table)
    }
