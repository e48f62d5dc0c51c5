"""The city's people at the start of the simulation: households of realistic composition at UPRNs.

State is held in growable numpy arrays (persons) and plain lists (households, stays) so the
life simulation can append births, moves and new households without copying frames.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from orchestration.synth.names import ORIGIN_SHARES, feminine_polish, name_lists

EPOCH = np.datetime64("1970-01-01", "D")

# Share of households by composition at the start (ONS Families and Households 2011, shaped
# for a young, student-heavy city; see config.TARGETS for the figures tests hold it to).
COMPOSITIONS = {
    "single_pensioner": 0.125,
    "single_adult": 0.115,
    "couple_no_children": 0.180,
    "pensioner_couple": 0.080,
    "couple_with_children": 0.100,
    "blended_family": 0.020,
    "lone_parent": 0.060,
    "couple_adult_children": 0.060,
    "lone_parent_adult_children": 0.030,
    "multi_generational": 0.015,
    "shared_house": 0.105,
}
_W = np.array([0.8] + [1.35] * 7 + [1.0] * 5 + [1.0] * 5)
START_CHILD_AGE_WEIGHTS = _W / _W.sum()
RELATIONSHIPS = [
    "head",
    "partner",
    "child",
    "stepchild",
    "grandchild",
    "parent",
    "other_relative",
    "housemate",
]
REL = {name: i for i, name in enumerate(RELATIONSHIPS)}
ORIGINS = list(ORIGIN_SHARES)
# Origins whose naming custom has a woman take her husband's surname (often, not always).
SURNAME_CHANGE_ORIGINS = {
    "british",
    "irish",
    "polish",
    "caribbean",
    "other_european",
    "west_african",
    "indian",
}


class NamePool:
    """Pre-drawn names consumed in order: fast and deterministic."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.lists = name_lists()
        self.buffers: dict[tuple[str, str], tuple[np.ndarray, int]] = {}

    def next(self, origin: str, key: str) -> str:
        buf, pos = self.buffers.get((origin, key), (None, 0))
        if buf is None or pos >= len(buf):
            buf, pos = self.lists[origin][key].draw(self.rng, 2048), 0
        self.buffers[(origin, key)] = (buf, pos + 1)
        return str(buf[pos])


@dataclass
class Person:
    sex: str
    dob: int  # days since 1970-01-01
    first: str
    middle: str
    surname: str
    origin: str
    vulnerability: float


