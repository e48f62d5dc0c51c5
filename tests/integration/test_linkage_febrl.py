"""`families link` on the public FEBRL benchmark files, the issue's independent check.

FEBRL4 is two files of 5,000 people with 5,000 true links; FEBRL3 one file of 5,000
records with duplicates. The files are written in the standard person schema as a user
would (tests/public_benchmarks/febrl.py: FEBRL's `given_name` and `date_of_birth` kept, so
the alias mapping is read), linked through the CLI with the model it learns from them, and
scored pairwise against FEBRL's rec_id, which the linker never sees.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from independent_people.score import pairwise_scores
from public_benchmarks.febrl import febrl3_one_file, febrl4_two_files

from orchestration.cli import main


def _link(files, out: Path) -> dict:
    args = ["link", *sum((["--input", str(f)] for f in files), []), "--output", str(out)]
    assert main(args) == 0
    return json.loads((out / "summary.json").read_text())


@pytest.mark.timeout(900)
def test_febrl4_two_files_link_at_pairwise_f1_099(tmp_path, capsys):
    case = febrl4_two_files(tmp_path / "in")
    summary = _link(case.files, tmp_path / "out")
    err = capsys.readouterr().err
    assert "'given_name' read as first_name" in err and "'date_of_birth' read as dob" in err
    scores = pairwise_scores(tmp_path / "out" / "clusters.csv", case.truth)
    print("FEBRL4 two-file link:", scores, summary["blocking"]["estimated_blocking_recall"])
    assert scores["true_pairs"] == 5000
    assert scores["f1"] >= 0.99
    assert summary["model_learnt_from_inputs"]


@pytest.mark.timeout(900)
def test_febrl3_one_file_dedupes_at_pairwise_f1_098(tmp_path):
    case = febrl3_one_file(tmp_path / "in")
    summary = _link(case.files, tmp_path / "out")
    scores = pairwise_scores(tmp_path / "out" / "clusters.csv", case.truth)
    print("FEBRL3 one-file dedupe:", scores, summary["blocking"]["estimated_blocking_recall"])
    assert summary["mode"] == "deduplicate"
    assert scores["f1"] >= 0.98
