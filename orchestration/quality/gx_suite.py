"""Great Expectations side: suites from checks, validation of a pandas frame, Data Docs.

GX is imported inside these functions (about 5 s): importing this module is free. The context
is file-backed under `data/reports/quality/gx` so suites, results and Data Docs survive the
run; results are requested with no unexpected values (`partial_unexpected_count: 0`), so
neither the stored JSON nor the Data Docs can carry a value from the records.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from orchestration import paths
from orchestration.quality.offline_docs import localise_site
from orchestration.quality.spec import Check

DATA_DOCS_SITE = "quality_data_docs"
DATASOURCE = "quality_frames"
ASSET = "latest_loads"
BATCH_DEFINITION = "whole_frame"
# Counts and percentages only: GX's default would keep up to 20 raw values per expectation.
RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
}
_GX_SEVERITY = {"error": "critical", "warning": "warning"}
# Keys of a GX result that may hold values from the records; dropped before anything is kept.
_VALUE_KEYS = (
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "unexpected_list",
    "unexpected_index_list",
    "unexpected_index_query",
    "unexpected_rows",
    "details",
)


def quality_reports_dir() -> Path:
    return paths.reports_dir() / "quality"


def data_docs_dir() -> Path:
    return quality_reports_dir() / "data_docs"


def _import_gx() -> Any:
    # Set before the import as well as in the Makefile: GX reads it when first imported.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


_contexts: dict[Path, Any] = {}


def get_context(root: Path | None = None) -> Any:
    """The project's file-backed GX context (created on first use, reused within a process)."""
    root = (root or quality_reports_dir()).resolve()
    if root in _contexts:
        return _contexts[root]
    gx = _import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.save()
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(root / "data_docs"),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    if DATA_DOCS_SITE in context.get_site_names():
        context.update_data_docs_site(DATA_DOCS_SITE, site)
    else:
        context.add_data_docs_site(DATA_DOCS_SITE, site)
    _contexts[root] = context
    return context


def to_expectation(check: Check, tiers: list[Check] | None = None) -> Any:
    """The GX expectation for a check; meta carries dimension and severity for reports.

    `tiers` are the checks judged from this expectation's counts at another tolerance (the
    `__blocking` error twin): GX does not count the same rows twice, so the page says where
    the extract would be blocked instead.
    """
    gx = _import_gx()
    gxe = gx.expectations
    description = f"[{check.severity}, {check.dimension}] {check.description}"
    for tier in tiers or []:
        description += (
            f"; [{tier.severity}] {tier.name}: below {tier.mostly:.0%} of rows "
            f"(extracts of {tier.min_rows} rows or more)"
        )
    common = {
        "meta": {
            "check": check.name,
            "dimension": check.dimension,
            "severity": check.severity,
            "tiers": [
                {"check": t.name, "severity": t.severity, "mostly": t.mostly} for t in tiers or []
            ],
        },
        "severity": _GX_SEVERITY[check.severity],
        "description": description,
    }
    if check.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(
            column=check.columns[0], mostly=check.mostly, **common
        )
    if check.kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(
            column=check.columns[0], value_set=list(check.values), mostly=check.mostly, **common
        )
    if check.kind == "unique":
        if len(check.columns) == 1:
            return gxe.ExpectColumnValuesToBeUnique(
                column=check.columns[0], mostly=check.mostly, **common
            )
        return gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(check.columns), mostly=check.mostly, **common
        )
    if check.kind == "flag":
        return gxe.ExpectColumnValuesToBeInSet(
            column=check.derived_column, value_set=[True], mostly=check.mostly, **common
        )
    raise ValueError(f"check {check.name}: unknown kind {check.kind}")


def build_suite(
    context: Any,
    suite_name: str,
    checks: list[Check],
    tiers: dict[str, list[Check]] | None = None,
) -> Any:
    gx = _import_gx()
    tiers = tiers or {}
    # Expectations go in through the constructor: adding them one by one to a suite already
    # in the store rewrites the whole suite file per expectation (quadratic, seconds each).
    suite = gx.ExpectationSuite(
        name=suite_name,
        expectations=[to_expectation(check, tiers.get(check.name)) for check in checks],
        meta={"source": "expectations/ (suites as code; regenerated on every validation)"},
    )
    return context.suites.add_or_update(suite)


def _batch_definition(context: Any) -> Any:
    source = context.data_sources.add_or_update_pandas(DATASOURCE)
    asset = next((a for a in source.assets if a.name == ASSET), None)
    if asset is None:
        asset = source.add_dataframe_asset(ASSET)
    existing = next((b for b in asset.batch_definitions if b.name == BATCH_DEFINITION), None)
    return existing or asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)


