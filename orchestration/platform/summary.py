"""The summary `families nightly|demo` print: what loaded, what was rejected and why, what
was refused whole, and where every output is. Counts, file names, fields and reasons only:
never a personal identifier."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from orchestration import paths
from orchestration.platform.warehouse_lock import connect_warehouse


def _table(rows: list[tuple], headers: tuple[str, ...]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  " + "  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))]
    for row in rows:
        lines.append("  " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
    return "\n".join(lines)


def print_run_status(result, seconds: float) -> None:
    """Succeeded, succeeded with warnings (failed warning checks: refused files, dropped or
    missing columns, quality warnings), or failed; and which night readers are served."""
    from orchestration.published import NothingPublishedError, current_night

    warnings = [e for e in result.get_asset_check_evaluations() if not e.passed]
    if not result.success:
        status = "FAILED"
    elif warnings:
        status = f"succeeded WITH {len(warnings)} WARNING(S)"
    else:
        status = "succeeded"
    print(f"\nNightly job {status} in {seconds:.1f} s (run {result.run_id}).")
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            print(f"  step {event.step_key} failed: {error.message.strip() if error else ''}")
    for evaluation in warnings:
        asset = evaluation.asset_key.to_user_string()
        print(f"  check {evaluation.check_name} on {asset} failed ({evaluation.severity.value})")
    try:
        night = current_night()
    except NothingPublishedError:
        print("  Served to readers: nothing yet (no night has been published).")
        return
    fresh = result.success and any(
        e.is_step_success and e.step_key == "outputs__published_night" for e in result.all_events
    )
    which = "this night" if fresh else "the last good night; this run published nothing"
    print(f"  Served to readers: {which}, published at {night.published_at} ({night.path.name}).")


def print_summary(since: dt.datetime | None = None) -> None:
    """What loaded, what was rejected and why, what was refused, and where every output is."""

    db = paths.warehouse_path()
    if not db.exists():
        print(f"No warehouse at {db}.")
        return
    con = connect_warehouse(db, read_only=True, wait_seconds=60)
    try:
        has_register = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ops' and table_name = 'load_register'"
        ).fetchone()[0]
        if has_register:
            _print_loads(con, since)
        schemas = con.execute(
            "select table_schema, count(*) from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog') "
            "group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()

    _print_uncontracted_landing()
    print("\nWhere everything is:")
    rows = [
        ("warehouse", _show(db), ", ".join(f"{s} ({n} tables)" for s, n in schemas)),
        ("landing", _show(paths.landing_dir()), "agency extracts, <agency>/<dataset>/<date>.csv"),
        ("load register", "ops.load_register", "every file: checksum, rows, outcome, message"),
        ("quarantine", "ops.quarantine", "rejected rows: file, row, field, reason, raw text"),
        ("refused files", "ops.refused_files", "files refused whole, with the reason"),
    ]
    for label, folder in (("reports", paths.reports_dir()), ("outputs", paths.outputs_dir())):
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        rows.append((label, _show(folder), f"{len(files)} files" if files else "(none yet)"))
        rows += [("", _show(p), "") for p in files[:20]]
    rows.append(("dagster home", os.environ.get("DAGSTER_HOME", ""), "run history (make ui)"))
    print(_table(rows, ("what", "where", "")))


def _show(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _print_loads(con, since: dt.datetime | None) -> None:
    where = "where started_at >= ?" if since else ""
    params = [since] if since else []
    rows = con.execute(
        f"""
        select dataset,
               count(*) filter (where outcome = 'loaded') as files_loaded,
               count(*) filter (where outcome = 'refused') as files_refused,
               count(*) filter (where outcome = 'skipped') as files_skipped,
               coalesce(sum(rows_loaded), 0) as rows_loaded,
               coalesce(sum(rows_rejected), 0) as rows_rejected,
               max(extract_date) filter (where outcome = 'loaded') as latest_extract
        from ops.load_register {where} group by 1 order by 1
        """,
        params,
    ).fetchall()
    label = "this run" if since else "all time"
    if not rows:
        print(f"\nNo new files ({label}): everything in landing was already in the register.")
        if since:
            _print_loads(con, None)  # so a re-run still says what the warehouse holds
            return
    else:
        total_loaded = sum(r[4] for r in rows)
        total_rejected = sum(r[5] for r in rows)
        print(f"\nLoaded ({label}): {total_loaded:,} rows; quarantined {total_rejected:,} rows.")
        print(
            _table(
                [(r[0], r[1], r[2], r[3], f"{r[4]:,}", f"{r[5]:,}", r[6] or "-") for r in rows],
                ("dataset", "files", "refused", "dupes", "rows loaded", "rejected", "latest"),
            )
        )
    reasons = con.execute(
        f"""
        select q.dataset, coalesce(q.field, '(whole row)'), q.reason, count(*)
        from ops.quarantine q join ops.load_register r using (load_id)
        {where.replace("started_at", "r.started_at")}
        group by all order by 1, 4 desc
        """,
        params,
    ).fetchall()
    if reasons:
        print(f"\nRejected rows by reason ({label}; details in ops.quarantine):")
        print(
            _table(
                [(d, f, r, f"{n:,}") for d, f, r, n in reasons], ("dataset", "field", "reason", "n")
            )
        )
    _print_column_faults(con, since)
    refused = con.execute(
        f"select dataset, file, message from ops.load_register "
        f"{where + ' and' if where else 'where'} outcome = 'refused' order by file",
        params,
    ).fetchall()
    if refused:
        print(f"\nRefused files ({label}; nothing from them reached the warehouse):")
        for _, file, message in refused:
            print(f"  {file}\n      {message}")


def _print_uncontracted_landing() -> None:
    """Landing folders no contract covers: their files are never loaded, so say so."""
    from orchestration.ingest.contract import load_contracts

    landing = paths.landing_dir()
    if not landing.is_dir():
        return
    known = {(c.agency, c.name) for c in load_contracts().values()}
    stray = sorted(
        f"{folder.parent.name}/{folder.name}"
        for folder in landing.glob("*/*")
        if folder.is_dir() and (folder.parent.name, folder.name) not in known
    )
    if stray:
        print("\nLanding folders without a contract (not loaded): " + ", ".join(stray))


def _print_column_faults(con, since: dt.datetime | None) -> None:
    """Undeclared columns dropped and declared columns missing, per file (names only)."""
    from orchestration.ingest.file_faults import REFUSED, recent_faults

    if since is None:
        return  # all-time view: the refusals below say enough, columns are per night
    faults = [f for f in recent_faults(con, since=since) if f.kind != REFUSED]
    if faults:
        print("\nColumn faults (this run; the files still loaded):")
        for fault in faults:
            print(f"  {fault.describe()}")
