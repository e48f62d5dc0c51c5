"""The deny list reads a header as a person would: disguised excluded categories are refused,
and no column any contract declares is."""

from __future__ import annotations

import pytest

from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.ingest.header_names import readable_form

DISGUISED = {
    "zero-width space": ("Adop\u200btion Date", "adoption"),
    "soft hyphen": ("Adop\u00adtion", "adoption"),
    "word joiner and bidi mark": ("adop\u2060ti\u200eon_order", "adoption"),
    "Cyrillic a and o": ("\u0410d\u043eption", "adoption"),
    "Cyrillic C and a in Case": ("\u0421\u0430se Notes", "health_case_notes"),
    "Greek omicron": ("Clinical N\u03bftes", "health_case_notes"),
    "full-width letters": ("\uff21\uff44\uff4f\uff50\uff54\uff49\uff4f\uff4e", "adoption"),
    "letters split by underscores": ("A_D_O_P_T_I_O_N", "adoption"),
    "letters split by dots and spaces": ("c.a.s.e n.o.t.e.s", "health_case_notes"),
    "combining accent": ("Ado\u0301ption", "adoption"),
    "mixed disguises": ("\uff33taff\u200b-\u0422ribunal", "legal_proceedings_against_staff"),
}


@pytest.mark.parametrize("disguise", list(DISGUISED))
def test_disguised_excluded_category_is_still_denied(disguise):
    header, category = DISGUISED[disguise]
    found = load_deny_list().matches(["person_ref", header, "event_date"])
    assert [(column, c.name) for column, c in found] == [(header, category)]


def test_readable_form_joins_words_with_one_underscore():
    assert readable_form(" Adoption\u00a0Order--Date ") == "adoption_order_date"
    assert readable_form("\u0410doption_Order_Date") == "adoption_order_date"


def test_no_column_a_contract_declares_is_denied():
    deny = load_deny_list()
    for table, contract in load_contracts().items():
        assert deny.matches(list(contract.column_names)) == [], table
