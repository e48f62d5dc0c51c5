"""The loads part of the night's summary: rows loaded and quarantined, refused files, column
faults, and per agency its files, rows, refusals and latest quality outcome. Counts, file
names, fields and reasons only: never a value from a row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from orchestration.linkage.engine import table_exists

# Each list (rejection reasons, refused files, column faults) shows this many, then a count.
LIST_ITEMS = 2


def load_lines(con, since: dt.datetime | None) -> list[str]:
    """What this run loaded, quarantined, refused, and which columns were dropped or missing."""
    from orchestration.ingest.file_faults import REFUSED, recent_faults

    if not table_exists(con, "ops.load_register"):
        return ["", "No loads yet (ops.load_register is empty)."]
    where, params = ("where started_at >= ?", [since]) if since else ("", [])
    files, rows, rejected = con.execute(
        f"select count(*) filter (where outcome = 'loaded'), coalesce(sum(rows_loaded), 0), "
        f"coalesce(sum(rows_rejected), 0) from ops.load_register {where}",
        params,
    ).fetchone()
    label = "this run" if since else "all time"
    if not files and since:
        return ["", "No new files (this run): everything in landing was already loaded."]
    lines = [
        "",
        f"Loaded ({label}): {rows:,} rows; quarantined {rejected:,} rows. "
        f"Files loaded: {files:,} (ops.load_register).",
    ]
    reasons = con.execute(
        f"""
        select q.dataset, coalesce(q.field, '(whole row)'), q.reason, count(*)
        from ops.quarantine q join ops.load_register r using (load_id)
        {where.replace("started_at", "r.started_at")}
        group by all order by 4 desc, 1 limit {LIST_ITEMS + 1}
        """,
        params,
    ).fetchall()
    lines += _listed("Rejected rows, most common (ops.quarantine):", reasons, _reason_line)
    faults = recent_faults(con, since=since) if since else []
    refused = [f for f in faults if f.kind == REFUSED]
    columns = [f for f in faults if f.kind != REFUSED]
    lines += _listed(
        "Refused whole (ops.refused_files; nothing from them loaded):",
        refused,
        lambda f: f"{f.file}\n      {f.detail}",
    )
    lines += _listed(
        "Column faults (this run; the files still loaded):", columns, _column_fault_line
    )
    return lines


def _reason_line(row: tuple) -> str:
    dataset, field, reason, count = row
    return f"{count:>6,}  {dataset}.{field}: {reason}"


def _column_fault_line(fault) -> str:
    from orchestration.ingest.file_faults import COLUMNS_DROPPED

    what = "dropped undeclared" if fault.kind == COLUMNS_DROPPED else "missing, loaded empty"
    return f"{fault.file}: {what}: {fault.detail}"


def _listed(title: str, items: list, line) -> list[str]:
    if not items:
        return []
    shown = [f"    {line(item)}" for item in items[:LIST_ITEMS]]
    more = len(items) - LIST_ITEMS
    return [f"  {title}", *shown] + ([f"    ... and {more} more"] if more > 0 else [])


def agency_lines(con, since: dt.datetime | None, table: Callable) -> list[str]:
    """Per agency: files and rows this run, refusals, and its datasets' latest quality."""
    loads = {}
    if table_exists(con, "ops.load_register"):
        where, params = ("where started_at >= ?", [since]) if since else ("", [])
        for agency, files, rows, refused in con.execute(
            f"""select split_part(dataset, '__', 1), count(*) filter (where outcome = 'loaded'),
                       coalesce(sum(rows_loaded), 0), count(*) filter (where outcome = 'refused')
                from ops.load_register {where} group by 1""",
            params,
        ).fetchall():
            loads[agency] = (files, rows, refused)
    quality = _quality_by_agency(con)
    agencies = sorted(set(loads) | set(quality))
    if not agencies:
        return []
    rows = [
        (a, *(f"{n:,}" for n in loads.get(a, (0, 0, 0))), quality.get(a, "not validated"))
        for a in agencies
    ]
    headers = ("agency", "files", "rows", "refused", "quality (latest per dataset)")
    return ["", table(rows, headers)]


def _quality_by_agency(con) -> dict[str, str]:
    """`5 passed, 1 warning` per agency: each dataset's latest validation outcome."""
    if not table_exists(con, "quality.validation_runs"):
        return {}
    rows = con.execute(
        """
        with latest as (
            select dataset, arg_max(status, validated_at) as status
            from quality.validation_runs group by dataset
        )
        select split_part(dataset, '__', 1), status, count(*) from latest group by all
        """
    ).fetchall()
    counts: dict[str, dict[str, int]] = {}
    for agency, status, n in rows:
        counts.setdefault(agency, {})[status] = n
    order = ("passed", "warning", "error")
    return {
        agency: ", ".join(f"{by[s]} {s}" for s in order if by.get(s))
        + (" (error blocks its data)" if by.get("error") else "")
        for agency, by in counts.items()
    }
