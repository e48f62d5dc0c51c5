"""Running `families nightly` from tests, as a person runs it: its own process, one data
folder and one Dagster home beside it (`<work>/data`, `<work>/dagster_home`).

The session's shared night (`completed_night` in tests/conftest.py) is built with these, and
tests that must change a night work on a `copy_night` of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Planted in a police extract of the shared night: names never reach the marts, so no page,
# export or report may ever show them (tests/web/test_web_canaries.py).
CANARY_SURNAME = "CANARYQZXSURNAME"
CANARY_FORENAME = "Canaryqzxforename"


@dataclass(frozen=True)
class Night:
    """A data folder after a nightly run, with the Dagster home that ran it."""

    data_dir: Path
    dagster_home: Path
    output: str = ""  # what `families nightly` printed (the shared night keeps it)

    @property
    def db(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def env(self) -> dict[str, str]:
        """The variables that point the platform at this night."""
        return {
            "FAMILIES_DATA_DIR": str(self.data_dir),
            "FAMILIES_DB": str(self.db),
            "DAGSTER_HOME": str(self.dagster_home),
        }


def families_command(*args: str) -> list[str]:
    """The installed `families` command of this environment, with its arguments."""
    return [str(Path(sys.executable).parent / "families"), *args]


def families_env(data_dir: Path, dagster_home: Path | None = None) -> dict[str, str]:
    """This process's environment pointed at `data_dir` and its Dagster home (by default the
    folder `dagster_home` beside it)."""
    home = dagster_home or data_dir.parent / "dagster_home"
    return {**os.environ, **Night(data_dir, home).env}


def run_nightly(
    data_dir: Path, dagster_home: Path | None = None, timeout: int = 1500
) -> subprocess.CompletedProcess:
    """`families nightly` on `data_dir` (Dagster home as in `families_env`); the finished
    process, whatever its exit code."""
    return subprocess.run(
        families_command("nightly"),
        env=families_env(data_dir, dagster_home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tail(run: subprocess.CompletedProcess) -> str:
    """The end of a run's output, for an assertion message."""
    return run.stdout[-4000:] + run.stderr[-4000:]


def copy_night(night: Night, work: Path) -> Night:
    """A private copy of `night` (data folder and Dagster home) under `work`, for a test
    that writes to the warehouse, the published night or the run history. Every path the
    platform stores is relative to these folders, so the copy runs on its own."""
    copy = Night(work / "data", work / "dagster_home")
    shutil.copytree(night.data_dir, copy.data_dir)
    shutil.copytree(night.dagster_home, copy.dagster_home)
    return copy


def files_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file below `folder`: equal before and after
    only if nothing wrote there."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def plant_canary_names(landing: Path) -> None:
    """Write the canary names over the first two people of the first police offences file."""
    extract = sorted((landing / "police" / "offences").glob("*.csv"))[0]
    lines = extract.read_text(encoding="cp1252").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    surname, forename = header.index("SURNAME"), header.index("FORENAMES")
    for number in (1, 2):
        cells = lines[number].split(",")
        cells[surname], cells[forename] = CANARY_SURNAME, CANARY_FORENAME
        lines[number] = ",".join(cells)
    extract.write_text("".join(lines), encoding="cp1252")
