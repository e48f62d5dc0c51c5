"""The summary `families nightly|demo` print: what loaded, what was rejected and why, what
was refused whole, and where every output is. Counts, file names, fields and reasons only:
never a personal identifier."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from orchestration import paths
from orchestration.linkage.engine import table_exists
from orchestration.platform.loads_summary import agency_lines, load_lines
from orchestration.platform.warehouse_lock import connect_warehouse

# One screen: the summary after the progress lines fits 40 lines of 100 characters.
WIDTH = 100


def table(rows: list[tuple], headers: tuple[str, ...] | None = None) -> str:
    """Columns padded to their widest cell, indented by two; no trailing spaces."""
    everything = [headers, *rows] if headers else rows
    widths = [max(len(str(x)) for x in column) for column in zip(*everything, strict=True)]
    return "\n".join(
        ("  " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True))).rstrip()
        for row in everything
    )


def print_run_status(instance, run, seconds: float) -> None:
    """Succeeded, succeeded with warnings (failed warning checks: refused files, dropped or
    missing columns, quality warnings), or failed; and which night readers are served. Read
    from the run's event log, whichever process executed it."""
    import dagster as dg

    from orchestration.published import NothingPublishedError, current_night

    records = instance.all_logs(
        run.run_id,
        of_type={
            dg.DagsterEventType.STEP_FAILURE,
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        },
    )
    events = [r.dagster_event for r in records]
    kind = dg.DagsterEventType
    warnings = [
        e.event_specific_data
        for e in events
        if e.event_type == kind.ASSET_CHECK_EVALUATION and not e.event_specific_data.passed
    ]
    success = run.status == dg.DagsterRunStatus.SUCCESS
    if not success:
        status = "FAILED"
    elif warnings:
        status = f"succeeded WITH {len(warnings)} WARNING(S)"
    else:
        status = "succeeded"
    print(_fit(f"\nNightly job {status} in {seconds:.1f} s (run {run.run_id})."))
    for event in events:
        if event.event_type == kind.STEP_FAILURE:
            error = event.step_failure_data.error
            message = error.message.strip().splitlines()[0] if error and error.message else ""
            print(_fit(f"  step {event.step_key} failed: {message}"))
    # One line per check name (16 datasets' quality warnings would fill the screen); the
    # table per agency below says whose, the run's log in the UI says which.
    failed_by_check: dict[str, list[str]] = {}
    for evaluation in warnings:
        name = f"{evaluation.check_name} ({evaluation.severity.value})"
        failed_by_check.setdefault(name, []).append(evaluation.asset_key.path[-1])
    for name, datasets in failed_by_check.items():
        print(_fit(f"  {len(datasets)} failed {name}: {', '.join(datasets)}"))
    try:
        night = current_night()
    except NothingPublishedError:
        print("  Served to readers: nothing yet (no night has been published).")
        return
    fresh = success and any(
        e.event_type == kind.STEP_SUCCESS and e.step_key == "outputs__published_night"
        for e in events
    )
    which = "this night" if fresh else "the last good night; this run published nothing"
    print(_fit(f"  Served to readers: {which}, published at {night.published_at}."))


def print_summary(since: dt.datetime | None = None) -> None:
    """One screen (at most 40 lines of at most 100 characters): loads, refusals, quality per
    agency, linkage, the review queue, families and eligible counts, and where each report
    is. Lists are cut to their first few items; every detail is in the tables named."""
    db = paths.warehouse_path()
    if not db.exists():
        print(f"No warehouse at {db}.")
        return
    con = connect_warehouse(db, read_only=True, wait_seconds=60)
    try:
        lines = [
            *load_lines(con, since),
            *agency_lines(con, since, table),
            *linkage_lines(con),
            *family_lines(con),
        ]
    finally:
        con.close()
    lines += _uncontracted_landing_lines()
    lines += where_lines()
    print("\n".join(_fit(line) for line in "\n".join(lines).split("\n")))


def _fit(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 3] + "..."


