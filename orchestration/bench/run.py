"""The city-scale benchmark: generate a city, run night one from an empty warehouse, then night two.

Every figure comes from a real run: the generator and each night run as their own `families`
processes (as cron or the Dagster schedule would run them), memory is sampled over each
process tree, stage times come from the run's Dagster event log, row counts from the warehouse
and the reports the night wrote, and accuracy from the reports of the evaluation job, which
runs after each night as its own measured process (it is not part of the night).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import psutil

from orchestration import paths
from orchestration.bench.measure import Measured, run_measured
from orchestration.bench.pages import measure_pages
from orchestration.bench.report import peer_ratios
from orchestration.bench.stages import OVERHEAD, STAGES, StepSpan, latest_run_steps

GB = 1e9


class BenchError(RuntimeError):
    """A benchmark step failed; the message says which and where its log is."""


def families_command(*args: str) -> list[str]:
    """The `families` CLI of this environment, as a subprocess command."""
    return [sys.executable, "-m", "orchestration.cli", *args]


class BenchCity:
    """The benchmark's folders: the city (FAMILIES_DATA_DIR), its warehouse and Dagster home."""

    def __init__(self, workdir: Path):
        self.workdir = workdir.resolve()
        self.data = self.workdir / "city"
        self.warehouse = self.data / "warehouse.duckdb"
        self.dagster_home = self.workdir / "dagster_home"
        self.night_two_aside = self.workdir / "night_two_files"
        self.logs = self.workdir / "logs"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            FAMILIES_DATA_DIR=str(self.data),
            FAMILIES_DB=str(self.warehouse),
            DAGSTER_HOME=str(self.dagster_home),
            DO_NOT_TRACK="1",
            GX_ANALYTICS_ENABLED="false",
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        return env

    def daemon_pids(self) -> list[int]:
        """Processes outside a night's tree whose memory is part of its cost (none here)."""
        return []

    def night_two_files(self) -> list[Path]:
        """Night two's extracts, relative to landing/ (from the generator's night_two.csv)."""
        listing = self.data / "truth" / "night_two.csv"
        if not listing.is_file():
            raise BenchError(f"{listing} is missing: generate the city with --nights 2")
        files = []
        for row in pd.read_csv(listing).itertuples():
            if row.rows == 0:
                continue
            agency, dataset = row.dataset.split("__", 1)
            found = list((self.data / "landing" / agency / dataset).glob(f"{row.extract_date}.*"))
            found += list((self.night_two_aside / agency / dataset).glob(f"{row.extract_date}.*"))
            if not found:
                raise BenchError(f"night two file for {row.dataset} {row.extract_date} not found")
            files.append(Path(agency, dataset, found[0].name))
        return files

    def hold_back_night_two(self) -> int:
        """Move night two's files out of landing so night one sees only night one."""
        moved = 0
        for relative in self.night_two_files():
            source = self.data / "landing" / relative
            if source.exists():
                target = self.night_two_aside / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(source, target)
                moved += 1
        return moved

    def release_night_two(self) -> int:
        """Put night two's files into landing, as the agencies' next deliveries."""
        moved = 0
        for relative in self.night_two_files():
            source = self.night_two_aside / relative
            if source.exists():
                shutil.move(source, self.data / "landing" / relative)
                moved += 1
        return moved

    def empty_warehouse(self) -> None:
        """Night one starts from nothing: no warehouse, no run history, no reports or outputs,
        and none of the linkage stage's kept files (the prepared gazetteer), which a first
        night has to build."""
        for path in (self.warehouse, self.warehouse.with_suffix(".duckdb.wal")):
            path.unlink(missing_ok=True)
        for folder in (
            self.dagster_home,
            self.data / "reports",
            self.data / "outputs",
            self.data / "linkage",
        ):
            shutil.rmtree(folder, ignore_errors=True)


