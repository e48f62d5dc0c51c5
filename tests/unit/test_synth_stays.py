"""A simulated person lives in one home on any day, whatever order a month's steps drew their
days in (issue 19: a 100,000-household city had a child in two households on the as-at date)."""

from types import SimpleNamespace

import pandas as pd

from orchestration.synth.population import CityState, Person
from orchestration.synth.truth import absent_parent_problems
from orchestration.synth.world import stays_frame

MOVE_DAY = 6020  # the household's move, drawn by an earlier step of the month
TO_FATHER_DAY = 6010  # the child's move to its father, drawn earlier by a later step
AS_AT = 6015  # between the two


def _person(sex: str, dob: int) -> Person:
    return Person(sex, dob, "Alex", "", "Doe", "british", 0.0)


def _child_moved_with_household_then_sent_to_father_on_an_earlier_day():
    state = CityState()
    mother = state.add_person(_person("F", -9000))
    father = state.add_person(_person("M", -9000))
    child = state.add_person(_person("F", 3000), mother, father)
    home = state.new_household(1, 0, "lone_parent", False)
    fathers_home = state.new_household(2, 0, "single_adult", False)
    state.join(mother, home, "head", 0)
    state.join(child, home, "child", 3000)
    state.join(father, fathers_home, "head", 0)
    moved = state.new_household(3, MOVE_DAY, "lone_parent", False, previous=home)
    state.join(mother, moved, "head", MOVE_DAY)
    state.join(child, moved, "child", MOVE_DAY)
    began = state.join(child, fathers_home, "child", TO_FATHER_DAY)
    return state, {"mother": mother, "father": father, "child": child}, began, home


def _residents_on(stays: pd.DataFrame, day: int) -> pd.DataFrame:
    return stays[(stays["from_day"] <= day) & (stays["to_day"] >= day)]


def test_a_child_sent_to_its_father_on_an_earlier_day_than_its_move_has_one_home_a_day():
    state, ids, began, _ = _child_moved_with_household_then_sent_to_father_on_an_earlier_day()
    stays = stays_frame(state)
    child_stays = stays[stays["person_id"] == ids["child"]]
    for day in range(3000, MOVE_DAY + 10):
        assert (_residents_on(child_stays, day)["person_id"] == ids["child"]).sum() == 1, day
    # The events keep their order: the move to the father follows the household's move.
    assert began == MOVE_DAY + 1
    assert child_stays["household_id"].tolist()[-1] == state.household[ids["father"]]


def test_the_absent_parent_rule_reads_one_home_per_child_on_the_as_at_date():
    state, ids, _, home = _child_moved_with_household_then_sent_to_father_on_an_earlier_day()
    residents = _residents_on(stays_frame(state), AS_AT).copy()
    residents["is_dependent"] = residents["person_id"] == ids["child"]
    world = SimpleNamespace(
        persons=pd.DataFrame({"mother_id": state.mother, "father_id": state.father})
    )
    indicators = pd.DataFrame({"person_id": [ids["father"]], "code": ["1A"]})
    # On the as-at date the child still lives with its mother: the father is an absent parent.
    assert absent_parent_problems(world, residents, indicators).to_dict() == {home: "crit_1"}
