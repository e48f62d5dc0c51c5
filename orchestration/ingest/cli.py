"""`families nightly`, `families demo` and `families ui`.

Summaries print counts, file names, fields and reasons only: never a personal identifier.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path

from orchestration import paths


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    nightly = subparsers.add_parser(
        "nightly", help="Run the nightly job once, in this process, and print a summary."
    )
    nightly.set_defaults(func=run_nightly)

    demo = subparsers.add_parser(
        "demo",
        help="Generate the demo city into data/ if there is none, run the nightly job once and "
        "print what loaded, what was rejected and why, and where every output is.",
    )
    demo.add_argument("--households", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=20150901)
    demo.set_defaults(func=run_demo)

    ui = subparsers.add_parser("ui", help="The Dagster UI on 127.0.0.1 (workspace.yaml).")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=run_ui)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def run_nightly(args: argparse.Namespace | None = None) -> int:
    """Execute the `nightly` job in-process against the warehouse; 0 if every step succeeded."""
    from orchestration.ingest.dagster_home import ensure_dagster_home

    ensure_dagster_home()
    import dagster as dg

    from orchestration.definitions import defs

    started_at = _utc_now()
    clock = time.perf_counter()
    job = defs.resolve_job_def("nightly")
    # The persistent instance, so the run shows in the UI's run history next to scheduled ones.
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            # Step-level DEBUG events drown the summary; warnings (refused files) still show.
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    seconds = time.perf_counter() - clock
    status = "succeeded" if result.success else "FAILED"
    print(f"\nNightly job {status} in {seconds:.1f} s (run {result.run_id}).")
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                error = event.step_failure_data.error
                print(f"  step {event.step_key} failed: {error.message.strip() if error else ''}")
    print_summary(started_at)
    return 0 if result.success else 1


def run_demo(args: argparse.Namespace) -> int:
    """Generate the demo city if data/landing has no files, then run nightly once."""
    landing = paths.landing_dir()
    has_files = landing.is_dir() and any(p.is_file() for p in landing.rglob("*"))
    if has_files:
        print(f"Using the extracts already in {landing} (delete data/ to regenerate).")
    else:
        print(
            f"No extracts in {landing}: generating the demo city "
            f"({args.households} households, seed {args.seed})."
        )
        code = _run_synth(args.households, args.seed)
        if code:
            return code
    return run_nightly(args)


def _run_synth(households: int, seed: int) -> int:
    # Through the `families synth` sub-command, so the generator's own defaults apply.
    from orchestration.cli import build_parser

    parser = build_parser()
    subcommands = next(
        (a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {}
    )
    if "synth" not in subcommands:
        print(
            "The synthetic city generator (orchestration.synth, `families synth`) is not "
            "available, and data/landing has no extracts: nothing to load.",
            file=sys.stderr,
        )
        return 2
    args = parser.parse_args(["synth", "--households", str(households), "--seed", str(seed)])
    return int(args.func(args) or 0)


def run_ui(args: argparse.Namespace) -> int:
    """Replace this process with `dagster dev` on 127.0.0.1, loaded through workspace.yaml."""
    from orchestration.ingest.dagster_home import ensure_dagster_home

    ensure_dagster_home()
    dagster = Path(sys.executable).parent / "dagster"
    os.chdir(paths.REPO_ROOT)
    # Started from a non-interactive shell these arrive ignored, and `dagster dev` would then
    # ignore TERM and orphan its children on KILL: restore the defaults before exec.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    argv = [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(args.port)]
    print(f"Dagster UI: http://127.0.0.1:{args.port}  (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    sys.stdout.flush()
    os.execv(argv[0], argv)
    return 0  # not reached


# --- summary ----------------------------------------------------------------------------------


def _table(rows: list[tuple], headers: tuple[str, ...]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  " + "  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))]
    for row in rows:
        lines.append("  " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
    return "\n".join(lines)


def print_summary(since: dt.datetime | None = None) -> None:
    """What loaded, what was rejected and why, what was refused, and where every output is."""

    db = paths.warehouse_path()
    if not db.exists():
        print(f"No warehouse at {db}.")
        return
    con = _connect_read_only(db)
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


def _connect_read_only(db: Path, wait_seconds: float = 60.0):
    """A read-only connection, waiting while another process (a UI run) holds the writer lock."""
    import duckdb

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(db), read_only=True)
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


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