def sanitise_result(result: dict[str, Any]) -> dict[str, Any]:
    """Counts only: drop every key that could carry a value from the records."""
    return {k: v for k, v in (result or {}).items() if k not in _VALUE_KEYS}


def prepare_validation(
    suite_name: str,
    checks: list[Check],
    context: Any | None = None,
    tiers: dict[str, list[Check]] | None = None,
) -> Any:
    """Save the suite and its validation definition; reuse the result for every load.

    `checks` are the measured checks (one expectation per measurement); `tiers` maps a
    check's name to the twins judged from its counts (see `validate.measured_checks`).

    Saving costs a few tenths of a second per suite, so it is skipped when the suite's
    checks are those saved last time (a fingerprint kept beside the suite).
    """
    import hashlib
    import json

    gx = _import_gx()
    context = context or get_context()
    tiers = tiers or {}
    fingerprint = hashlib.sha256(
        json.dumps([repr(c) for c in checks] + [repr(sorted(tiers.items()))]).encode()
    ).hexdigest()
    marker = Path(context.root_directory) / "uncommitted" / "suite_fingerprints" / suite_name
    if marker.exists() and marker.read_text() == fingerprint:
        try:
            return context.validation_definitions.get(suite_name)
        except Exception:  # noqa: BLE001 - missing or unreadable: rebuild below
            pass
    suite = build_suite(context, suite_name, checks, tiers)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=_batch_definition(context), suite=suite)
    )
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(fingerprint)
    return definition


def run_validation(definition: Any, frame: Any, run_name: str) -> dict[str, dict[str, Any]]:
    """Validate `frame`; per check name: success and counts (never values)."""
    _import_gx()
    from great_expectations.core.run_identifier import RunIdentifier

    run = definition.run(
        batch_parameters={"dataframe": frame},
        result_format=RESULT_FORMAT,
        run_id=RunIdentifier(run_name=run_name),
    )
    outcomes: dict[str, dict[str, Any]] = {}
    for item in run.results:
        name = (item.expectation_config.meta or {}).get("check")
        exception = (item.exception_info or {}).get("raised_exception", False)
        outcomes[name] = {
            "success": bool(item.success),
            "raised_exception": bool(exception),
            **sanitise_result(item.result),
        }
    return outcomes


def run_name_for(extract_date: Any, load_id: str) -> str:
    """How a load's validation is named in the results store and the Data Docs."""
    return f"extract_{extract_date.isoformat()}_load_{load_id}"


def validation_page(suite: str, run_name: str, context: Any | None = None) -> Path | None:
    """The Data Docs page of one validation run of a suite (the newest, if it was validated
    more than once), or None if GX holds no such result. The page exists once the docs of that
    run are built."""
    context = context or get_context()
    keys = [
        key
        for key in context.validation_results_store.list_keys()
        if key.expectation_suite_identifier.name == suite and key.run_id.run_name == run_name
    ]
    if not keys:
        return None
    newest = max(keys, key=lambda key: key.run_id.run_time)
    site = Path(context.root_directory).parent / "data_docs"
    url = context.get_docs_sites_urls(
        resource_identifier=newest, site_name=DATA_DOCS_SITE, only_if_exists=False
    )
    page = Path(url[0]["site_url"].removeprefix("file://"))
    return page if page.is_relative_to(site) else None


def build_data_docs(context: Any | None = None, only: dict[str, set[str]] | None = None) -> Path:
    """Rebuild our Data Docs site (or only the pages of `only`: suite -> run names, plus the
    index, which keeps a nightly check from re-rendering every earlier page); returns the
    index page."""
    context = context or get_context()
    identifiers = None
    if only is not None:
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
        )

        identifiers = [
            key
            for key in context.validation_results_store.list_keys()
            if key.run_id.run_name in only.get(key.expectation_suite_identifier.name, set())
        ]
        # Each validation page links its suite's page: build those too, or the link is dead.
        identifiers += [ExpectationSuiteIdentifier(name=suite) for suite in sorted(only)]
    started = time.time()
    context.build_data_docs(site_names=[DATA_DOCS_SITE], resource_identifiers=identifiers)
    # The context lives in <quality>/gx; the site was configured as <quality>/data_docs.
    site = Path(context.root_directory).parent / "data_docs"
    localise_site(site, since=None if only is None else started - 1)
    return site / "index.html"
