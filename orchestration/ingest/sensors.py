"""A sensor that starts loads when new files land (filesystem only: it never opens DuckDB)."""

from __future__ import annotations

import hashlib
import json
import time

import dagster as dg

from orchestration import paths
from orchestration.ingest.contract import Contract
from orchestration.ingest.loader import landing_files

# A file modified this recently may still be being copied in; the next tick takes it.
SETTLE_SECONDS = 10


def build_landing_sensor(
    contracts: dict[str, Contract], job: dg.UnresolvedAssetJobDefinition
) -> dg.SensorDefinition:
    """Request a run of the load assets of every dataset with new or changed landing files.

    The cursor maps each landing file (relative path) to `<mtime_ns>:<size>`, so a file is
    requested once; a re-sent file with new content is requested again (the loader then
    decides by checksum).
    """

    @dg.sensor(
        name="landing_files_sensor",
        job=job,
        minimum_interval_seconds=60,
        # Stopped until switched on (Automation -> landing_files_sensor -> Start, or
        # `dagster sensor start landing_files_sensor`): running by default, its first tick
        # found every landing file new and launched a load the moment the UI was opened.
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Starts the loads of datasets with new files under data/landing/ "
        "(stopped by default: start it here to load files as they land).",
    )
    def landing_files_sensor(context: dg.SensorEvaluationContext):
        root = paths.landing_dir()
        previous = json.loads(context.cursor) if context.cursor else {}
        current = dict(previous)
        changed: dict[str, list[str]] = {}
        now = time.time()
        for table_name, contract in contracts.items():
            for path in landing_files(contract, root):
                stat = path.stat()
                if now - stat.st_mtime < SETTLE_SECONDS:
                    continue
                name = path.relative_to(root).as_posix()
                signature = f"{stat.st_mtime_ns}:{stat.st_size}"
                if previous.get(name) != signature:
                    changed.setdefault(table_name, []).append(f"{name}={signature}")
                current[name] = signature
        if not changed:
            return dg.SensorResult(
                skip_reason=dg.SkipReason(f"no new files under {root}"),
                cursor=json.dumps(current, sort_keys=True),
            )
        run_key = hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:16]
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=run_key,
                    asset_selection=[dg.AssetKey(["raw", t]) for t in sorted(changed)],
                    tags={"families/trigger": "landing_files_sensor"},
                )
            ],
            cursor=json.dumps(current, sort_keys=True),
        )

    return landing_files_sensor
