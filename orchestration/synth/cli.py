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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from orchestration.paths import data_dir
    from orchestration.synth.generate import generate

    out = args.out if args.out is not None else data_dir()
    started = time.perf_counter()
    summary = generate(args.households, args.seed, out)
    rows = sum(summary.values())
    print(
        f"wrote {rows:,} rows in {len(summary) + 1} datasets to {out}/landing "
        f"and truth to {out}/truth "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0
