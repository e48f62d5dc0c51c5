"""Life over time, month by month: deaths, young adults leaving home, household moves,
separations, new partners (with surname changes), children moving between parents, births.

Selection of who is affected each month is vectorised; the few thousand affected people are
then handled one by one, in person-id order, so the result depends only on the seed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from orchestration.synth.names import feminine_polish
from orchestration.synth.population import (
    REL,
    SURNAME_CHANGE_ORIGINS,
    CityState,
    PeopleFactory,
    Person,
    days,
)

# Annual rates (probabilities a year); see config.TARGETS for what they are tuned against.
MOVE_RATE = 0.085
SHARED_MOVE_RATE = 0.30
LEAVE_HOME_RATE = 0.10
SEPARATION_RATE = 0.03
NEW_PARTNER_RATE = 0.09
CHILD_TO_FATHER_RATE = 0.03
BIRTHS_PER_1000 = 15.0
TEEN_BOOKINGS_PER_1000 = 8.7  # women 15-17 (config "teenage_pregnancy")
ASFR = {15: 0.0, 18.6: 0.035, 20: 0.06, 25: 0.09, 30: 0.10, 35: 0.055, 40: 0.012, 45: 0.0}


def _asfr(age: np.ndarray) -> np.ndarray:
    keys = np.array(sorted(ASFR))
    values = np.array([ASFR[k] for k in sorted(ASFR)])
    return values[np.clip(np.searchsorted(keys, age, side="right") - 1, 0, len(keys) - 1)]


def _months(start: dt.date, end: dt.date):
    y, m = start.year, start.month
    while dt.date(y, m, 1) <= end:
        first = dt.date(y, m, 1)
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        yield days(first), days(min(nxt, end + dt.timedelta(days=1)))
        y, m = nxt.year, nxt.month


def simulate_life(state: CityState, rng: np.random.Generator, start: dt.date, end: dt.date) -> None:
    people = PeopleFactory(rng)
    fertility_scale = None
    for m0, m1 in _months(start, end):
        mid = (m0 + m1) // 2
        n = len(state.sex)
        dob = np.fromiter(state.dob, dtype=np.int64, count=n)
        hh = np.fromiter(state.household, dtype=np.int64, count=n)
        rel = np.fromiter(state.relationship, dtype=np.int64, count=n)
        female = np.fromiter((s == "F" for s in state.sex), dtype=bool, count=n)
        vuln = np.fromiter(state.vuln, dtype=float, count=n)
        age = (mid - dob) / 365.25
        alive = hh >= 0
        H = len(state.hh_uprn)
        kids = np.bincount(hh[alive & (age < 18)], minlength=H)
        adults = np.bincount(hh[alive & (age >= 18)], minlength=H)
        size = np.bincount(hh[alive], minlength=H)
        partner_in = np.bincount(hh[alive & (rel == REL["partner"])], minlength=H) > 0
        head_of = np.full(H, -1)
        heads = np.flatnonzero(alive & (rel == REL["head"]))
        head_of[hh[heads]] = heads
        hv = np.bincount(hh[alive], weights=vuln[alive], minlength=H) / np.maximum(size, 1)
        monthly = lambda annual: 1 - (1 - np.asarray(annual)) ** (1 / 12)  # noqa: E731

        def day(lo: int = m0, hi: int = m1) -> int:
            return int(rng.integers(lo, hi))

        # Deaths (older residents only; a rough Gompertz curve).
        old = np.flatnonzero(alive & (age >= 70))
        dying = old[
            rng.random(old.size) < monthly(np.minimum(0.015 * np.exp((age[old] - 70) / 9.5), 0.6))
        ]
        for pid in dying.tolist():
            d = day()
            state.leave(pid, d)
            state.alive_to[pid] = d

        # Young adults leave their parents' home.
        leavers = np.flatnonzero(
            alive & np.isin(rel, [REL["child"], REL["grandchild"]]) & (age >= 19) & (age < 31)
        )
        leavers = leavers[rng.random(leavers.size) < monthly(LEAVE_HOME_RATE)]
        for pid in leavers.tolist():
            if state.household[pid] < 0 or not state.vacant:
                continue
            _move_alone(state, rng, pid, day(), "single_adult")

        # Whole households move.
        active = np.flatnonzero(size > 0)
        rate = np.where(
            np.array([state.hh_composition[h] == "shared_house" for h in active.tolist()]),
            SHARED_MOVE_RATE,
            MOVE_RATE * np.exp(0.35 * hv[active]),
        )
        movers = active[rng.random(active.size) < monthly(np.minimum(rate, 0.9))]
        for hid in movers.tolist():
            if not state.vacant or not state.hh_members[hid]:
                continue
            _move_household(state, rng, hid, day())

        # Couples with children separate: the father leaves; now and then a child goes with him.
        couples = np.flatnonzero((size > 0) & partner_in & (kids > 0) & (head_of >= 0))
        seps = couples[
            rng.random(couples.size) < monthly(SEPARATION_RATE * np.exp(0.4 * hv[couples]))
        ]
        for hid in seps.tolist():
            members = list(state.hh_members[hid])
            men = [
                p
                for p in members
                if state.relationship[p] in (REL["head"], REL["partner"]) and state.sex[p] == "M"
            ]
            women = [
                p
                for p in members
                if state.relationship[p] in (REL["head"], REL["partner"]) and state.sex[p] == "F"
            ]
            if not men or not women or not state.vacant:
                continue
            d = day()
            man, woman = men[0], women[0]
            new_hid = _move_alone(state, rng, man, d, "single_adult")
            if state.relationship[woman] != REL["head"]:
                state.join(woman, hid, "head", d)
            state.separations.append((woman, man, d))
            own = [
                p
                for p in members
                if state.father[p] == man
                and (d - state.dob[p]) / 365.25 >= 5
                and (d - state.dob[p]) / 365.25 < 17
            ]
            if own and rng.random() < 0.12:
                state.join(own[0], new_hid, "child", d)

        # Lone parents find new partners among single adults (blended families, surname changes).
        lone = np.flatnonzero(
            (size > 0) & ~partner_in & (kids > 0) & (adults == 1) & (head_of >= 0)
        )
        lone = lone[rng.random(lone.size) < monthly(NEW_PARTNER_RATE)]
        singles = np.flatnonzero((size == 1) & (head_of >= 0))
        singles = singles[
            np.array(
                [state.hh_composition[h] == "single_adult" for h in singles.tolist()], dtype=bool
            )
        ]
        single_heads = head_of[singles]
        taken: set[int] = set()
        for hid in lone.tolist():
            head = int(head_of[hid])
            if head < 0 or not single_heads.size:
                continue
            want_female = state.sex[head] == "M"
            ok = (female[single_heads] == want_female) & (
                np.abs(dob[single_heads] - state.dob[head]) < 10 * 365
            )
            cands = single_heads[ok]
            if not cands.size:
                continue
            partner = int(cands[int(rng.integers(cands.size))])
            if partner in taken or state.household[partner] < 0:
                continue
            taken.add(partner)
            d = state.join(partner, hid, "partner", day())
            woman, man = (head, partner) if state.sex[head] == "F" else (partner, head)
            if (
                state.origin[woman] in SURNAME_CHANGE_ORIGINS
                and state.origin[man] != "somali"
                and rng.random() < 0.35
            ):
                new = (
                    feminine_polish(state.surname[man])
                    if state.origin[man] == "polish"
                    else state.surname[man]
                )
                _change_surname(state, woman, d, new)
                for child in state.hh_members[hid]:
                    if (
                        child not in (woman, man)
                        and rng.random() < 0.2
                        and (d - state.dob[child]) < 16 * 365
                    ):
                        _change_surname(state, child, d, state.surname[man])

        # Children move from their mother's home to their separated father's.
        with_father = np.flatnonzero(
            alive
            & (np.fromiter(state.father, dtype=np.int64, count=n) >= 0)
            & (age >= 3)
            & (age < 16)
        )
        fathers = np.fromiter(state.father, dtype=np.int64, count=n)[with_father]
        apart = hh[fathers] != hh[with_father]
        apart &= hh[fathers] >= 0
        cands = with_father[apart]
        moving = cands[rng.random(cands.size) < monthly(CHILD_TO_FATHER_RATE)]
        for pid in moving.tolist():
            father_hh = state.household[state.father[pid]]
            if father_hh >= 0 and father_hh != state.household[pid]:
                state.join(
                    pid,
                    father_hh,
                    "child"
                    if state.relationship[state.father[pid]] == REL["head"]
                    else "stepchild",
                    day(),
                )

        # Births; teenage conceptions depend strongly on vulnerability.
        women = np.flatnonzero(alive & female & (age >= 15) & (age < 45))
        partnered = partner_in[hh[women]] & np.isin(rel[women], [REL["head"], REL["partner"]])
        base = _asfr(age[women]) * np.where(partnered, 1.3, 0.6)
        if fertility_scale is None:
            adult_w = age[women] >= 18
            fertility_scale = (BIRTHS_PER_1000 / 1000 * alive.sum()) / max(
                base[adult_w].sum(), 1e-9
            )
        annual = base * fertility_scale
        # Births before 18.6 follow bookings before 18 (booked ~7 months earlier): the teenage rate.
        teen = age[women] < 18.6
        tv = np.exp(1.2 * vuln[women[teen]])
        # x0.7: bookings before 18 also come from births up to about 19 (measured, see measure.py).
        annual[teen] = (
            0.7 * TEEN_BOOKINGS_PER_1000 / 1000 * tv / max(np.exp(1.2 * vuln[alive]).mean(), 1e-9)
        )
        mothers = women[rng.random(women.size) < monthly(np.minimum(annual, 0.5))]
        for mother in mothers.tolist():
            if state.household[mother] < 0:
                continue
            _birth(state, people, rng, mother, day())


def _change_surname(state: CityState, pid: int, day: int, new: str) -> None:
    if new and new != state.surname[pid]:
        state.name_changes.append((pid, day, new))
        state.surname[pid] = new


def _take_vacant(state: CityState, rng: np.random.Generator) -> int:
    i = int(rng.integers(len(state.vacant)))
    state.vacant[i], state.vacant[-1] = state.vacant[-1], state.vacant[i]
    return state.vacant.pop()


def _move_alone(state: CityState, rng: np.random.Generator, pid: int, day: int, comp: str) -> int:
    uprn = _take_vacant(state, rng)
    old = state.household[pid]
    hid = state.new_household(
        uprn,
        day,
        comp,
        bool(old >= 0 and state.hh_social_tenant[old] and rng.random() < 0.3),
        previous=old,
    )
    state.join(pid, hid, "head", day)
    return hid


def _move_household(state: CityState, rng: np.random.Generator, old: int, day: int) -> int:
    uprn = _take_vacant(state, rng)
    social = state.hh_social_tenant[old] if rng.random() < 0.85 else not state.hh_social_tenant[old]
    hid = state.new_household(uprn, day, state.hh_composition[old], social, previous=old)
    from orchestration.synth.population import RELATIONSHIPS

    members = sorted(state.hh_members[old], key=lambda p: (state.relationship[p], p))
    for pid in members:
        state.join(pid, hid, RELATIONSHIPS[state.relationship[pid]], day)
    return hid


def _birth(
    state: CityState, people: PeopleFactory, rng: np.random.Generator, mother: int, day: int
) -> None:
    hid = state.household[mother]
    father = -1
    if state.relationship[mother] in (REL["head"], REL["partner"]):
        for p in state.hh_members[hid]:
            if (
                p != mother
                and state.sex[p] == "M"
                and state.relationship[p] in (REL["head"], REL["partner"])
            ):
                father = p
                break
    father_person = None
    if father >= 0:
        father_person = Person(
            state.sex[father],
            state.dob[father],
            state.first[father],
            state.middle[father],
            state.surname[father],
            state.origin[father],
            state.vuln[father],
        )
    origin = state.origin[father] if father >= 0 else state.origin[mother]
    surname = state.surname[father] if father >= 0 else state.surname[mother]
    vuln = (
        0.7 * state.vuln[mother]
        + 0.3 * (state.vuln[father] if father >= 0 else 0.0)
        + 0.5 * float(rng.normal())
    )
    sex = "F" if rng.random() < 0.488 else "M"
    child = people.child(origin, sex, day, vuln, father_person, surname)
    pid = state.add_person(child, mother, father)
    rel = "child" if state.relationship[mother] in (REL["head"], REL["partner"]) else "grandchild"
    state.join(pid, hid, rel, day)
    state.births.append((pid, mother, father, day))
