"""Encryption at rest: on disk only ciphertext, nothing opens without the key, keys rotate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.governance import vault
from orchestration.governance.byte_scan import find_values

CANARIES = ["CANARY-Zephyrine-Quillfeather", "9434765919", "QQ123456C-CANARY"]


@pytest.fixture
def key(tmp_path_factory):
    if not shutil.which("gocryptfs"):
        pytest.fail("gocryptfs is not installed: .ci/run installs it (apt-get install gocryptfs)")
    folder = tmp_path_factory.mktemp("keys")
    path = folder / "vault.key"
    path.write_text("first key: correct horse battery staple\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def opened(tmp_path, key, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("FAMILIES_DATA_DIR", str(data))
    where = vault.vault_paths()
    vault.init(where, key)
    vault.mount(where, key)
    yield where
    vault.unmount(where)


def _write_personal_data(data):
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        con.execute("create table people (name varchar, nhs varchar, ni varchar)")
        con.execute("insert into people values (?, ?, ?)", CANARIES)
    (data / "landing").mkdir()
    (data / "landing" / "extract.csv").write_text("name,nhs\n" + ",".join(CANARIES[:2]) + "\n")
    (data / "report.html").write_text(f"<p>{CANARIES[0]}</p>")


def test_the_data_folder_is_ciphertext_on_disk_and_plain_to_the_platform(opened):
    _write_personal_data(opened.mountpoint)
    assert vault.is_mounted(opened.mountpoint)
    # The scan itself can see the values where they are in plain text...
    assert set().union(*find_values(opened.mountpoint, CANARIES).values()) == set(CANARIES)
    vault.unmount(opened)
    # ...and finds none of them in what is on disk, nor the file names.
    assert find_values(opened.cipher, CANARIES) == {}
    names = [p.name for p in opened.cipher.rglob("*")]
    assert not any("warehouse" in n or "extract" in n for n in names)
    assert not any(opened.mountpoint.iterdir())  # nothing left readable at the data folder


def test_without_the_key_nothing_opens(opened, tmp_path):
    _write_personal_data(opened.mountpoint)
    vault.unmount(opened)
    wrong = tmp_path / "wrong.key"
    wrong.write_text("not the key\n")
    wrong.chmod(0o600)
    with pytest.raises(vault.VaultError, match="failed"):
        vault.mount(opened, wrong)
    assert not vault.is_mounted(opened.mountpoint)


def test_rotation_rewrites_every_file_and_retires_the_old_key(opened, key, tmp_path):
    _write_personal_data(opened.mountpoint)
    before = {p.name: p.read_bytes() for p in opened.cipher.iterdir() if p.is_file()}
    new_key = tmp_path / "new.key"
    new_key.write_text("second key: a different secret\n")
    new_key.chmod(0o600)
    vault.rotate(opened, key, new_key)
    after = {p.name: p.read_bytes() for p in opened.cipher.iterdir() if p.is_file()}
    assert not set(before.values()) & set(after.values())  # no ciphertext file kept
    with pytest.raises(vault.VaultError):
        vault.mount(opened, key)
    vault.mount(opened, new_key)
    with duckdb.connect(str(opened.mountpoint / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select name from people").fetchone()[0] == CANARIES[0]
    assert find_values(opened.cipher, CANARIES) == {}


def test_plaintext_left_in_the_data_folder_is_not_hidden_by_a_mount(tmp_path, key, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "warehouse.duckdb").write_bytes(b"plain")
    monkeypatch.setenv("FAMILIES_DATA_DIR", str(data))
    where = vault.vault_paths()
    vault.init(where, key)
    with pytest.raises(vault.VaultError, match="plain text"):
        vault.mount(where, key)


def test_a_required_vault_that_is_not_mounted_stops_the_platform(tmp_path, monkeypatch):
    monkeypatch.setenv("FAMILIES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FAMILIES_REQUIRE_ENCRYPTION", "1")
    with pytest.raises(vault.VaultError, match="families vault mount"):
        vault.require_encrypted_data_dir()


def test_every_command_refuses_to_run_on_plain_text_when_encryption_is_required(tmp_path):
    done = subprocess.run(
        [str(Path(sys.executable).parent / "families"), "explain", "FAM-1"],
        env={
            "FAMILIES_DATA_DIR": str(tmp_path / "data"),
            "FAMILIES_REQUIRE_ENCRYPTION": "1",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "not the mounted vault" in done.stderr


def test_key_files_inside_the_repository_or_readable_by_others_are_refused(tmp_path):
    from orchestration import paths

    loose = tmp_path / "loose.key"
    loose.write_text("k")
    loose.chmod(0o644)
    with pytest.raises(vault.VaultError, match="chmod 600"):
        vault.key_file(loose)
    with pytest.raises(vault.VaultError, match="inside the repository"):
        vault.key_file(paths.REPO_ROOT / "pyproject.toml")


def test_the_command_line_reports_status_by_exit_code(tmp_path):
    env_data = tmp_path / "data"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "families"), "vault", "status"],
        env={"FAMILIES_DATA_DIR": str(env_data), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "NOT mounted" in done.stdout


@pytest.mark.slow
def test_the_nightly_job_runs_in_the_vault_and_leaves_only_ciphertext(
    small_city_dir, key, tmp_path, monkeypatch
):
    """The whole night (loads, quality, dbt, addresses, Splink, reports, Dagster's run history,
    spill files) on the mounted vault; afterwards no identifier of the city is on disk."""
    import pandas as pd

    data = tmp_path / "data"
    monkeypatch.setenv("FAMILIES_DATA_DIR", str(data))
    where = vault.vault_paths()
    vault.init(where, key)
    vault.mount(where, key)
    try:
        shutil.copytree(small_city_dir / "landing", data / "landing")
        shutil.copytree(small_city_dir / "truth", data / "truth")
        (data / "tmp").mkdir()
        env = {
            **os.environ,
            "FAMILIES_DATA_DIR": str(data),
            "FAMILIES_DB": str(data / "warehouse.duckdb"),
            "DAGSTER_HOME": str(data / ".dagster_home"),
            "TMPDIR": str(data / "tmp"),  # Splink's and DuckDB's spill files inside the vault
            "FAMILIES_REQUIRE_ENCRYPTION": "1",
        }
        night = subprocess.run(
            [str(Path(sys.executable).parent / "families"), "nightly"],
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert night.returncode == 0, night.stdout[-3000:] + night.stderr[-3000:]
        assert (data / "outputs" / "eligible_families.csv").exists()
    finally:
        vault.unmount(where)
    persons = pd.read_parquet(small_city_dir / "truth" / "persons.parquet")
    named = persons.dropna(subset=["first_name", "surname"]).head(300)
    pairs = zip(named.first_name, named.surname, strict=True)
    canaries = {text for f, s in pairs for text in (f"{f},{s}", f"{s},{f}")}
    for column in ("nhs_number", "upn", "ni_number"):
        canaries |= set(persons[column].dropna().astype(str).head(300))
    plain = find_values(small_city_dir / "landing", canaries)
    assert plain, "the canaries must be in the landing files for the scan to prove anything"
    assert find_values(where.cipher, canaries) == {}


def test_the_benchmarks_encrypted_nights_run_in_a_mounted_vault_removed_afterwards(tmp_path):
    import pandas as pd

    from orchestration.bench.encrypted import vault_city
    from orchestration.bench.run import BenchCity

    if not shutil.which("gocryptfs"):
        pytest.fail("gocryptfs is not installed: .ci/run installs it (apt-get install gocryptfs)")
    plain = BenchCity(tmp_path / "plain")
    offences = plain.data / "landing" / "police" / "offences"
    offences.mkdir(parents=True)
    for day in ("2016-06-30", "2016-07-21"):
        (offences / f"{day}.csv").write_text(f"surname\n{CANARIES[0]}\n")
    (plain.data / "truth").mkdir()
    pd.DataFrame(
        {"dataset": ["police__offences"], "extract_date": ["2016-07-21"], "rows": [1]}
    ).to_csv(plain.data / "truth" / "night_two.csv", index=False)
    plain.hold_back_night_two()

    with vault_city(plain, tmp_path / "encrypted") as city:
        assert vault.is_mounted(city.data) and city.env()["FAMILIES_REQUIRE_ENCRYPTION"] == "1"
        assert city.daemon_pids(), "the gocryptfs daemon's memory must be measurable"
        # Both nights' extracts were copied in; night two is then held back inside the vault.
        assert sorted(p.name for p in (city.data / "landing/police/offences").iterdir()) == [
            "2016-06-30.csv",
            "2016-07-21.csv",
        ]
        assert city.hold_back_night_two() == 1
        for where in (city.night_two_aside, city.dagster_home, city.warehouse):
            assert where.is_relative_to(city.data)
        assert find_values(city.data, CANARIES[:1])  # plain through the mount...
        assert find_values(city.cipher, CANARIES[:1]) == {}  # ...ciphertext on disk
    assert not vault.is_mounted(city.data)
    assert not (tmp_path / "encrypted").exists()  # the throwaway vault and its key are gone
