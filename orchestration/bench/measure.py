"""Run a command and measure it: wall time, and memory sampled over its whole process tree.

The nightly job starts dbt and Splink work in child processes and DuckDB threads, so the
figure that matters is the resident memory of the process *tree*, sampled often enough to
catch a stage's peak. `/usr/bin/time -v` only reports the largest single process.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.2


@dataclass
class Measured:
    """One measured command: epoch start and end, exit code, and (epoch, bytes) samples."""

    command: list[str]
    returncode: int
    started: float
    ended: float
    samples: list[tuple[float, int]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def peak_bytes(self) -> int:
        return max((rss for _, rss in self.samples), default=0)

    def peak_between(self, start: float, end: float) -> int:
        """Peak tree memory sampled in [start, end] (the sample nearest the start if none)."""
        inside = [rss for t, rss in self.samples if start <= t <= end]
        if inside:
            return max(inside)
        before = [rss for t, rss in self.samples if t <= start]
        return before[-1] if before else 0


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (those still alive)."""
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
    command: Sequence[str],
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    cwd: Path | None = None,
    interval: float = SAMPLE_SECONDS,
    also: Sequence[int] = (),
) -> Measured:
    """Run `command` to completion, sampling its tree's memory every `interval` seconds.

    `also`: processes outside the tree whose memory counts too (a daemon serving the command,
    such as the vault's gocryptfs). Output goes to `log_path` (appended), so a long run can be
    followed with `tail -f`.
    """
    environment = dict(os.environ if env is None else env)
    log = open(log_path, "a") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.time()
        process = subprocess.Popen(
            list(command), env=environment, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
        watched = [psutil.Process(process.pid), *_alive(also)]
        samples: list[tuple[float, int]] = []
        while process.poll() is None:
            samples.append((time.time(), sum(tree_rss(p) for p in watched)))
            time.sleep(interval)
        ended = time.time()
    finally:
        if log_path:
            log.close()
    return Measured(list(command), process.returncode, started, ended, samples)


def _alive(pids: Sequence[int]) -> list[psutil.Process]:
    found = []
    for pid in pids:
        try:
            found.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
    return found
