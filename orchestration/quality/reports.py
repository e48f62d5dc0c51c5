"""One-page HTML reports for Information Asset Owners, and the GX Data Docs beside them.

`write_quality_reports(con)` writes `data/reports/quality/iao/<agency>.html` (one per agency)
and rebuilds `data/reports/quality/data_docs/`. A report reads only the counts in
`quality.validation_results`, never the raw tables, so it cannot carry a value from a record.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from orchestration.quality.gx_suite import quality_reports_dir
from orchestration.quality.scores import LoadScores, load_scores
from orchestration.quality.spec import DIMENSIONS
from orchestration.quality.suites import BLOCKING_MIN_ROWS, build_checks
from orchestration.quality.validate import EXAMPLE_ROWS

STATUS_WORDS = {"error": "Blocked", "warning": "Warnings", "passed": "Passed"}
TREND_LOADS = 12


@dataclass
class Fix:
    dataset: str
    dimension: str
    text: str
    rows: str
    blocking: bool
    accepted_by: str | None


def sparkline(values: list[float], width: int = 120, height: int = 24) -> str:
    """An inline SVG line of scores (0-100): no script, prints and works offline."""
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return ""
    low = min(min(points), 90.0)
    span = max(100.0 - low, 1.0)
    step = width / (len(points) - 1)
    coords = " ".join(
        f"{i * step:.1f},{height - (v - low) / span * (height - 2) - 1:.1f}"
        for i, v in enumerate(points)
    )
    return (
        f'<svg width="{width}" height="{height}" role="img" aria-label="trend of overall score">'
        f'<polyline fill="none" stroke="#1d70b8" stroke-width="1.5" points="{coords}"/></svg>'
    )


def _trend_words(history: list[LoadScores]) -> str:
    overall = [h.overall for h in history if h.overall is not None]
    if len(overall) < 2:
        return "first extract validated"
    change = overall[-1] - overall[-2]
    direction = "better" if change > 0.05 else ("worse" if change < -0.05 else "unchanged")
    return (
        f"{len(overall)} extracts; {direction} than the previous "
        f"({overall[-2]:.1f} to {overall[-1]:.1f})"
    )


def _format_advice(advice: str, field: str, unexpected: int, checked: int) -> str:
    percent = f"{100 * unexpected / checked:.1f}%" if checked else "0%"
    return advice.format(percent=percent, count=f"{unexpected:,}", field=field)


def _fixes(
    con: Any, table: str, load_id: str, checks_by_name: dict[str, Any]
) -> tuple[list[Fix], list[str]]:
    rows = con.execute(
        "select check_name, status, severity, dimension, columns, element_count, "
        "unexpected_count, missing_count, example_rows, accepted_by "
        "from quality.validation_results where dataset = ? and load_id = ? "
        "order by severity, check_name",
        [table, load_id],
    ).fetchall()
    failed = {r[0]: r for r in rows if r[1] == "failed"}
    fixes, skipped = [], []
    for (
        name,
        status,
        severity,
        dimension,
        columns,
        elements,
        unexpected,
        missing,
        examples,
        by,
    ) in rows:
        if status == "skipped":
            # A blocking twin is also skipped on an extract too small for a rate (see
            # Check.min_rows): the template says so once; its warning twin is listed if the
            # check could not run at all.
            if not name.endswith("__blocking"):
                skipped.append(f"{table.split('__', 1)[-1]}: {name}")
            continue
        if status != "failed" or name.endswith("__blocking"):
            continue
        check = checks_by_name.get(name)
        if check is None:
            continue
        blocking_twin = failed.get(f"{name}__blocking")
        is_error = severity == "error" or blocking_twin is not None
        accepted_by = by if severity == "error" else (blocking_twin[9] if blocking_twin else None)
        checked = elements if check.kind == "not_null" else max((elements or 0) - (missing or 0), 0)
        fixes.append(
            Fix(
                dataset=table.split("__", 1)[-1],
                dimension=dimension,
                text=_format_advice(
                    check.advice, columns or "", int(unexpected or 0), int(checked or 0)
                ),
                # Timeliness is about the whole extract: row numbers would say nothing.
                rows="" if dimension == "timeliness" else (examples or "").replace(",", ", "),
                blocking=is_error and not accepted_by,
                accepted_by=accepted_by if is_error else None,
            )
        )
    return fixes, skipped


def _quarantine_fixes(con: Any, table: str, load_id: str) -> list[Fix]:
    """Rows the loader could not read (ops.quarantine): reason, field and row numbers only;
    the quarantined text itself is never read here."""
    from orchestration.quality.references import table_exists

    if not table_exists(con, "ops", "quarantine"):
        return []
    rows = con.execute(
        "select field, reason, count(*), "
        f"(list(row_number order by row_number))[1:{EXAMPLE_ROWS}] "
        "from ops.quarantine where dataset = ? and load_id = ? group by all order by 3 desc",
        [table, load_id],
    ).fetchall()
    return [
        Fix(
            dataset=table.split("__", 1)[-1],
            dimension="validity",
            text=f"{count:,} row(s) could not be loaded"
            + (f" ('{field}')" if field else "")
            + f": {reason}. Correct them at source and send them in the next extract.",
            rows=", ".join(str(n) for n in numbers or []),
            blocking=False,
            accepted_by=None,
        )
        for field, reason, count, numbers in rows
    ]


def _validation_link(table: str, latest: Any, out_dir: Path) -> str | None:
    """The latest load's own Data Docs page, relative to the report (None if GX did not
    validate that load: earlier loads of a backlog are scored from DuckDB counts)."""
    if latest is None:
        return None
    from orchestration.quality.gx_suite import run_name_for, validation_page

    page = validation_page(table, run_name_for(latest.extract_date, latest.load_id))
    return Path(os.path.relpath(page, out_dir)).as_posix() if page else None


def _file_fault_fixes(con: Any, tables: list[str]) -> list[Fix]:
    """Refused files, dropped undeclared columns and missing declared columns among each
    dataset's latest files (ops.load_register): file and column names and reasons only."""
    from orchestration.ingest.file_faults import REFUSED, recent_faults

    return [
        Fix(
            dataset=fault.dataset.split("__", 1)[-1],
            dimension="file" if fault.kind == REFUSED else "columns",
            text=fault.describe() + ".",
            rows="",
            # A refused file is not used at all until it is sent again, corrected.
            blocking=fault.kind == REFUSED,
            accepted_by=None,
        )
        for fault in recent_faults(con, tables, latest_files=TREND_LOADS)
    ]


