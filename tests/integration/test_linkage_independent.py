"""`families link` on data the city generator did not write (tests/independent_people).

The files come from a corruption model written apart from orchestration/synth, with its own
names, error kinds and rates; the model is learnt from the files by `families link` itself
(no --model), and its pairwise accuracy is scored against the generator's truth. People are
written on their own, as in the FEBRL benchmark files the issue measured on; households
and twins, the harder case, are tested for the identifier rule below and measured in the
README.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from independent_people.generate import one_file_dedupe, two_file_link
from independent_people.score import pairwise_scores

from orchestration.cli import main


def _link(files, out: Path, *extra: str) -> dict:
    args = ["link", *sum((["--input", str(f)] for f in files), []), "--output", str(out)]
    assert main([*args, *extra]) == 0
    return json.loads((out / "summary.json").read_text())


def _rename_column(path: Path, old: str, new: str) -> Path:
    renamed = path.with_name(f"renamed_{path.name}")
    with path.open(encoding="utf-8") as src, renamed.open("w", encoding="utf-8") as dst:
        header, rest = src.readline(), src.read()
        dst.write(",".join(new if c == old else c for c in header.strip().split(",")) + "\n")
        dst.write(rest)
    return renamed


@pytest.mark.timeout(600)
def test_two_files_not_written_by_the_city_generator_link_at_f1_098(tmp_path):
    case = two_file_link(tmp_path / "in", households=False)
    summary = _link(case.files, tmp_path / "out")
    scores = pairwise_scores(tmp_path / "out" / "clusters.csv", case.truth)
    print("two-file link:", scores, summary["blocking"]["estimated_blocking_recall"])
    # Measured 0.989 (precision 0.999, recall 0.979); the goal is 0.99, not met on
    # this data (README, "Measured on data the generator did not write").
    assert scores["f1"] >= 0.98
    assert scores["precision"] >= 0.99
    assert summary["model_learnt_from_inputs"]
    model = json.loads((tmp_path / "out" / "model.json").read_text())
    assert model["blocking_rules_to_generate_predictions"]
    # The learnt blocking compares nearly every pair the model would link.
    assert summary["blocking"]["estimated_blocking_recall"] >= 0.98


@pytest.mark.timeout(600)
def test_one_file_dedupe_with_date_of_birth_column_is_mapped_and_reaches_f1_098(tmp_path, capsys):
    case = one_file_dedupe(tmp_path / "in", households=False)
    renamed = _rename_column(case.files[0], "dob", "date_of_birth")
    renamed = _rename_column(renamed, "first_name", "forename")
    summary = _link([renamed], tmp_path / "out")
    err = capsys.readouterr().err
    assert "'date_of_birth' read as dob" in err and "'forename' read as first_name" in err
    scores = pairwise_scores(tmp_path / "out" / "clusters.csv", case.truth)
    print("one-file dedupe:", scores)
    assert scores["f1"] >= 0.98
    assert summary["input_messages"]


def test_a_saved_model_is_reused_with_model(tmp_path):
    case = one_file_dedupe(tmp_path / "in", records=600, seed=5, households=False)
    first = _link(case.files, tmp_path / "first")
    again = _link(case.files, tmp_path / "again", "--model", str(tmp_path / "first/model.json"))
    assert not again["model_learnt_from_inputs"]
    assert not (tmp_path / "again" / "model.json").exists()
    assert again["clusters"] == first["clusters"]


def test_twins_with_different_nhs_numbers_are_two_persons(tmp_path):
    """Twins share surname, date of birth and address; their NHS numbers differ."""
    background = one_file_dedupe(tmp_path / "in", records=1500, seed=7)
    people = background.files[0]
    rows = list(csv.DictReader(people.open(encoding="utf-8")))
    twins = [
        {
            "record_id": "t1",
            "first_name": "Amira",
            "surname": "Haddad",
            "dob": "2015-03-09",
            "sex": "F",
            "address": "4 Quarry Hill",
            "postcode": "LS7 2AB",
            "nhs_number": "9434765919",
        },
        {
            "record_id": "t2",
            "first_name": "Amal",
            "surname": "Haddad",
            "dob": "2015-03-09",
            "sex": "F",
            "address": "4 Quarry Hill",
            "postcode": "LS7 2AB",
            "nhs_number": "9434765870",
        },
        # The school's records of the same girls, without NHS numbers: the chain that
        # joined twins into one person before identifiers were respected.
        {
            "record_id": "t3",
            "first_name": "Amira",
            "surname": "Haddad",
            "dob": "09/03/2015",
            "sex": "F",
            "address": "4 Quarry Hill",
            "postcode": "LS7 2AB",
        },
        {
            "record_id": "t4",
            "first_name": "Amal",
            "surname": "Haddad",
            "dob": "09/03/2015",
            "sex": "F",
            "address": "4 Quarry Hill",
            "postcode": "LS7 2AB",
        },
        {
            "record_id": "t5",
            "first_name": "",
            "surname": "Haddad",
            "dob": "2015-03-09",
            "sex": "F",
            "address": "4 Quarry Hill",
            "postcode": "LS7 2AB",
        },
    ]
    with people.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + [{**{k: "" for k in rows[0]}, **t} for t in twins])
    summary = _link([people], tmp_path / "out")
    with (tmp_path / "out" / "clusters.csv").open(encoding="utf-8") as handle:
        cluster = {r["record_id"]: r["cluster_id"] for r in csv.DictReader(handle)}
    assert cluster["t1"] != cluster["t2"]
    # No person holds two NHS numbers.
    nhs = {r["record_id"]: r["nhs_number"] for r in rows if r["nhs_number"]}
    nhs.update(t1="9434765919", t2="9434765870")
    held: dict[str, set[str]] = {}
    for record, number in nhs.items():
        held.setdefault(cluster[record], set()).add(number)
    assert all(len(numbers) == 1 for numbers in held.values())
    assert summary["identifier_conflicts"] >= 1