def linkage_lines(con) -> list[str]:
    """Records, persons, addresses placed on a UPRN, and accuracy where a truth exists."""
    lines = []
    if table_exists(con, "linkage.run_metrics"):
        row = con.execute(
            "select metrics from linkage.run_metrics order by run_at desc limit 1"
        ).fetchone()
        if row:
            m = json.loads(row[0])
            lines.append(
                f"Linkage: {m['records']:,} records -> {m['persons']:,} persons "
                f"({m['records_per_person']:.2f} records each; "
                f"{m['share_in_two_or_more_sources']:.1%} in 2+ sources)."
            )
    if table_exists(con, "linkage.record_uprns"):
        placed, total = con.execute(
            "select count(*) filter (where match_status = 'matched'), count(*) "
            "from linkage.record_uprns"
        ).fetchone()
        if total:
            lines.append(f"  Addresses on a UPRN: {placed:,} of {total:,} ({placed / total:.1%}).")
    accuracy = _read_json(paths.reports_dir() / "linkage" / "accuracy.json")
    splink = (accuracy or {}).get("splink", {}).get("pairwise")
    if splink:
        lines.append(
            f"  Against the synthetic truth: pairwise precision {splink['precision']:.3f}, "
            f"recall {splink['recall']:.3f}, F1 {splink['f1']:.3f}."
        )
    return ["", *lines] if lines else []


def family_lines(con) -> list[str]:
    """What readers are served: families, eligible families, the review queue."""
    from orchestration.published import NothingPublishedError, current_night

    try:
        tables = current_night().tables
    except NothingPublishedError:
        return ["", "Families: nothing published yet."]
    rule = ""
    if table_exists(con, "intermediate.int_run_parameters"):
        as_at, rule_set = con.execute(
            "select as_at_date, rule_set_version from intermediate.int_run_parameters"
        ).fetchone()
        rule = f" ({rule_set}, as at {as_at})"
    accuracy = (_read_json(paths.reports_dir() / "families" / "accuracy.json") or {}).get(
        "overall", {}
    )
    measured = accuracy.get("eligibility") or {}
    truth = (
        f"; vs truth: P {measured['precision']:.3f}, R {measured['recall']:.3f}"
        if measured.get("precision") is not None and measured.get("recall") is not None
        else ""
    )
    return [
        f"Families (served): {tables.get('marts.families', 0):,}; "
        f"eligible: {tables.get('marts.eligible_families', 0):,}{rule}{truth}.",
        f"Review queue: {tables.get('linkage.review_queue', 0):,} record pairs for clerical "
        "review (web application, Review).",
    ]


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def where_lines() -> list[str]:
    """Where each report is: the Information Asset Owners' pages first, assets last (files
    not written yet are left out)."""
    from orchestration.platform.links import web_url

    reports, outputs = paths.reports_dir(), paths.outputs_dir()
    iao = sorted((reports / "quality" / "iao").glob("*.html"))
    files = [
        ("IAO files", reports / "quality" / "iao", _count(iao, "pages")),
        ("Data Docs", reports / "quality" / "data_docs" / "index.html", "offline"),
        ("linkage", reports / "linkage" / "diagnostics.html", "and accuracy.json beside it"),
        ("eligibility", reports / "families" / "accuracy.json", "measured against the truth"),
        ("eligible list", outputs / "eligible_families.csv", "why: families explain <id>"),
        ("warehouse", paths.warehouse_path(), "ops.*, quality.*, linkage.*, marts.*"),
    ]
    rows = [("IAO pages", f"{web_url()}/quality/<agency>/", "web application: make web")]
    rows += [(label, _show(path), note) for label, path, note in files if path.exists()]
    rows += [
        ("runs, assets", "Dagster UI (make ui)", "dbt: dbt_project/target/steps/*/progress.log")
    ]
    return ["", "Where things are:", *(f"  {a:<13}  {b}  ({c})" for a, b, c in rows)]


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}" if items else "none yet"


def _show(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _uncontracted_landing_lines() -> list[str]:
    """Landing folders no contract covers: their files are never loaded, so say so."""
    from orchestration.ingest.contract import load_contracts

    landing = paths.landing_dir()
    if not landing.is_dir():
        return []
    known = {(c.agency, c.name) for c in load_contracts().values()}
    stray = sorted(
        f"{folder.parent.name}/{folder.name}"
        for folder in landing.glob("*/*")
        if folder.is_dir() and (folder.parent.name, folder.name) not in known
    )
    if not stray:
        return []
    return ["", "Landing folders without a contract (not loaded): " + ", ".join(stray)]