def write_agency_report(
    con: Any, agency: str, contracts: dict[str, Any], out_dir: Path, produced: dt.date | None = None
) -> Path:
    """The one-page report for one agency's Information Asset Owner(s)."""
    tables = sorted(t for t, c in contracts.items() if c.agency == agency)
    history = load_scores(con, tables)
    datasets, fixes, skipped = [], [], []
    for table in tables:
        contract = contracts[table]
        loads = history.get(table, [])[-TREND_LOADS:]
        latest = loads[-1] if loads else None
        previous = loads[-2] if len(loads) > 1 else None
        change = {
            d: (latest.scores[d] - previous.scores[d])
            if latest
            and previous
            and latest.scores[d] is not None
            and previous.scores[d] is not None
            else None
            for d in DIMENSIONS
        }
        datasets.append(
            {
                "name": contract.name,
                "validation_page": _validation_link(table, latest, out_dir),
                "latest": latest,
                "change": change,
                "sparkline": sparkline([h.overall for h in loads]),
                "trend_words": _trend_words(loads),
            }
        )
        if latest:
            checks = {c.name: c for c in build_checks(contract, contracts)}
            found, not_run = _fixes(con, table, latest.load_id, checks)
            fixes += found
            skipped += not_run
            fixes += _quarantine_fixes(con, table, latest.load_id)
    fixes += _file_fault_fixes(con, tables)
    fixes.sort(key=lambda f: (not f.blocking, f.accepted_by is None, f.dataset, f.dimension))
    owners = sorted(
        {
            f"{c.information_asset_owner.role}, {c.organisation}"
            for t, c in contracts.items()
            if c.agency == agency
        }
    )
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    latest_dates = [d["latest"].extract_date for d in datasets if d["latest"]]
    html = env.get_template("iao_report.html.j2").render(
        agency_title=agency.replace("_", " ").title(),
        owners=owners,
        latest_extract=max(latest_dates) if latest_dates else None,
        produced=(produced or dt.date.today()).isoformat(),
        dimensions=DIMENSIONS,
        datasets=datasets,
        status_words=STATUS_WORDS,
        fixes=fixes,
        any_blocking=any(f.blocking for f in fixes),
        skipped=skipped,
        blocking_min_rows=BLOCKING_MIN_ROWS,
        data_docs_link="../data_docs/index.html",
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{agency}.html"
    path.write_text(html, encoding="utf-8")
    return path


def write_quality_reports(
    con: Any, contracts: dict[str, Any] | None = None, *, data_docs: bool = True
) -> list[Path]:
    """Every agency's report, plus the Data Docs site; returns the files written."""
    if contracts is None:
        from orchestration.ingest.contract import load_contracts

        contracts = load_contracts()
    from orchestration.quality.validate import ensure_tables

    ensure_tables(con)
    out_dir = quality_reports_dir() / "iao"
    written = [
        write_agency_report(con, agency, contracts, out_dir)
        for agency in sorted({c.agency for c in contracts.values()})
    ]
    if data_docs:
        from orchestration.quality.gx_suite import build_data_docs

        written.append(build_data_docs())
    return written
