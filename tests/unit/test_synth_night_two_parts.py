"""Night two (`synth --nights 2`): record selection and corrections, on hand-made records."""

import numpy as np
import pandas as pd

from orchestration.synth import config
from orchestration.synth.extracts import extract_days
from orchestration.synth.generate import corrected, correction_pool, night_two_rows
from orchestration.synth.population import days
from orchestration.synth.world import OPEN

NIGHT = days(config.NIGHT_TWO_EXTRACT)
LAST = max(extract_days("monthly"))  # 2016-06-30


def _records() -> pd.DataFrame:
    mid = LAST - 60
    return pd.DataFrame(
        {
            "record_ref": ["sent", "ends_after", "ends_later", "ended_before", "gap", "open"],
            "person_id": [1, 2, 3, 4, 5, 6],
            "event_day": [mid, mid, mid, mid, LAST + 5, mid],
            "end_day": [mid, LAST + 10, NIGHT + 30, LAST - 10, OPEN, OPEN],
            "extract_day": -1,
            "errors": [["typo"], [], [], [], [], ["address_variant"]],
        }
    )


def test_night_two_sends_unsent_records_and_those_whose_end_arrived():
    out = night_two_rows(_records(), "monthly", NIGHT)
    got = dict(zip(out["record_ref"], out["status"], strict=True))
    # The gap event is new; an end after the last extract and by night two is a change; an end
    # after night two, one already sent, and records with nothing new are not sent.
    assert got == {"ends_after": "changed", "gap": "new"}
    assert (out["extract_day"] == NIGHT).all()


def test_records_with_their_own_extract_day_send_nothing():
    rec = _records().assign(extract_day=LAST)
    assert night_two_rows(rec, "termly", NIGHT).empty


def test_corrections_put_planted_errors_right():
    rec = _records()
    pool = correction_pool(rec, "monthly")
    # Only a record already sent with a correctable error qualifies.
    assert rec["record_ref"].to_numpy()[pool].tolist() == ["sent"]

    class World:
        persons = pd.DataFrame({"first_name": ["A", "Bob"], "dob_day": [0, 7000]})

        @staticmethod
        def surname_on(pid, day):
            return np.array(["Jones"] * len(pid), dtype=object)

    rec = pd.DataFrame(
        {
            "person_id": [1, 1],
            "event_day": [LAST, LAST],
            "first_name": ["Bb", "Bob"],
            "surname": ["Jnes", "Jones"],
            "dob_day": [-(10**7), -(10**7)],
            "uprn": [11, 11],
            "address_uprn": [99, 99],
            "postcode_missing": [True, True],
            "errors": [["typo", "stale_address", "nickname"], ["dob_missing", "postcode_missing"]],
        }
    )
    out = corrected(rec, World())
    assert out["first_name"].tolist() == ["Bob", "Bob"]
    assert out["surname"].tolist() == ["Jones", "Jones"]
    assert out["address_uprn"].tolist() == [11, 99]
    assert out["dob_day"].tolist() == [-(10**7), 7000]
    assert out["postcode_missing"].tolist() == [True, False]
    assert out["errors"].tolist() == [["nickname"], []]