def generate_city(city: BenchCity, households: int, seed: int) -> dict:
    shutil.rmtree(city.workdir, ignore_errors=True)
    city.logs.mkdir(parents=True)
    command = families_command(
        "synth", "--households", str(households), "--seed", str(seed), "--nights", "2",
        "--out", str(city.data),
    )  # fmt: skip
    measured = run_measured(command, env=city.env(), log_path=city.logs / "generate.log")
    _require_success(measured, city.logs / "generate.log", "generating the city")
    files = sum(1 for p in (city.data / "landing").rglob("*") if p.is_file())
    night_two = len(city.night_two_files())
    figures = {
        "seconds": round(measured.seconds, 1),
        "peak_gb": round(measured.peak_bytes / GB, 2),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "rows": {
            "night_one_files": files - night_two,
            "night_two_files": night_two,
            **_truth_counts(city),
        },
    }
    # Kept with the city, so a later run that reuses it still reports how it was made.
    (city.workdir / "generate.json").write_text(json.dumps(figures, indent=2))
    return figures


def _truth_counts(city: BenchCity) -> dict:
    """Size of the generated city, from its truth files (the generator's own record)."""
    truth = city.data / "truth"
    con = duckdb.connect()
    try:
        counts = {}
        for name, file in (
            ("households_ever_formed", "households.parquet"),
            ("people", "persons.parquet"),
            ("extract_rows", "record_truth.parquet"),
        ):
            if (truth / file).is_file():
                counts[name] = con.execute(
                    f"SELECT count(*) FROM read_parquet('{truth / file}')"
                ).fetchone()[0]
        return counts
    finally:
        con.close()


def _require_success(measured: Measured, log: Path, what: str) -> None:
    if measured.returncode != 0:
        raise BenchError(f"{what} failed (exit {measured.returncode}); see {log}")


def run_night(city: BenchCity, night: int) -> dict:
    """One nightly run as its own process, then the evaluation job as another (as `families
    nightly` runs it after the night, timed apart); the night's stages, memory and rows, the
    evaluation's time and memory, and the accuracy it measured."""
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    log = city.logs / f"night{night}.log"
    load_before = os.getloadavg()[0]
    measured = run_measured(
        families_command("nightly", "--no-evaluation"),
        env=city.env(),
        log_path=log,
        also=city.daemon_pids(),
    )
    _require_success(measured, log, f"night {night}")
    run_id, spans = latest_run_steps(city.dagster_home)
    stages = _stage_figures(measured, spans)
    rows = night_rows(city, since)
    for stage, figures in stages.items():
        figures["rows"] = rows.get(stage, {})
    return {
        "night": night,
        "run_id": run_id,
        "seconds": round(measured.seconds, 1),
        "peak_gb": round(measured.peak_bytes / GB, 2),
        "load_average_at_start": round(load_before, 2),
        "stages": stages,
        "evaluation": run_evaluation(city, night),
        "accuracy": night_accuracy(city),
        "slowest_steps": [
            {"step": s.step_key, "seconds": round(s.seconds, 1)}
            for s in sorted(spans, key=lambda s: -s.seconds)[:8]
        ],
    }


def _carry_on(measure, log) -> dict:
    """A side measurement (the peer, page latency) that fails is reported as failed, with
    its reason (the error names the measurement), and the bench goes on: the nights' own
    figures are not lost with it."""
    try:
        return measure()
    except BenchError as error:
        log(f"  {error}")
        return {"failed": str(error)}


def _peer_result(peer: dict, first_night: dict) -> dict:
    if "failed" in peer:
        return peer
    return {**peer, "against_project": peer_ratios(first_night, peer)}


def run_evaluation(city: BenchCity, night: int) -> dict:
    """`families evaluate` after a night, as its own measured process: its wall time and
    peak memory, and each step's time from the evaluation run's event log."""
    from orchestration.platform.jobs import EVALUATION_JOB_NAME  # loads the dbt manifest

    log = city.logs / f"evaluation{night}.log"
    measured = run_measured(
        families_command("evaluate"), env=city.env(), log_path=log, also=city.daemon_pids()
    )
    _require_success(measured, log, f"the evaluation after night {night}")
    _, spans = latest_run_steps(city.dagster_home, EVALUATION_JOB_NAME)
    return {
        "seconds": round(measured.seconds, 1),
        "peak_gb": round(measured.peak_bytes / GB, 2),
        "steps": {s.step_key: round(s.seconds, 1) for s in spans},
    }


