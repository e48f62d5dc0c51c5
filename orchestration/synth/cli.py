"""`families synth`: generate the synthetic city's agency extracts and ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="generate a synthetic city: DIR/landing/<agency>/<dataset>/<date>.<ext>, DIR/truth/",
        description="Generate a synthetic city of N households. "
        "The same seed gives byte-identical output.",
    )
    parser.add_argument(
        "--households", type=int, default=2000, help="number of households (default 2000)"
    )
    parser.add_argument("--seed", type=int, default=20150901, help="random seed (default 20150901)")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the data folder)"
    )
    parser.add_argument(
        "--nights",
        type=int,
        choices=(1, 2),
        default=1,
        help="2 also writes the second night: one more extract per delta dataset, dated the day "
        "after the latest extract, with records not yet sent (new), records re-sent because "
        "they changed or were corrected, about 1%% of night one's rows; night one's files are "
        "unchanged (see orchestration/synth/README.md; default 1)",
    )
    parser.add_argument(
        "--parties",
        action="store_true",
        help="also write the city as the agreement's two parties: OUT/parties/police/landing "
        "(police datasets and the gazetteer) and OUT/parties/council/landing (every other "
        "dataset and the gazetteer), for `families exchange`; the truth stays in OUT/truth",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from orchestration.paths import data_dir
    from orchestration.synth.generate import generate

    out = args.out if args.out is not None else data_dir()
    started = time.perf_counter()
    summary = generate(args.households, args.seed, out, nights=args.nights)
    rows = sum(summary.values())
    print(
        f"wrote {rows:,} rows in {len(summary) + 1} datasets to {out}/landing "
        f"and truth to {out}/truth "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if args.parties:
        from orchestration.synth.parties import write_party_landings

        written = write_party_landings(out, out / "parties")
        print(
            ", ".join(f"{party}: {n} files" for party, n in written.items())
            + f" in {out}/parties/<party>/landing"
        )
    if args.nights == 2:
        import pandas as pd

        night = pd.read_csv(out / "truth" / "night_two.csv")
        added = int(night["rows"].sum())
        print(
            f"night two: {added:,} rows in {len(night)} files dated "
            f"{night['extract_date'].iloc[0]} ({int(night['new_records'].sum()):,} new, "
            f"{int(night['changed_records'].sum()):,} changed, "
            f"{int(night['corrected_records'].sum()):,} corrected records), "
            f"{100 * added / max(rows, 1):.2f}% of night one's {rows:,} rows"
        )
    return 0
