"""The `families` command line: one sub-command per job, each defined by the module that owns it."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes `add_parser(subparsers)`, which registers its sub-command(s) and sets
# `func` on the parser. Modules import their heavy dependencies lazily so `--help` stays fast.
SUBCOMMAND_MODULES = (
    "orchestration.synth.cli",
    "orchestration.platform.cli",
    "orchestration.quality.cli",
    "orchestration.linkage.cli",
    "orchestration.families.cli",
    "orchestration.bench.cli",
    "orchestration.governance.cli",
    "orchestration.exchange.cli",
    "orchestration.web.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="families",
        description="Troubled Families data platform: synthetic city, nightly job, linkage, "
        "criteria and explanations.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue  # stage not built yet
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "vault":  # the vault's own commands are how it gets mounted
        from orchestration.governance.vault import VaultError, require_encrypted_data_dir

        try:
            require_encrypted_data_dir()
        except VaultError as error:
            print(f"families {args.command}: {error}", file=sys.stderr)
            return 2
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
