"""`families vault init|mount|unmount|status|rotate`: the encrypted data folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    vault = subparsers.add_parser(
        "vault",
        help="the encrypted data folder: create, open, close, check, rotate its key",
        description="Keeps the data folder ($FAMILIES_DATA_DIR) on an encrypted volume "
        "(gocryptfs; ciphertext in $FAMILIES_VAULT_DIR, default data.encrypted/ beside it). "
        "The key is the file named by $FAMILIES_KEY_FILE, kept outside the repository.",
    )
    actions = vault.add_subparsers(dest="vault_action", required=True)
    for name, text in (
        ("init", "create an empty vault"),
        ("mount", "open the vault at the data folder"),
        ("unmount", "close it: only ciphertext stays on disk"),
        ("status", "say whether the data folder is the mounted vault"),
    ):
        actions.add_parser(name, help=text).set_defaults(func=_vault, vault_action=name)
    rotate = actions.add_parser(
        "rotate",
        help="rewrite every file under a new key (run when no job is running)",
        description="Makes a new vault under the key in --new-key, copies every file into it "
        "and removes the old ciphertext. Afterwards set FAMILIES_KEY_FILE to the new key.",
    )
    rotate.add_argument("--new-key", type=Path, required=True, help="the new key file")
    rotate.set_defaults(func=_vault, vault_action="rotate")


def _vault(args: argparse.Namespace) -> int:
    from orchestration.governance import vault

    where = vault.vault_paths()
    try:
        if args.vault_action == "status":
            mounted = vault.is_mounted(where.mountpoint)
            state = "mounted (encrypted)" if mounted else "NOT mounted"
            print(f"data folder {where.mountpoint}: {state}; vault {where.cipher}")
            return 0 if mounted else 1
        if args.vault_action == "unmount":
            vault.unmount(where)
        elif args.vault_action == "init":
            vault.init(where, vault.key_file())
        elif args.vault_action == "mount":
            vault.mount(where, vault.key_file())
        elif args.vault_action == "rotate":
            vault.rotate(where, vault.key_file(), vault.key_file(args.new_key))
            print("rotated: set FAMILIES_KEY_FILE to the new key file, then mount")
    except vault.VaultError as error:
        print(f"families vault {args.vault_action}: {error}", file=sys.stderr)
        return 2
    return 0