@dataclass
class CityState:
    """Everything the life simulation changes. Index of a list = id."""

    # persons
    sex: list = field(default_factory=list)
    dob: list = field(default_factory=list)
    first: list = field(default_factory=list)
    middle: list = field(default_factory=list)
    surname: list = field(default_factory=list)  # current surname
    surname_at_start: list = field(default_factory=list)  # surname when first seen (birth or start)
    origin: list = field(default_factory=list)
    vuln: list = field(default_factory=list)
    mother: list = field(default_factory=list)
    father: list = field(default_factory=list)
    alive_to: list = field(default_factory=list)  # day of death, or None
    household: list = field(default_factory=list)  # current household id
    relationship: list = field(default_factory=list)
    open_stay: list = field(default_factory=list)
    # surname changes: (person, day, new surname)
    name_changes: list = field(default_factory=list)
    # households
    hh_uprn: list = field(default_factory=list)
    hh_formed: list = field(default_factory=list)
    hh_dissolved: list = field(default_factory=list)
    hh_composition: list = field(default_factory=list)
    hh_members: list = field(default_factory=list)  # list of lists of person ids
    hh_social_tenant: list = field(default_factory=list)
    hh_previous: list = field(default_factory=list)  # household this one moved from
    # stays
    stay_person: list = field(default_factory=list)
    stay_household: list = field(default_factory=list)
    stay_uprn: list = field(default_factory=list)
    stay_from: list = field(default_factory=list)
    stay_to: list = field(default_factory=list)
    stay_rel: list = field(default_factory=list)
    # ex-partners after a separation: (person a, person b, day)
    separations: list = field(default_factory=list)
    births: list = field(default_factory=list)  # (child, mother, father or -1, day)
    vacant: list = field(default_factory=list)  # dwelling UPRNs free to move into

    def add_person(self, p: Person, mother: int = -1, father: int = -1) -> int:
        pid = len(self.sex)
        self.sex.append(p.sex)
        self.dob.append(p.dob)
        self.first.append(p.first)
        self.middle.append(p.middle)
        self.surname.append(p.surname)
        self.surname_at_start.append(p.surname)
        self.origin.append(p.origin)
        self.vuln.append(p.vulnerability)
        self.mother.append(mother)
        self.father.append(father)
        self.alive_to.append(None)
        self.household.append(-1)
        self.relationship.append(-1)
        self.open_stay.append(-1)
        return pid

    def new_household(
        self, uprn: int, day: int, composition: str, social: bool, previous: int = -1
    ) -> int:
        hid = len(self.hh_uprn)
        self.hh_uprn.append(uprn)
        self.hh_formed.append(day)
        self.hh_dissolved.append(None)
        self.hh_composition.append(composition)
        self.hh_members.append([])
        self.hh_social_tenant.append(social)
        self.hh_previous.append(previous)
        return hid

    def join(self, pid: int, hid: int, rel: str, day: int) -> int:
        """Start a stay of pid in household hid from `day`, closing any open stay the day before;
        the day the stay began (later than `day` when the open stay began on or after it)."""
        # Each step of a simulated month draws its days on its own, so a later step (a child
        # going to its father, a new partner moving in) can draw a day before an earlier
        # step's move of the same person. Starting the new stay then would leave the person in
        # two homes at once, and a child has one main home (programme-rules.md; issue 19).
        # The events keep their order: the new stay starts the day after the open one began.
        sid = self.open_stay[pid]
        if sid >= 0:
            day = max(day, self.stay_from[sid] + 1)
        self.leave(pid, day)
        sid = len(self.stay_person)
        self.stay_person.append(pid)
        self.stay_household.append(hid)
        self.stay_uprn.append(self.hh_uprn[hid])
        self.stay_from.append(day)
        self.stay_to.append(None)
        self.stay_rel.append(rel)
        self.open_stay[pid] = sid
        self.household[pid] = hid
        self.relationship[pid] = REL[rel]
        self.hh_members[hid].append(pid)
        return day

    def leave(self, pid: int, day: int) -> None:
        sid = self.open_stay[pid]
        if sid < 0:
            return
        self.stay_to[sid] = day - 1
        hid = self.household[pid]
        members = self.hh_members[hid]
        members.remove(pid)
        if not members and self.hh_dissolved[hid] is None:
            self.hh_dissolved[hid] = day - 1
            self.vacant.append(self.hh_uprn[hid])
        self.open_stay[pid] = -1
        self.household[pid] = -1


