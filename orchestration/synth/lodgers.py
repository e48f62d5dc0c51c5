"""Lodgers: a second household in a house in multiple occupation (issue 13).

After the simulated years, some single adults living alone are moved, on a day of their own
between LODGER_FROM and LODGER_TO, into an HMO (gazetteer RH02) that another household
occupies then, as a household of their own. Two unrelated households then share one UPRN:
the case where a UPRN-keyed household would count a lodger's offences for a family.

Only people whose current stay began before that day and is still open are moved, so no
later move or death is rewritten; their old home is left vacant from that day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from orchestration.synth.population import CityState, days

LODGER_SHARE = 0.6  # of HMOs with one lasting household that take a lodger
LODGER_FROM = dt.date(2014, 1, 1)
LODGER_TO = dt.date(2016, 3, 31)


def _occupant_households(state: CityState, hids: list[int], day: int) -> list[int]:
    return [
        hid
        for hid in hids
        if state.hh_formed[hid] <= day
        and (state.hh_dissolved[hid] is None or state.hh_dissolved[hid] >= day)
    ]


def _lone_adults(state: CityState) -> list[int]:
    """People living alone in a single-adult household at the end of the simulation."""
    lone = []
    for hid, members in enumerate(state.hh_members):
        if (
            state.hh_composition[hid] == "single_adult"
            and len(members) == 1
            and state.open_stay[members[0]] >= 0
        ):
            lone.append(members[0])
    return lone


def take_lodgers(state: CityState, rng: np.random.Generator, hmo_uprns: np.ndarray) -> int:
    """Move lone adults into occupied HMOs as households of their own; how many moved."""
    hmos = {int(u) for u in hmo_uprns}
    households_at: dict[int, list[int]] = {}
    for hid, uprn in enumerate(state.hh_uprn):
        if uprn in hmos:
            households_at.setdefault(uprn, []).append(hid)
    lone = _lone_adults(state)
    taken: set[int] = set()
    moved = 0
    first, last = days(LODGER_FROM), days(LODGER_TO)
    for uprn in sorted(hmos):
        if rng.random() >= LODGER_SHARE:
            continue
        day = int(rng.integers(first, last))
        occupants = _occupant_households(state, households_at.get(uprn, []), day)
        # One household there that day and still there at the end: the two share the UPRN.
        if len(occupants) != 1 or state.hh_dissolved[occupants[0]] is not None:
            continue
        # Living alone since before that day (their open stay began earlier), 20 or older.
        candidates = [
            pid
            for pid in lone
            if pid not in taken
            and state.stay_from[state.open_stay[pid]] < day
            and (day - state.dob[pid]) / 365.25 >= 20
        ]
        if not candidates:
            continue
        pid = candidates[int(rng.integers(len(candidates)))]
        taken.add(pid)
        hid = state.new_household(uprn, day, "single_adult", False, previous=state.household[pid])
        state.join(pid, hid, "head", day)
        moved += 1
    return moved