def _stage_figures(measured: Measured, spans: list[StepSpan]) -> dict:
    stages: dict[str, dict] = {}
    for stage in (*STAGES[1:], OVERHEAD):
        own = [s for s in spans if s.stage == stage]
        if stage == OVERHEAD:
            seconds = measured.seconds - sum(s.seconds for s in spans)
            peak = (
                measured.peak_bytes
                if not spans
                else measured.peak_between(measured.started, spans[0].start)
            )
            steps = 0
        else:
            seconds = sum(s.seconds for s in own)
            peak = max((measured.peak_between(s.start, s.end) for s in own), default=0)
            steps = len(own)
        stages[stage] = {
            "seconds": round(seconds, 1),
            "peak_gb": round(peak / GB, 2),
            "steps": steps,
        }
    return stages


def night_rows(city: BenchCity, since: dt.datetime) -> dict[str, dict]:
    """What each stage handled this night, from the warehouse and the reports it wrote."""
    rows: dict[str, dict] = {}
    con = duckdb.connect(str(city.warehouse), read_only=True)
    try:
        loaded, rejected, files = con.execute(
            """SELECT coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0),
                      count(*) FILTER (WHERE outcome = 'loaded')
               FROM ops.load_register WHERE started_at >= ?""",
            [since],
        ).fetchone()
        rows["load"] = {"files": files, "rows_loaded": loaded, "rows_quarantined": rejected}
        # This night's loads only: a dataset with nothing new re-reads its stored result.
        validated, datasets = con.execute(
            """SELECT coalesce(sum(row_count), 0), count(DISTINCT dataset)
               FROM quality.validation_runs WHERE load_id IN (
                   SELECT load_id FROM ops.load_register WHERE started_at >= ?)""",
            [since],
        ).fetchone()
        rows["validate"] = {"rows_validated": validated, "datasets": datasets}
        marts = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "ORDER BY 1"
        ).fetchall()
        rows["dbt"] = {
            name: con.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0]
            for (name,) in marts
        }
    finally:
        con.close()
    linkage = city.data / "reports" / "linkage"
    addresses = _read_json(linkage / "addresses.json").get("overall", {})
    rows["addresses"] = {k: v for k, v in addresses.items() if k != "seconds"}
    diagnostics = _read_json(linkage / "diagnostics.json")
    rows["persons"] = diagnostics.get("counts", {})
    report_files = [
        p
        for folder in (city.data / "reports", city.data / "outputs")
        if folder.is_dir()
        for p in folder.rglob("*")
        if p.is_file() and p.stat().st_mtime >= since.replace(tzinfo=dt.UTC).timestamp()
    ]
    rows["reports"] = {"files_written": len(report_files)}
    return rows


def night_accuracy(city: BenchCity) -> dict:
    """Linkage (with the exact name + DOB baseline) and eligibility, as the evaluation after
    the night measured them."""
    reports = city.data / "reports"
    linkage = _read_json(reports / "linkage" / "accuracy.json")
    families = _read_json(reports / "families" / "accuracy.json")
    overall = families.get("overall", {})
    return {
        "linkage": {
            "splink": linkage.get("splink", {}).get("pairwise"),
            "baseline_exact_name_dob": linkage.get("baseline_exact_name_dob", {}).get("pairwise"),
            "blocking_recall": linkage.get("blocking", {}).get("blocking_recall"),
            "addresses": linkage.get("addresses"),
        },
        "eligibility": {"as_at_date": families.get("as_at_date"), **overall.get("eligibility", {})},
        "family_detection": overall.get("family_detection"),
    }


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def run_peer(city: BenchCity) -> dict:
    """Plain Splink with a textbook model on the night's standardised records (peer.py), as
    its own measured process."""
    log = city.logs / "peer.log"
    out = city.workdir / "peer.json"
    command = [
        sys.executable, "-m", "orchestration.bench.peer",
        "--warehouse", str(city.warehouse), "--truth", str(city.data / "truth"), "--out", str(out),
    ]  # fmt: skip
    measured = run_measured(command, env=city.env(), log_path=log)
    _require_success(measured, log, "the plain Splink peer")
    return {
        "seconds": round(measured.seconds, 1),
        "peak_gb": round(measured.peak_bytes / GB, 2),
        **_read_json(out),
    }


