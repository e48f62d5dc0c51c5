"""The cost of encryption at rest: the same two nights run again inside a gocryptfs vault.

The plain city's extracts and truth are copied into a freshly made vault (a throwaway key
outside the repository), and the nights run there exactly as in production with
`FAMILIES_REQUIRE_ENCRYPTION=1`: the warehouse, its spill files, the published nights, the
reports and the Dagster home all live in the mounted folder. Memory counts the gocryptfs
daemon too, since it is part of what encryption costs. The vault is closed and its
ciphertext and key removed afterwards: it exists only to be measured.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from orchestration.bench.encryption_cost import compare
from orchestration.bench.run import BenchCity, BenchError, run_night
from orchestration.governance import vault


class EncryptedBenchCity(BenchCity):
    """A bench city whose data folder is the mounted vault, with the Dagster home and the
    held-back night-two files inside it (so nothing of the city is written in plain text)."""

    def __init__(self, workdir: Path):
        super().__init__(workdir)
        self.cipher = self.workdir / "city.encrypted"
        self.dagster_home = self.data / "dagster_home"
        self.night_two_aside = self.data / "night_two_files"

    def env(self) -> dict[str, str]:
        return {**super().env(), "FAMILIES_REQUIRE_ENCRYPTION": "1"}

    def vault_paths(self) -> vault.VaultPaths:
        return vault.VaultPaths(cipher=self.cipher, mountpoint=self.data)

    def daemon_pids(self) -> list[int]:
        """The gocryptfs process serving this vault (its memory is encryption's cost)."""
        wanted = str(self.cipher)
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            if process.info["name"] == "gocryptfs" and wanted in (process.info["cmdline"] or []):
                found.append(process.pid)
        return found


@contextmanager
def vault_city(plain: BenchCity, workdir: Path) -> Iterator[EncryptedBenchCity]:
    """A mounted vault city holding a copy of `plain`'s extracts (all of them, night two
    included: the caller holds night two back as for the plain nights) and truth."""
    city = EncryptedBenchCity(workdir)
    city.logs = plain.logs / "encrypted"  # kept with the plain city's logs (counts only)
    shutil.rmtree(city.workdir, ignore_errors=True)
    city.workdir.mkdir(parents=True)
    keys = Path(tempfile.mkdtemp(prefix="families-bench-key-"))
    key = keys / "vault.key"
    key.write_text(secrets.token_urlsafe(32) + "\n")
    key.chmod(0o600)
    where = city.vault_paths()
    try:
        vault.init(where, vault.key_file(key))
        vault.mount(where, vault.key_file(key))
        # Night-two files still held back in the plain city go back to its landing first.
        plain.release_night_two()
        for folder in ("landing", "truth"):
            shutil.copytree(plain.data / folder, city.data / folder)
        city.logs.mkdir(parents=True, exist_ok=True)
        yield city
    finally:
        vault.unmount(where)
        shutil.rmtree(keys, ignore_errors=True)
        shutil.rmtree(city.workdir, ignore_errors=True)


def measure_encryption(plain: BenchCity, plain_nights: list[dict], log=print) -> dict:
    """Nights one and two of `plain`'s city again, inside a vault; both sets of figures and
    the comparison."""
    if not shutil.which("gocryptfs") or not os.path.exists("/dev/fuse"):
        raise BenchError("--encrypted needs gocryptfs and FUSE: apt-get install gocryptfs fuse3")
    workdir = plain.workdir.with_name(plain.workdir.name + "-encrypted")
    nights = []
    try:
        with vault_city(plain, workdir) as city:
            city.hold_back_night_two()
            city.empty_warehouse()
            for night in (1, 2):
                if night == 2:
                    city.release_night_two()
                log(f"encrypted night {night} ... (log: {city.logs / f'night{night}.log'})")
                nights.append(run_night(city, night))
                figures = nights[-1]
                log(f"  encrypted night {night}: {figures['seconds']} s, {figures['peak_gb']} GB")
    except vault.VaultError as error:
        raise BenchError(f"the encrypted nights' vault: {error}") from error
    return {"encrypted_nights": nights, **compare(plain_nights, nights)}
