"""`families exchange ...`: the two-stage exchange between the police and council instances.

Stage one (anonymised, per household): the police `export` a list of keyed pseudonyms of
household addresses with the criteria met there, and of the other addresses those members
were recorded at; the council `import`s it and lists the CANDIDATE families, those that
could enter if the police criteria are borne out (data/outputs/could_enter_families.csv).
Stage two (person level, selected candidates only): the council writes a `request`, the
police `answer` with those households' persons, records and evidence, and the council
`load`s it: its person linkage (the nightly's Splink model) decides which family each
police person belongs to, and the FINAL list (exchange.final_families) credits a police
criterion only where that person is a member (or absent parent) of the family.

Both sides: `new-key`, `register`. Each acts on the warehouse of this instance
($FAMILIES_DB) and prints counts only, never a pseudonym or a personal detail; the key
comes from --key-file or $FAMILIES_EXCHANGE_KEY_FILE.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "exchange",
        help="the agreement's two-stage exchange: an anonymised household list gives candidate "
        "families; person-level details of those the coordinator selects give the final list",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True)

    def action(name: str, help_text: str, func: Callable) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text)
        sub.add_argument("--key-file", type=Path, help="default: $FAMILIES_EXCHANGE_KEY_FILE")
        sub.set_defaults(func=func)
        return sub

    new_key = actions.add_parser("new-key", help="make a new shared key (outside the repo)")
    new_key.add_argument("--key-id", required=True, help="e.g. 2016-Q2 (named in every file)")
    new_key.add_argument("--out", type=Path, required=True)
    new_key.set_defaults(func=_new_key)
    action(
        "export", "police, stage one: write the anonymised household list", _export
    ).add_argument("--out", type=Path, required=True)
    action(
        "import", "council, stage one: match a household list, list candidate families", _import
    ).add_argument("file", type=Path)
    request = action(
        "request", "council, stage two: ask for the persons of selected candidates", _request
    )
    request.add_argument(
        "--select", type=Path, required=True, help="file of family ids (from the candidates)"
    )
    request.add_argument("--out", type=Path, required=True)
    answer = action(
        "answer", "police, stage two: answer for the requested households alone", _answer
    )
    answer.add_argument("request", type=Path)
    answer.add_argument("--out", type=Path, required=True)
    action(
        "load",
        "council, stage two: check an answer, link its persons, build the final list",
        _load,
    ).add_argument("file", type=Path)
    register = actions.add_parser("register", help="every file sent and received, with counts")
    register.set_defaults(func=_register)


def _run(work: Callable) -> int:
    """Open the warehouse, do the work, report a refusal or missing key in one line."""
    import duckdb

    from orchestration import paths
    from orchestration.exchange.envelope import ExchangeRefused
    from orchestration.exchange.keys import ExchangeKeyError
    from orchestration.exchange.request import SelectionError
    from orchestration.exchange.warehouse import WarehouseNotReady

    try:
        with duckdb.connect(str(paths.warehouse_path())) as con:
            return work(con) or 0
    except (ExchangeRefused, ExchangeKeyError, SelectionError, WarehouseNotReady) as error:
        print(f"families exchange: {error}", file=sys.stderr)
        return 2
    except FileNotFoundError as error:
        print(f"families exchange: no such file: {error.filename}", file=sys.stderr)
        return 2


def _key(args: argparse.Namespace):
    from orchestration.exchange.keys import load_key

    return load_key(args.key_file)


def _print(what: str, path: Path, counts: dict) -> None:
    print(f"{what} {path}: {json.dumps(counts, sort_keys=True)}")


def _new_key(args: argparse.Namespace) -> int:
    from orchestration.exchange.keys import ExchangeKeyError, write_new_key

    try:
        key = write_new_key(args.out, args.key_id)
    except ExchangeKeyError as error:
        print(f"families exchange: {error}", file=sys.stderr)
        return 2
    print(f"wrote key id {key.key_id} to {args.out}: give it to the other party by hand")
    return 0


def _export(args: argparse.Namespace) -> int:
    from orchestration.exchange.stage_one import export_household_list

    def work(con) -> None:
        envelope = export_household_list(con, _key(args), args.out)
        _print("wrote household list", args.out, envelope.header["counts"])

    return _run(work)


def _import(args: argparse.Namespace) -> int:
    from orchestration import paths
    from orchestration.exchange.combine import import_household_list, write_could_enter_csv

    def work(con) -> None:
        result = import_household_list(con, _key(args), args.file)
        _print("imported household list", args.file, result.counts)
        csv_path = paths.outputs_dir() / "could_enter_families.csv"
        rows = write_could_enter_csv(con, csv_path)
        print(
            f"{rows} candidate families could enter the programme if stage two bears out the "
            f"police criteria: {csv_path} (select from it for `families exchange request "
            "--select`); every family: exchange.combined_families"
        )

    return _run(work)


def _request(args: argparse.Namespace) -> int:
    from orchestration.exchange.request import write_request
    from orchestration.exchange.warehouse import run_parameters

    def work(con) -> None:
        parameters = run_parameters(con)
        envelope = write_request(
            con, _key(args), args.select, args.out, parameters.rule_set, parameters.as_at_date
        )
        _print("wrote request", args.out, envelope.header["counts"])

    return _run(work)


def _answer(args: argparse.Namespace) -> int:
    from orchestration.exchange.answer import answer_request

    def work(con) -> None:
        envelope = answer_request(con, _key(args), args.request, args.out)
        _print("wrote answer", args.out, envelope.header["counts"])

    return _run(work)


def _load(args: argparse.Namespace) -> int:
    from orchestration.exchange.load_answer import load_answer

    def work(con) -> None:
        _print("loaded answer", args.file, load_answer(con, _key(args), args.file))
        print(
            "final list (police criteria confirmed person by person): exchange.final_families, "
            "exchange.final_family_criteria; persons linked: exchange.police_person_links"
        )

    return _run(work)


def _register(args: argparse.Namespace) -> int:
    from orchestration.exchange.register import registered

    def work(con) -> None:
        for row in registered(con):
            print(
                f"{row['registered_at']:%Y-%m-%d %H:%M:%S} {row['direction']:8} {row['kind']:14} "
                f"{row['outcome']:8} key {row['key_id']} {row['file_name']} "
                f"sha256 {row['checksum_sha256'][:12]} {row['counts']} by {row['run_by']}"
                + (f" ({row['reason']})" if row["reason"] else "")
            )

    return _run(work)
