"""Linkage sub-commands: `families link`, `families train-linkage`, `families review`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    link = subparsers.add_parser(
        "link",
        help="link (or, given one file, deduplicate) person files in the standard schema",
        description="Link person CSV files in the standard person schema (record_id, "
        "first_name, surname, dob, sex, address, postcode, optional source_dataset, "
        "middle_names, nhs_number, upn, ni_number; known other names such as "
        "date_of_birth or forename are mapped). By default a model is learnt from the "
        "files and saved as model.json beside the output; --model reuses a saved one. "
        "Writes pairs.csv, clusters.csv and summary.json (with the estimated blocking "
        "recall) to --output.",
    )
    link.add_argument(
        "--input",
        action="append",
        required=True,
        type=Path,
        metavar="CSV",
        help="a person file; repeat for several",
    )
    link.add_argument("--output", required=True, type=Path, metavar="DIR")
    link.add_argument(
        "--model",
        type=Path,
        help="reuse this saved model JSON (e.g. a model.json an earlier run learnt, or "
        "orchestration/linkage/models/person_linkage_v3.json); default: learn from the inputs",
    )
    link.add_argument(
        "--column",
        action="append",
        metavar="FIELD=COLUMN",
        help="read standard field FIELD from the files' column COLUMN, e.g. "
        "--column dob=date_of_birth; repeat for several",
    )
    link.add_argument("--threshold", type=float, help="match probability to link at")
    link.set_defaults(func=_link)

    train = subparsers.add_parser(
        "train-linkage",
        help="train the person-linkage model and save it as a new version in the repository",
        description="Deliberate retraining: estimates the model on the warehouse's "
        "intermediate.int_person_records (or --input files) and writes "
        "orchestration/linkage/models/person_linkage_<version>.json. Commit the file; the "
        "nightly run uses the newest version.",
    )
    train.add_argument(
        "--input",
        action="append",
        type=Path,
        metavar="CSV",
        help="train on these standard-schema files instead of the warehouse",
    )
    train.add_argument("--db", type=Path, help="warehouse (default: $FAMILIES_DB)")
    train.add_argument("--version", help="version label, e.g. v2 (default: next)")
    train.add_argument("--out", type=Path, help="write the model here instead")
    train.add_argument("--description", default="", help="why this retrain (kept in .meta.json)")
    train.add_argument(
        "--force",
        action="store_true",
        help="promote the new model even if the side-by-side comparison does not favour it",
    )
    train.set_defaults(func=_train)

    review = subparsers.add_parser("review", help="clerical review of uncertain person pairs")
    review.add_argument("--db", type=Path, help="warehouse (default: $FAMILIES_DB)")
    actions = review.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="show queued pairs, most uncertain first")
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(func=_review_list)
    decide = actions.add_parser("decide", help="record a decision on a pair of records")
    decide.add_argument("record_a")
    decide.add_argument("record_b")
    decide.add_argument("decision", choices=["match", "non_match"])
    decide.add_argument("--reviewer", required=True)
    decide.add_argument("--note")
    decide.set_defaults(func=_review_decide)


def _link(args: argparse.Namespace) -> int:
    from orchestration.linkage.input_columns import PersonFileError, parse_column_options
    from orchestration.linkage.settings import LinkageThresholds
    from orchestration.linkage.standalone import link_files

    thresholds = LinkageThresholds.from_env()
    if args.threshold is not None:
        thresholds = LinkageThresholds(
            link=args.threshold,
            review_low=min(thresholds.review_low, args.threshold),
            review_high=max(thresholds.review_high, args.threshold),
        )
    try:
        columns = parse_column_options(args.column)
        summary = link_files(args.input, args.output, args.model, thresholds, columns)
    except (PersonFileError, FileNotFoundError, ValueError) as error:
        print(f"families link: {error}", file=sys.stderr)
        return 2
    for message in summary["input_messages"]:
        print(f"families link: {message}", file=sys.stderr)
    print(json.dumps(summary, indent=2))
    return 0


def _warehouse(args: argparse.Namespace) -> Path:
    from orchestration.paths import warehouse_path

    return Path(args.db) if args.db else warehouse_path()


def _train(args: argparse.Namespace) -> int:
    import tempfile

    import duckdb

    from orchestration.linkage import settings
    from orchestration.linkage.inputs import load_person_files
    from orchestration.linkage.train import train_model

    # A new nightly version is trained beside the repository first and promoted into
    # models/ only after a side-by-side comparison with the current one (promotion.py).
    final = None if args.out else settings.model_path(args.version or settings.next_version())
    current = max(settings.saved_model_versions().items(), default=(0, None))[1]
    staging = Path(tempfile.mkdtemp(prefix="families_train_"))
    out = args.out or staging / final.name
    con = duckdb.connect()
    try:
        if args.input:
            load_person_files(con, args.input, "lk_input")
            source, uprns = "lk_input", None
            description = args.description or f"trained on {len(args.input)} file(s)"
        else:
            db = _warehouse(args)
            con.execute(f"ATTACH '{db}' AS wh (READ_ONLY)")
            source = "wh.intermediate.int_person_records"
            has_uprns = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh' "
                "AND schema_name = 'linkage' AND table_name = 'record_uprns'"
            ).fetchone()[0]
            uprns = "wh.linkage.record_uprns" if has_uprns else None
            description = args.description or "trained on the warehouse's person records"
        meta = train_model(con, source, out, uprns=uprns, description=description)
        print(json.dumps(meta, indent=2))
        if final is None:
            return 0
        from orchestration.linkage.promotion import compare_and_promote

        return compare_and_promote(con, source, uprns, current, out, final, args.force)
    finally:
        con.close()


def _review_list(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.linkage.review import pending_reviews
    from orchestration.published import NothingPublishedError, open_published

    # The published night (never waits on, or blocks, a running night); --db reads that file.
    try:
        con = duckdb.connect(str(args.db), read_only=True) if args.db else open_published()
    except (NothingPublishedError, duckdb.IOException) as error:
        print(f"families review list: {error}", file=sys.stderr)
        return 2
    try:
        for row in pending_reviews(con, args.limit):
            print(json.dumps(row, default=str))
    finally:
        con.close()
    return 0


def _review_decide(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.linkage.review import record_decision

    con = duckdb.connect(str(_warehouse(args)))
    try:
        record_decision(con, args.record_a, args.record_b, args.decision, args.reviewer, args.note)
    finally:
        con.close()
    print(f"recorded: {args.decision} by {args.reviewer}; honoured from the next run")
    return 0
