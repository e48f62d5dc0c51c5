"""Encryption at rest: the whole data folder kept on an encrypted volume (gocryptfs).

Every file the platform writes lives under the data folder: the warehouse and its WAL and
spill files, the published nights, landing extracts, quarantine, reports, the GX stores, the
web application's database and the Dagster home when `FAMILIES_REQUIRE_ENCRYPTION` is set.
On disk that folder exists only as ciphertext in the vault (`data.encrypted/` beside it):
file contents and names encrypted with AES-256-GCM under a master key that is itself
wrapped by the key in `FAMILIES_KEY_FILE`, a file outside the repository. Mounted, the
platform sees plain files and needs no change; unmounted, or on a copied disk or backup,
there is nothing to read without the key. The README says why this was chosen over
DuckDB's own encryption.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration import paths

GOCRYPTFS_CONFIG = "gocryptfs.conf"


class VaultError(RuntimeError):
    """The vault cannot be used as asked (the message says what to do)."""


@dataclass(frozen=True)
class VaultPaths:
    cipher: Path  # ciphertext, what is on disk
    mountpoint: Path  # the data folder the platform reads and writes


def vault_paths() -> VaultPaths:
    data = paths.data_dir()
    default_cipher = data.with_name(data.name + ".encrypted")
    cipher = Path(os.environ.get("FAMILIES_VAULT_DIR", default_cipher)).resolve()
    return VaultPaths(cipher=cipher, mountpoint=data)


def key_file(explicit: Path | None = None) -> Path:
    """The key file (`FAMILIES_KEY_FILE`), refused if it is missing, inside the repository,
    or readable by anyone but its owner. Its contents are never read by this module."""
    raw = explicit or os.environ.get("FAMILIES_KEY_FILE")
    if not raw:
        raise VaultError(
            "no key: set FAMILIES_KEY_FILE to a file outside the repository holding the vault "
            "key (for example: head -c 32 /dev/urandom | base64 > /etc/families/vault.key; "
            "chmod 600 /etc/families/vault.key)"
        )
    path = Path(raw).resolve()
    if not path.is_file():
        raise VaultError(f"key file {path} does not exist")
    if path.is_relative_to(paths.REPO_ROOT):
        raise VaultError(f"key file {path} is inside the repository: keep it outside")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise VaultError(f"key file {path} is readable by others: chmod 600 {path}")
    return path


def _gocryptfs() -> str:
    found = shutil.which("gocryptfs")
    if not found:
        raise VaultError(
            "gocryptfs is not installed: apt-get install gocryptfs fuse3 (.ci/run does this)"
        )
    return found


def _run(args: list[str]) -> None:
    # Output to a file, never echoed: gocryptfs prints the master key on a terminal at -init.
    # Not a pipe: the mount's daemon inherits the output and would hold a pipe open forever.
    with tempfile.TemporaryFile(mode="w+") as output:
        done = subprocess.run(
            args, stdin=subprocess.DEVNULL, stdout=output, stderr=output, check=False
        )
        output.seek(0)
        reason = output.read().strip().splitlines()
    if done.returncode != 0:
        raise VaultError(
            f"{Path(args[0]).name} failed: {reason[-1] if reason else done.returncode}"
        )


def is_mounted(mountpoint: Path) -> bool:
    """Whether `mountpoint` is an encrypted (gocryptfs) mount now."""
    target = str(mountpoint.resolve())
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split(" - ")
        if len(fields) == 2 and fields[0].split()[4] == target:
            return fields[1].split()[0] == "fuse.gocryptfs"
    return False


def init(vault: VaultPaths, key: Path) -> None:
    """Create an empty vault (refused if the cipher folder already holds one)."""
    if (vault.cipher / GOCRYPTFS_CONFIG).exists():
        raise VaultError(f"{vault.cipher} already holds a vault")
    vault.cipher.mkdir(parents=True, exist_ok=True)
    _run([_gocryptfs(), "-init", "-q", "-passfile", str(key), str(vault.cipher)])


def mount(vault: VaultPaths, key: Path) -> None:
    """Open the vault at the data folder (which must be empty or absent)."""
    if is_mounted(vault.mountpoint):
        return
    if not (vault.cipher / GOCRYPTFS_CONFIG).exists():
        raise VaultError(f"no vault in {vault.cipher}: run `families vault init` first")
    vault.mountpoint.mkdir(parents=True, exist_ok=True)
    # The repository's data/README.md is the one file a checkout keeps there; it is hidden
    # while the vault is mounted over it. Anything else is plaintext left behind.
    left = [p.name for p in vault.mountpoint.iterdir() if p.name != "README.md"]
    if left:
        raise VaultError(
            f"{vault.mountpoint} holds {len(left)} file(s) in plain text: mounting over them "
            "would hide, not protect them. Copy them into the mounted vault from another "
            "mount point, then remove them"
        )
    _run(
        [
            _gocryptfs(),
            "-q",
            "-nosyslog",
            "-passfile",
            str(key),
            str(vault.cipher),
            str(vault.mountpoint),
        ]
    )


def unmount(vault: VaultPaths) -> None:
    if is_mounted(vault.mountpoint):
        _run([shutil.which("fusermount3") or "fusermount", "-u", str(vault.mountpoint)])


def require_encrypted_data_dir() -> None:
    """Refuse to start when `FAMILIES_REQUIRE_ENCRYPTION` is set and the data folder is not
    the mounted vault: a night must never write personal data in plain text by mistake."""
    if os.environ.get("FAMILIES_REQUIRE_ENCRYPTION", "").lower() in ("", "0", "false", "no"):
        return
    data = paths.data_dir()
    if not is_mounted(data):
        raise VaultError(
            f"FAMILIES_REQUIRE_ENCRYPTION is set but {data} is not the mounted vault: "
            "run `families vault mount` first"
        )


def rotate(vault: VaultPaths, old_key: Path, new_key: Path) -> Path:
    """Rewrite every file under a new master key wrapped by `new_key`: a new vault is made,
    the plaintext copied across through both mounts, and the old ciphertext removed.
    Returns the cipher folder (unchanged path). The data folder is left unmounted."""
    was_mounted = is_mounted(vault.mountpoint)
    if not was_mounted:
        mount(vault, old_key)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    fresh = VaultPaths(
        cipher=vault.cipher.with_name(f"{vault.cipher.name}.rotating-{stamp}"),
        mountpoint=Path(tempfile.mkdtemp(prefix="families-rotate-")),
    )
    try:
        init(fresh, new_key)
        mount(fresh, new_key)
        shutil.copytree(vault.mountpoint, fresh.mountpoint, symlinks=True, dirs_exist_ok=True)
    finally:
        unmount(fresh)
        fresh.mountpoint.rmdir()
    unmount(vault)
    retired = vault.cipher.with_name(f"{vault.cipher.name}.retired-{stamp}")
    vault.cipher.rename(retired)
    fresh.cipher.rename(vault.cipher)
    shutil.rmtree(retired)
    return vault.cipher