def days(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


class PeopleFactory:
    """Draws people with names that follow each origin's naming custom."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.names = NamePool(rng)

    def given(self, origin: str, sex: str) -> str:
        return self.names.next(origin, sex)

    def family_surname(self, origin: str) -> str:
        if origin == "somali":
            return self.names.next("somali", "M")
        surname = self.names.next(origin, "S")
        # Double-barrelled surnames, mostly British (Smith-Jones).
        if origin == "british" and self.rng.random() < 0.02:
            surname = f"{surname}-{self.names.next(origin, 'S')}"
        return surname

    def adult(
        self, origin: str, sex: str, dob: int, vuln: float, surname: str | None = None
    ) -> Person:
        rng = self.rng
        first = self.given(origin, sex)
        middle = ""
        if origin == "somali":
            # Given name + father's given name + grandfather's given name; no family surname.
            middle = self.given("somali", "M")
            surname = self.given("somali", "M")
        else:
            if surname is None:
                surname = self.family_surname(origin)
            if origin == "south_asian_muslim" and sex == "M" and rng.random() < 0.3:
                first, middle = "Muhammad", first
            elif origin == "south_asian_muslim" and sex == "F" and rng.random() < 0.25:
                surname = "Begum"
            elif origin == "chinese":
                middle = ""
            elif rng.random() < 0.45:
                middle = self.given(origin, sex)
            if origin == "polish" and sex == "F":
                surname = feminine_polish(surname)
        return Person(sex, dob, first, middle, surname, origin, vuln)

    def child(
        self, origin: str, sex: str, dob: int, vuln: float, father: Person | None, surname: str
    ) -> Person:
        rng = self.rng
        first = self.given(origin, sex)
        middle = ""
        if origin == "somali" and father is not None and father.origin == "somali":
            middle, surname = father.first, father.middle or father.surname
        elif origin == "somali":
            middle, surname = self.given("somali", "M"), self.given("somali", "M")
        else:
            if origin == "south_asian_muslim" and sex == "M" and rng.random() < 0.3:
                first, middle = "Muhammad", first
            elif rng.random() < 0.5 and origin != "chinese":
                middle = self.given(origin, sex)
            if origin == "polish":
                surname = feminine_polish(surname) if sex == "F" else surname.replace("ska", "ski")
        return Person(sex, dob, first, middle, surname, origin, vuln)


def _age_days(rng: np.random.Generator, lo: float, hi: float) -> int:
    return int((lo + (hi - lo) * rng.random()) * 365.25)


def _single_adult_age(rng: np.random.Generator) -> float:
    # Young, student-heavy city: many single adults in their twenties.
    band = rng.random()
    if band < 0.35:
        return 19 + 8 * rng.random()
    if band < 0.75:
        return 27 + 18 * rng.random()
    return 45 + 20 * rng.random()


def build_population(
    rng: np.random.Generator,
    dwellings: np.ndarray,
    dwelling_kind: np.ndarray,
    households: int,
    start: dt.date,
) -> CityState:
    """Households of realistic composition, one per dwelling, the rest left vacant for moves."""
    state = CityState()
    people = PeopleFactory(rng)
    t0 = days(start)
    comp_names = list(COMPOSITIONS)
    comp_p = np.array(list(COMPOSITIONS.values()))
    comps = rng.choice(len(comp_names), size=households, p=comp_p / comp_p.sum())
    origin_p = np.array(list(ORIGIN_SHARES.values()))
    origins = rng.choice(len(ORIGINS), size=households, p=origin_p / origin_p.sum())
    vulns = rng.normal(size=households)

    # Match households to dwellings: big households to houses, shared houses to HMOs.
    sizes_hint = np.array(
        [
            {
                "shared_house": 9,
                "single_pensioner": 0,
                "single_adult": 0,
                "couple_no_children": 1,
                "pensioner_couple": 1,
            }.get(comp_names[c], 3)
            for c in comps
        ],
        dtype=float,
    )
    capacity = np.select([dwelling_kind == "RH02", dwelling_kind == "RD06"], [9.0, 1.0], 3.0)
    order_h = np.argsort(sizes_hint + rng.normal(0, 1.2, households), kind="stable")
    chosen = rng.choice(len(dwellings), size=households, replace=False)
    order_d = chosen[np.argsort(capacity[chosen] + rng.normal(0, 1.2, households), kind="stable")]
    uprn_for = np.empty(households, dtype=np.int64)
    uprn_for[order_h] = dwellings[order_d]
    occupied = set(uprn_for.tolist())
    state.vacant = [int(u) for u in dwellings.tolist() if u not in occupied]

    for h in range(households):
        comp = comp_names[comps[h]]
        origin = ORIGINS[origins[h]]
        # Latent vulnerability: lone parents and single working-age adults carry more of it.
        v = float(vulns[h]) + {
            "lone_parent": 0.6,
            "single_adult": 0.2,
            "blended_family": 0.3,
            "multi_generational": 0.3,
            "single_pensioner": -0.4,
            "pensioner_couple": -0.6,
        }.get(comp, 0.0)
        social = bool(rng.random() < 1 / (1 + np.exp(-(-1.8 + 0.9 * v))))
        formed = t0 - _age_days(rng, 0.2, 12.0)
        hid = state.new_household(int(uprn_for[h]), formed, comp, social)
        _fill_household(state, people, rng, hid, comp, origin, v, t0, formed)
    return state


def _pv(rng: np.random.Generator, v: float) -> float:
    """A person's vulnerability: mostly shared with the household, partly their own."""
    return 0.85 * v + 0.53 * float(rng.normal())


def _fill_household(
    state: CityState,
    people: PeopleFactory,
    rng: np.random.Generator,
    hid: int,
    comp: str,
    origin: str,
    v: float,
    t0: int,
    formed: int,
) -> None:
    def add(p: Person, rel: str, mother: int = -1, father: int = -1) -> int:
        pid = state.add_person(p, mother, father)
        # Children born after the household formed have lived there since birth.
        state.join(pid, hid, rel, max(formed, p.dob))
        return pid

    def other_origin() -> str:
        return origin if rng.random() > 0.06 else ORIGINS[int(rng.integers(len(ORIGINS)))]

    if comp in ("single_pensioner", "single_adult"):
        age = (
            65 + 27 * rng.random() ** 1.3 if comp == "single_pensioner" else _single_adult_age(rng)
        )
        sex = "F" if rng.random() < (0.62 if comp == "single_pensioner" else 0.45) else "M"
        add(people.adult(origin, sex, t0 - int(age * 365.25), _pv(rng, v)), "head")
        return
    if comp == "shared_house":
        for _ in range(int(rng.integers(2, 6))):
            o = ORIGINS[int(rng.integers(len(ORIGINS)))] if rng.random() < 0.3 else origin
            age = 18.5 + 12 * rng.random() ** 2.2  # students and young sharers
            add(
                people.adult(
                    o, "F" if rng.random() < 0.5 else "M", t0 - int(age * 365.25), _pv(rng, v)
                ),
                "head" if not state.hh_members[hid] else "housemate",
            )
        return

    with_partner = comp in (
        "couple_no_children",
        "pensioner_couple",
        "couple_with_children",
        "blended_family",
        "couple_adult_children",
        "multi_generational",
    )
    if comp in ("couple_with_children", "blended_family", "lone_parent", "multi_generational"):
        k = int(rng.choice([1, 2, 3, 4, 5], p=[0.42, 0.40, 0.13, 0.04, 0.01]))
        # Children's ages at the start, weighted so that about four years on (2015/16) the
        # age bands meet the targets (births fill the under-fives).
        years = rng.choice(len(START_CHILD_AGE_WEIGHTS), size=k, p=START_CHILD_AGE_WEIGHTS)
        ages = sorted((years + rng.random(k)).tolist(), reverse=True)
        eldest = ages[0]
        first_birth = float(np.clip(rng.normal(28.0 - 1.5 * v, 5.5), 16.5, 42.0))
        mother_age = eldest + first_birth
    elif comp in ("couple_adult_children", "lone_parent_adult_children"):
        k = int(rng.choice([1, 2, 3], p=[0.65, 0.3, 0.05]))
        eldest = 19 + 10 * rng.random()
        ages = [eldest] + [max(19.0, eldest - (1 + 3 * rng.random())) for _ in range(k - 1)]
        mother_age = eldest + float(np.clip(rng.normal(28, 5), 18, 42))
    else:
        ages = []
        mother_age = (
            (66 + 20 * rng.random())
            if comp == "pensioner_couple"
            else (21 + 42 * rng.random() ** 1.1)
        )

    # Mothers head most lone-parent households (about 90%).
    lone_father = comp.startswith("lone_parent") and rng.random() < 0.1
    mother_o = origin
    mother = people.adult(mother_o, "F", t0 - int(mother_age * 365.25), _pv(rng, v))
    father = None
    if with_partner:
        father_o = other_origin()
        father_age = max(18.0, mother_age + rng.normal(2.5, 3.5))
        father = people.adult(father_o, "M", t0 - int(father_age * 365.25), _pv(rng, v))
        if (
            mother.origin in SURNAME_CHANGE_ORIGINS
            and father.origin != "somali"
            and rng.random() < 0.75
        ):
            mother.surname = (
                feminine_polish(father.surname) if father.origin == "polish" else father.surname
            )
    if lone_father:
        father, mother = (
            people.adult(origin, "M", mother.dob + int(rng.normal(900, 900)), mother.vulnerability),
            None,
        )

    grand = None
    if comp == "multi_generational":
        # A grandparent heads the household; the parent(s) and grandchildren live with them.
        grand_age = mother_age + float(np.clip(rng.normal(27, 5), 17, 40))
        grand = people.adult(
            origin, "F" if rng.random() < 0.7 else "M", t0 - int(grand_age * 365.25), _pv(rng, v)
        )
        gid = add(grand, "head")
        if rng.random() < 0.5:
            father = None
        mid = add(mother, "child", -1, -1)
        fid = add(father, "other_relative") if father is not None else -1
        del gid
    else:
        mid = fid = -1
        if mother is not None:
            mid = add(mother, "head")
        if father is not None:
            fid = add(father, "partner" if mother is not None else "head")

    surname_src = father if father is not None else mother
    for i, age in enumerate(ages):
        sex = "F" if rng.random() < 0.488 else "M"
        dob = t0 - int(age * 365.25) - int(rng.integers(0, 30))
        child_rel = "grandchild" if comp == "multi_generational" else "child"
        child_father = father
        child_surname = (
            surname_src.surname if surname_src is not None else people.family_surname(origin)
        )
        if comp == "blended_family" and i == 0:
            # The eldest is the mother's child from an earlier relationship: another surname.
            child_rel, child_father = "stepchild", None
            child_surname = people.family_surname(origin)
        if (
            comp in ("lone_parent", "lone_parent_adult_children")
            and not lone_father
            and rng.random() < 0.5
        ):
            child_surname = people.family_surname(
                origin
            )  # father's surname, father not in the household
        child_origin = child_father.origin if child_father is not None else origin
        p = people.child(child_origin, sex, dob, _pv(rng, v), child_father, child_surname)
        add(p, child_rel, mid, fid if child_father is not None else -1)