def machine() -> dict:
    memory = psutil.virtual_memory().total
    return {
        "cores": psutil.cpu_count(logical=True),
        "memory_gb": round(memory / GB, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def code_version() -> dict:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=paths.REPO_ROOT, capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes": bool(git("status", "-s"))}


def run_bench(
    households: int,
    seed: int,
    workdir: Path,
    reuse_city: bool = False,
    generate_only: bool = False,
    log=print,
    encrypted: bool = False,
    peer: bool = True,
):
    """Generate (unless reusing), night one from empty, night two; return the figures.
    `encrypted`: then both nights again inside a vault, to measure encryption's cost;
    `peer`: link night one's records with plain Splink too (peer.py)."""
    city = BenchCity(workdir)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    if reuse_city and (city.data / "truth" / "night_two.csv").is_file():
        log(f"reusing the city in {city.data}")
        city.logs.mkdir(parents=True, exist_ok=True)
        generate = {"reused": True, **_read_json(city.workdir / "generate.json")}
    else:
        log(f"generating {households:,} households into {city.data} ...")
        generate = generate_city(city, households, seed)
        log(f"  generated in {generate['seconds']} s, peak {generate['peak_gb']} GB")
    if generate_only:
        return None
    city.hold_back_night_two()
    city.empty_warehouse()
    nights = []
    peer_figures: dict = {}
    for night in (1, 2):
        if night == 2:
            city.release_night_two()
        log(f"night {night} ... (log: {city.logs / f'night{night}.log'})")
        nights.append(run_night(city, night))
        log(f"  night {night}: {nights[-1]['seconds']} s, peak {nights[-1]['peak_gb']} GB")
        if night == 2:
            log("page latency: families web on the published night ...")
            pages = _carry_on(
                lambda: measure_pages(city.data, city.workdir, city.env(), families_command()),
                log,
            )
            if "failed" not in pages:
                log(
                    f"  list p95 {pages['list']['p95_ms']} ms, "
                    f"family {pages['family']['p95_ms']} ms"
                )
        if night == 1 and peer:
            # Before night two changes them: the records night one linked from nothing.
            log("plain Splink peer on night one's standardised records ...")
            peer_figures = _carry_on(lambda: run_peer(city), log)
            if "failed" not in peer_figures:
                log(f"  peer: {peer_figures['seconds']} s, peak {peer_figures['peak_gb']} GB")
    encryption = None
    if encrypted:
        from orchestration.bench.encrypted import measure_encryption

        encryption = measure_encryption(city, nights, log)
    first, second = nights
    return {
        "date": started.date().isoformat(),
        "started_at": started.isoformat(timespec="seconds"),
        "households": households,
        "seed": seed,
        "command": f"make bench BENCH_HOUSEHOLDS={households} BENCH_SEED={seed}"
        + (" BENCH_ENCRYPTED=1" if encrypted else "")
        + ("" if peer else " BENCH_NO_PEER=1"),
        "machine": machine(),
        "code": code_version(),
        "generate": generate,
        "pages": pages,
        "nights": nights,
        "second_night_share_of_first": round(second["seconds"] / first["seconds"], 3),
        "peer": _peer_result(peer_figures, first) if peer else None,
        "encryption": encryption,
        "total_seconds": round(time.perf_counter() - clock, 1),
        "workdir": str(city.workdir),
    }
