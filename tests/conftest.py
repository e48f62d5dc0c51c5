"""Shared fixtures: small, generic, and never touching the real data/ folder or warehouse."""

from __future__ import annotations

import dataclasses
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from nights import Night, files_state, plant_canary_names, run_nightly, tail

# Two small source contracts exercising both encodings, two delimiters, both extract kinds.
SAMPLE_CONTRACTS = {
    "police/offences.yml": """
        dataset: police/offences
        agency: police
        organisation: Test Constabulary
        information_asset_owner: {name: "Test Owner", role: "Head of Information"}
        description: Offences, one row per person per offence.
        indicators: [1A]
        legal_gateways: [1, 5, 9, 10, 11, 12]
        extract: {kind: delta, schedule: monthly, max_days_between_extracts: 40}
        retention: {years: 8, basis: "Programme end plus 8 years"}
        file: {format: csv, extension: csv, encoding: cp1252, delimiter: ",", quotechar: '"',
               header: true}
        primary_key: [offence_ref]
        person_key: [person_ref]
        columns:
          - {name: offence_ref, type: string, required: true}
          - {name: person_ref, type: string, required: true, personal_identifier: true,
             identifier_kind: local_ref}
          - {name: surname, type: string, personal_identifier: true, identifier_kind: name}
          - {name: DOB, type: date, format: ["%d/%m/%Y", "%Y-%m-%d"], personal_identifier: true,
             identifier_kind: date_of_birth}
          - {name: offence_date, type: date, format: "%d/%m/%Y", required: true}
          - {name: offence_count, type: integer}
          - {name: cost, type: decimal}
          - {name: proven, type: boolean}
          - {name: outcome_code, type: string, allowed_values: [CHARGED, CAUTION, NFA]}
    """,
    "council_education/school_census.yml": """
        dataset: council_education/school_census
        agency: council_education
        organisation: Test City Council
        information_asset_owner: {name: "Test Owner", role: "Head of Education Data"}
        description: Pupils on roll.
        indicators: []
        legal_gateways: [8, 9, 10]
        extract: {kind: snapshot, schedule: termly}
        retention: {years: 6, basis: "Council retention schedule"}
        file: {format: csv, extension: csv, encoding: utf-8-sig, delimiter: "|", quotechar: '"',
               header: true}
        primary_key: [upn]
        person_key: [upn]
        columns:
          - {name: upn, type: string, required: true, personal_identifier: true,
             identifier_kind: upn}
          - {name: forename, type: string, personal_identifier: true, identifier_kind: name}
          - {name: year_group, type: integer}
          - {name: entry_date, type: datetime, format: "%Y-%m-%d %H:%M"}
    """,
}

SAMPLE_DENY_LIST = """
    categories:
      - name: adoption
        reason: "ISA: data relating to adoption will not be used"
        patterns: ["adopt"]
      - name: health professionals' case notes
        reason: "ISA: health care professional case notes will not be used"
        patterns: ["case_?notes?", "clinical_notes?"]
      - name: legal proceedings against staff
        reason: "ISA: cases relating to legal proceedings against staff will not be used"
        patterns: ["staff_(legal|proceedings|disciplinary)", "proceedings_against_staff"]
"""


@pytest.fixture
def sample_contracts_dir(tmp_path: Path) -> Path:
    """A contracts folder (two contracts + deny_list.yml) laid out like orchestration/contracts."""
    root = tmp_path / "contracts"
    for relative, text in SAMPLE_CONTRACTS.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (root / "deny_list.yml").write_text(textwrap.dedent(SAMPLE_DENY_LIST), encoding="utf-8")
    return root


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder and warehouse (FAMILIES_DATA_DIR / FAMILIES_DB point at tmp)."""
    folder = tmp_path / "data"
    (folder / "landing").mkdir(parents=True)
    monkeypatch.setenv("FAMILIES_DATA_DIR", str(folder))
    monkeypatch.setenv("FAMILIES_DB", str(folder / "warehouse.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return folder


SMALL_CITY_HOUSEHOLDS = 500
SMALL_CITY_SEED = 20150901


@pytest.fixture(scope="session")
def small_city_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated city (`landing/`, `truth/`), built once per session. Read-only:
    tests that load or change it copy it first."""
    from orchestration.synth.generate import generate

    out = tmp_path_factory.mktemp("small_city")
    generate(SMALL_CITY_HOUSEHOLDS, SMALL_CITY_SEED, out, log=lambda *_: None)
    return out


@pytest.fixture(scope="session")
def completed_night(
    small_city_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Night]:
    """The small city after one `families nightly` from an empty warehouse, run once per
    session (canary names planted in one police extract: see nights.py).

    Read-only: every test that needs "a completed night" reads this one instead of running
    its own (a night is most of a minute or more); a test that writes to the warehouse, the
    published night or the run history works on `nights.copy_night(completed_night, ...)`.
    The session fails at its end if anything wrote here."""
    work = tmp_path_factory.mktemp("completed_night")
    night = Night(work / "data", work / "dagster_home")
    shutil.copytree(small_city_dir / "landing", night.data_dir / "landing")
    shutil.copytree(small_city_dir / "truth", night.data_dir / "truth")
    plant_canary_names(night.data_dir / "landing")
    run = run_nightly(night.data_dir)
    assert run.returncode == 0, tail(run)
    night = dataclasses.replace(night, output=run.stdout)
    before = files_state(work)
    yield night
    assert files_state(work) == before, (
        "a test wrote to the shared night: work on nights.copy_night(completed_night, ...)"
    )
