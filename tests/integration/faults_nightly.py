"""Helpers for the fault tests that run the whole nightly job as `families nightly` does: a
tiny city, the command in its own process (optionally with outbound network blocked and
every connection attempt recorded), and checks that a warehouse and a published night are
whole."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

TINY_CITY_HOUSEHOLDS = 120
TINY_CITY_SEED = 20150901
# A Python audit hook loaded by every Python process the night starts (dbt included, through
# PYTHONPATH): each attempt to resolve a name or connect a non-local socket is written down.
NETWORK_AUDIT_HOOK = textwrap.dedent(
    """
    import os, socket, sys

    _log = os.environ.get("FAULTS_NETWORK_LOG")

    def _record(event, args):
        if event not in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
            return
        if event == "socket.connect" and getattr(args[0], "family", None) == socket.AF_UNIX:
            return
        with open(_log, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {sys.argv[:2]} {event} {args[1:2] or args[:2]}\\n")

    if _log:
        sys.addaudithook(_record)
    """
)


def make_tiny_city(root: Path, nights: int = 1) -> Path:
    """A data folder holding a freshly generated tiny city's landing and truth (with
    `nights=2`, night two's extracts are in landing too: see `move_night_two`)."""
    from orchestration.synth.generate import generate

    city = root / "city"
    generate(TINY_CITY_HOUSEHOLDS, TINY_CITY_SEED, city, log=lambda *_: None, nights=nights)
    data_dir = root / "data"
    shutil.copytree(city / "landing", data_dir / "landing")
    shutil.copytree(city / "truth", data_dir / "truth")
    return data_dir


def move_night_two(data_dir: Path, source: Path, target: Path) -> int:
    """Move night two's extracts (listed by the generator in truth/night_two.csv: test set-up,
    not a decision) from `source` to `target`, both laid out like landing/."""
    import csv

    moved = 0
    with (data_dir / "truth" / "night_two.csv").open(newline="") as listing:
        for row in csv.DictReader(listing):
            agency, dataset = row["dataset"].split("__", 1)
            for path in (source / agency / dataset).glob(f"{row['extract_date']}.*"):
                (target / agency / dataset).mkdir(parents=True, exist_ok=True)
                shutil.move(path, target / agency / dataset / path.name)
                moved += 1
    return moved


def failures_in(log: Path) -> str:
    """The run status and failed steps a `families nightly` log reports."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(line for line in lines if "Nightly job" in line or " failed" in line)


def families_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FAMILIES_DATA_DIR": str(data_dir),
        "FAMILIES_DB": str(data_dir / "warehouse.duckdb"),
        "DAGSTER_HOME": str(data_dir.parent / "dagster_home"),
    }


def families_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "families"), *args]


def run_offline(data_dir: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """`families <args>` in a fresh network namespace (no route out), with every outbound
    attempt recorded; returns the process and the attempts."""
    hook_dir = data_dir.parent / "network_hook"
    hook_dir.mkdir(exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(NETWORK_AUDIT_HOOK, encoding="utf-8")
    log = hook_dir / "attempts.log"
    log.unlink(missing_ok=True)
    env = families_env(data_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook_dir), env.get("PYTHONPATH")]))
    env["FAULTS_NETWORK_LOG"] = str(log)
    done = subprocess.run(
        ["unshare", "--net", *families_command(*args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    attempts = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return done, attempts


def warehouse_problems(db: Path) -> list[str]:
    """Why the warehouse is not whole: it does not open (read-write, so its log is replayed)
    or a table cannot be read through. Empty when it is whole."""
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as error:
        return [f"does not open: {error}"]
    problems = []
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, table in tables:
            try:
                con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            except duckdb.Error as error:
                problems.append(f"{schema}.{table}: {error}")
    finally:
        con.close()
    return problems


SERVED_TABLES = {
    "marts.households",
    "marts.families",
    "marts.indicator_events",
    "marts.family_criteria",
    "marts.eligible_families",
    "marts.family_priority",
    "marts.services_involved",
    "linkage.review_queue",
}


def published_problems(data_dir: Path) -> list[str]:
    """Why what is served is not a whole night: the pointer names no readable file, a served
    table is missing, a table's rows differ from its manifest, or the eligible CSV matches no
    kept night. Empty when nothing has been published yet or all is whole."""
    root = data_dir / "published"
    pointer = root / "current.json"
    if not pointer.exists():
        return []
    night = root / json.loads(pointer.read_text(encoding="utf-8"))["file"]
    try:
        con = duckdb.connect(str(night), read_only=True)
    except duckdb.Error as error:
        return [f"{night.name} does not open: {error}"]
    problems = []
    try:
        manifest = dict(
            con.execute("select table_name, row_count from published_manifest").fetchall()
        )
        missing = SERVED_TABLES - set(manifest)
        if missing:
            problems.append(f"{night.name} lacks {sorted(missing)}")
        for table, expected in manifest.items():
            schema, name = table.split(".", 1)
            actual = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            if actual != expected:
                problems.append(f"{night.name}: {table} has {actual} rows, manifest {expected}")
        if manifest.get("marts.families", 0) == 0:
            problems.append(f"{night.name}: no families (a half-built night)")
    finally:
        con.close()
    problems += _csv_problems(data_dir, root)
    return problems


def _csv_problems(data_dir: Path, root: Path) -> list[str]:
    csv_path = data_dir / "outputs" / "eligible_families.csv"
    if not csv_path.exists():
        return []
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("family_id,uprn,"):
        return ["eligible_families.csv has no header"]
    # Written from the night just published; a kill between the two leaves the previous
    # night's whole file, which is still a kept night.
    counts = set()
    for night in root.glob("night-*.duckdb"):
        with duckdb.connect(str(night), read_only=True) as con:
            counts.add(con.execute("select count(*) from marts.eligible_families").fetchone()[0])
    if len(lines) - 1 not in counts:
        return [f"eligible_families.csv has {len(lines) - 1} rows; no kept night has that many"]
    return []


def step_running_at_kill(dagster_home: Path) -> str:
    """The step the newest run had started and not finished (where a kill landed), or
    "(before the first step)" / "(between steps)"."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return "(before the first step)"
        records = instance.all_logs(
            runs[0].run_id,
            of_type={
                dg.DagsterEventType.STEP_START,
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            },
        )
    open_steps: list[str] = []
    for record in records:
        if record.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            open_steps.append(record.step_key)
        elif record.step_key in open_steps:
            open_steps.remove(record.step_key)
    if open_steps:
        return open_steps[-1]
    return "(between steps)" if records else "(before the first step)"
