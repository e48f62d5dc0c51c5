"""Families sub-commands: `families explain <family_id>`, `families eligibility`,
`families render-sources`, `families docs`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    explain = subparsers.add_parser(
        "explain",
        help="why a family is or is not eligible, criterion by criterion, with its records",
        description="Print each criterion of the rule set for one family: met or not, the "
        "indicators behind it, their sources, dates, legal gateways and the record ids a "
        "keyworker can look up. Reads the published night; prints no names.",
    )
    explain.add_argument("family_id", help="e.g. FAM-<UPRN> (see eligible_families.csv)")
    explain.add_argument(
        "--db", type=Path, help="a warehouse file to read instead of the published night"
    )
    explain.set_defaults(func=_explain)

    eligibility = subparsers.add_parser(
        "eligibility",
        help="rebuild households, criteria and the eligible list (optionally as at a past date)",
        description="Run the dbt models after linkage for an as-at date and rule set, write "
        "data/outputs/eligible_families.csv and .xlsx, and, where a truth exists, "
        "data/reports/families/accuracy.json.",
    )
    eligibility.add_argument(
        "--as-at",
        help="YYYY-MM-DD (default: the latest date every source's extracts cover, i.e. the "
        "earliest of the sources' latest extract dates)",
    )
    eligibility.add_argument("--rule-set", choices=["FF2015", "SFOF2022"], default=None)
    eligibility.add_argument(
        "--all-models", action="store_true", help="also rebuild staging (before linkage)"
    )
    eligibility.set_defaults(func=_eligibility)

    from orchestration.families import docs, render_sources

    render_sources.add_parser(subparsers)
    docs.add_parser(subparsers)


def _explain(args: argparse.Namespace) -> int:
    from orchestration.families.explain import FamilyNotFound, explain_family
    from orchestration.published import NothingPublishedError

    try:
        print(explain_family(args.family_id, args.db))
    except (FamilyNotFound, FileNotFoundError, NothingPublishedError) as error:
        print(f"families explain: {error}", file=sys.stderr)
        return 2
    return 0


def _eligibility(args: argparse.Namespace) -> int:

    from orchestration import paths
    from orchestration.families import evaluation, outputs, project
    from orchestration.families.run_parameters import (
        InvalidRunParameters,
        validate_run_parameters,
    )
    from orchestration.platform.warehouse_lock import connect_warehouse
    from orchestration.published import (
        NothingPublishedError,
        current_night,
        open_published,
        publish,
    )

    try:
        validate_run_parameters(args.as_at, args.rule_set)
    except InvalidRunParameters as error:
        print(f"families eligibility: {error}; nothing was run", file=sys.stderr)
        return 2
    select = [] if args.all_models else ["--exclude", project.BEFORE_LINKAGE_SELECT]
    result = project.run_dbt(
        ["build", *select, *project.dbt_vars(args.as_at, args.rule_set)], check=False
    )
    print(result.stdout[-3000:])
    if result.returncode != 0:
        try:
            served = f"the night published at {current_night().published_at} is still served"
        except NothingPublishedError:
            served = "no night has been published yet, so nothing is served"
        print(f"families eligibility: dbt build failed; {served}", file=sys.stderr)
        return 1
    with connect_warehouse(paths.warehouse_path()) as con:
        night = publish(con)
    print(f"published {night.path.name} (served from now on)")
    with open_published() as con:
        files = outputs.write_eligible_list(con)
    print(f"{files.rows} eligible families written to {files.csv} and {files.xlsx}")
    if (paths.truth_dir() / "family_truth.parquet").exists():
        report = evaluation.evaluate_eligibility()
        print(json.dumps(report["overall"], indent=2))
    return 0
