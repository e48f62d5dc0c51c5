"""Accepted failures: an Information Asset Owner's signed-off decision to proceed anyway.

An error-severity failure blocks everything downstream of its dataset until the data is fixed
or the failure is accepted. Acceptances live in `expectations/accepted_failures.yml`, under
version control, so each one is reviewed like code and its author and reason are kept:

    accepted_failures:
      - dataset: police__offences          # raw table name (or police/offences)
        check: outcome_code_in_code_list__blocking
        extract_date: 2016-03-31            # the extract it covers; a new extract is not covered
        accepted_by: "Head of Corporate Information Management"
        reason: "New outcome codes from the force's system upgrade; mapping agreed 2016-04-02"

An acceptance covers one check on one extract only, so a fault that persists is raised again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestration import paths


@dataclass(frozen=True)
class AcceptedFailure:
    dataset: str
    check: str
    extract_date: dt.date
    accepted_by: str
    reason: str


def accepted_failures_path() -> Path:
    return paths.REPO_ROOT / "expectations" / "accepted_failures.yml"


def load_accepted_failures(path: Path | None = None) -> list[AcceptedFailure]:
    """Every acceptance in the file; an entry without who or why is refused with its number."""
    path = path or accepted_failures_path()
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("accepted_failures") or []
    accepted = []
    for number, entry in enumerate(entries, start=1):
        missing = [
            k
            for k in ("dataset", "check", "extract_date", "accepted_by", "reason")
            if not entry.get(k)
        ]
        if missing:
            raise ValueError(f"{path}: accepted_failures entry {number} lacks {', '.join(missing)}")
        extract_date = entry["extract_date"]
        if isinstance(extract_date, str):
            extract_date = dt.date.fromisoformat(extract_date)
        accepted.append(
            AcceptedFailure(
                dataset=str(entry["dataset"]).replace("/", "__"),
                check=str(entry["check"]),
                extract_date=extract_date,
                accepted_by=str(entry["accepted_by"]),
                reason=str(entry["reason"]),
            )
        )
    return accepted


def find_acceptance(
    accepted: list[AcceptedFailure], dataset: str, check: str, extract_date: dt.date
) -> AcceptedFailure | None:
    """The acceptance covering this check on this dataset's extract, if any."""
    dataset = dataset.replace("/", "__")
    for entry in accepted:
        if entry.dataset == dataset and entry.check == check and entry.extract_date == extract_date:
            return entry
    return None
