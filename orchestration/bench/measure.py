"""Wall time and peak memory of a command and all its children, sampled while it runs."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class StageMeasurement:
    stage: str
    wall_seconds: float
    peak_rss_bytes: int
    returncode: int

    @property
    def peak_rss_gib(self) -> float:
        return self.peak_rss_bytes / 2**30


def _tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and its descendants (the whole stage's footprint)."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_measured(
    stage: str,
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log_file: Path | None = None,
    sample_seconds: float = 0.2,
) -> StageMeasurement:
    """Run `command`, sampling the resident memory of its process tree until it exits.

    Sampling (rather than getrusage's ru_maxrss) counts children that are alive at the same
    time together, which is what the machine has to hold; 0.2 s sampling can miss a very short
    spike, so the figure is a floor on the true peak, stated as such in the bench report.
    """
    stdout = open(log_file, "w") if log_file else subprocess.DEVNULL  # noqa: SIM115
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=stdout, stderr=subprocess.STDOUT)
        watched = psutil.Process(proc.pid)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _tree_rss(watched))
                stop.wait(sample_seconds)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = proc.wait()
        stop.set()
        sampler.join()
    finally:
        if log_file:
            stdout.close()
    return StageMeasurement(stage, time.perf_counter() - started, peak, returncode)
