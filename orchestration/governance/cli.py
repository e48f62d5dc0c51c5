"""`families vault ...` (the encrypted data folder), `families subject-access` and
`families retention`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    vault = subparsers.add_parser(
        "vault",
        help="the encrypted data folder: create, open, close, check, rotate its key",
        description="Keeps the data folder ($FAMILIES_DATA_DIR) on an encrypted volume "
        "(gocryptfs; ciphertext in $FAMILIES_VAULT_DIR, default data.encrypted/ beside it). "
        "The key is the file named by $FAMILIES_KEY_FILE, kept outside the repository.",
    )
    actions = vault.add_subparsers(dest="vault_action", required=True)
    for name, text in (
        ("init", "create an empty vault"),
        ("mount", "open the vault at the data folder"),
        ("unmount", "close it: only ciphertext stays on disk"),
        ("status", "say whether the data folder is the mounted vault"),
    ):
        actions.add_parser(name, help=text).set_defaults(func=_vault, vault_action=name)
    rotate = actions.add_parser(
        "rotate",
        help="rewrite every file under a new key (run when no job is running)",
        description="Makes a new vault under the key in --new-key, copies every file into it "
        "and removes the old ciphertext. Afterwards set FAMILIES_KEY_FILE to the new key.",
    )
    rotate.add_argument("--new-key", type=Path, required=True, help="the new key file")
    rotate.set_defaults(func=_vault, vault_action="rotate")

    sar = subparsers.add_parser(
        "subject-access",
        help="every record held about one person, from every layer, for the coordinator",
        description="Finds the person's records by a strong identifier, or name and date of "
        "birth, or person id; widens to every record linked to the same person; lists what "
        "every layer holds (raw loads with their files, quarantine, linkage, marts, published "
        "nights). Writes a JSON report readable by its owner only, under "
        "data/reports/subject_access/, and logs the request in ops.subject_access_log.",
    )
    for flag in (
        "--nhs-number",
        "--upn",
        "--ni-number",
        "--surname",
        "--first-name",
        "--person-id",
    ):
        sar.add_argument(flag)
    sar.add_argument("--dob", type=date.fromisoformat, help="YYYY-MM-DD, with --surname")
    sar.add_argument("--requested-by", required=True, help="who asks (the coordinator's name)")
    sar.add_argument("--reason", required=True, help="the request's reference, e.g. SAR-2026-014")
    sar.add_argument("--db", type=Path, help="warehouse (default: $FAMILIES_DB)")
    sar.set_defaults(func=_subject_access)

    retention = subparsers.add_parser(
        "retention",
        help="dispose of every dataset past its contract's retention (or --dry-run: list it)",
        description="For each dataset past the retention its contract states (years from the "
        "programme end in orchestration/contracts/programme.yml, or from each load's extract "
        "date), removes its rows from raw, quarantine, landing and every table keyed by its "
        "records, marks its loads disposed, rewrites the warehouse and published nights so the "
        "bytes are gone; drops the web application's review decisions about those records, "
        "its audit detail past audit_detail_years (programme.yml) and Dagster runs past the "
        "shortest retention; and records counts in ops.disposal_register. The nightly job "
        "runs the same step last (governance/retention). Run by hand when no night runs.",
    )
    retention.add_argument("--dry-run", action="store_true", help="list counts, change nothing")
    retention.add_argument(
        "--today", type=date.fromisoformat, default=date.today(), help="YYYY-MM-DD (the clock)"
    )
    retention.add_argument("--db", type=Path, help="warehouse (default: $FAMILIES_DB)")
    retention.set_defaults(func=_retention)


def _vault(args: argparse.Namespace) -> int:
    from orchestration.governance import vault

    where = vault.vault_paths()
    try:
        if args.vault_action == "status":
            mounted = vault.is_mounted(where.mountpoint)
            state = "mounted (encrypted)" if mounted else "NOT mounted"
            print(f"data folder {where.mountpoint}: {state}; vault {where.cipher}")
            return 0 if mounted else 1
        if args.vault_action == "unmount":
            vault.unmount(where)
        elif args.vault_action == "init":
            vault.init(where, vault.key_file())
        elif args.vault_action == "mount":
            vault.mount(where, vault.key_file())
        elif args.vault_action == "rotate":
            vault.rotate(where, vault.key_file(), vault.key_file(args.new_key))
            print("rotated: set FAMILIES_KEY_FILE to the new key file, then mount")
    except vault.VaultError as error:
        print(f"families vault {args.vault_action}: {error}", file=sys.stderr)
        return 2
    return 0


def _subject_access(args: argparse.Namespace) -> int:
    from orchestration import paths, published
    from orchestration.governance import subject_access as sar

    query = sar.SubjectQuery(
        nhs_number=args.nhs_number,
        upn=args.upn,
        ni_number=args.ni_number,
        surname=args.surname,
        first_name=args.first_name,
        dob=args.dob,
        person_id=args.person_id,
    )
    nights = sorted(published.published_dir().glob("night-*.duckdb"))
    warehouse = args.db or paths.warehouse_path()
    try:
        report = sar.request_subject_access(
            query, args.requested_by, args.reason, warehouse, nights
        )
    except sar.SubjectNotFound as error:
        print(f"families subject-access: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"families subject-access: {error}", file=sys.stderr)
        return 2
    path = sar.write_report(report, paths.reports_dir() / "subject_access")
    print(
        f"request {report.request_id}: {len(report.person_ids)} person(s), "
        f"{len(report.record_ids)} record(s), {report.rows_found} row(s) in "
        f"{len(report.holdings)} table(s); report (restricted): {path}"
    )
    for holding in report.holdings:
        print(f"  {holding.layer}.{holding.table}: {len(holding.rows)}")
    return 0


def _retention(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.governance import disposal, retention
    from orchestration.ingest.contract import load_contracts

    stores = disposal.stores_here(instance=_dagster_instance())
    if args.db:
        stores.warehouse = args.db
    if not stores.warehouse.is_file():
        print(f"families retention: no warehouse at {stores.warehouse}", file=sys.stderr)
        return 2
    try:
        disposals, run_id = disposal.dispose(
            stores, load_contracts(), args.today, dry_run=args.dry_run
        )
    except duckdb.IOException as error:  # another process holds the file: one writer
        print(
            f"families retention: {stores.warehouse} is in use; run when no job runs ({error})",
            file=sys.stderr,
        )
        return 2
    verb = "would lose" if args.dry_run else "disposed of"
    expired = [d for d in disposals if not disposal.platform_store(d)]
    print(f"retention as of {args.today}: {len(expired)} dataset(s) past retention")
    for d in (d for d in disposals if d.loads or d.rows or d.files):
        print(f"  {d.dataset} ({d.policy}): {len(d.loads)} load(s); {verb}:")
        # Counts only: never a value.
        for layer, rows in d.rows.items():
            print(f"    {layer}: {rows} row(s)")
        print(f"    files: {len(d.files)}")
    if run_id:
        print(f"recorded in ops.disposal_register (run {run_id}); stores rewritten")
    if expired:
        print(f"note: {retention.REBUILT_NEXT_NIGHT}")
    return 0


def _dagster_instance():
    """Dagster's run history here ($DAGSTER_HOME), if there is one; never created."""
    import os

    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    from orchestration import paths

    home = Path(os.environ.get("DAGSTER_HOME") or paths.REPO_ROOT / ".dagster_home")
    if not (home / "history").is_dir():
        return None
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
