"""Check digits and formats of the national identifiers the synthetic city issues."""

import numpy as np

from orchestration.synth.identifiers import (
    generate_nhs_numbers,
    generate_ni_numbers,
    is_temporary_ni_number,
    is_valid_nhs_number,
    is_valid_ni_number,
    is_valid_upn,
    make_upn,
    nhs_check_digit,
    upn_check_letter,
)


def test_published_nhs_number_example_is_valid_and_a_changed_digit_is_not():
    # 943 476 5919 is the NHS Digital worked example of a valid number.
    assert nhs_check_digit("943476591") == 9
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
    assert not is_valid_nhs_number("943476591")


def test_generated_nhs_numbers_are_unique_and_pass_modulus_11():
    numbers = generate_nhs_numbers(np.random.default_rng(1), 5000)
    assert len(set(numbers)) == 5000
    assert all(is_valid_nhs_number(n) for n in numbers)


def test_upn_check_letter_follows_the_dfe_rule():
    # Weights 2..13 on characters 2-13, remainder mod 23 into A-Z without I, O, S.
    body = "801200114001"
    total = sum(int(c) * w for c, w in zip(body, range(2, 14), strict=True))
    assert upn_check_letter(body) == "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23]
    upn = make_upn("801", "2001", "14", 1)
    assert upn == upn_check_letter(body) + body
    assert is_valid_upn(upn)
    corrupted = upn[:5] + str((int(upn[5]) + 1) % 10) + upn[6:]
    assert not is_valid_upn(corrupted)


def test_temporary_upn_ends_in_a_letter_and_is_still_check_lettered():
    upn = make_upn("801", "9001", "16", 42, temporary=True)
    assert upn[-1].isalpha()
    assert is_valid_upn(upn)


def test_ni_numbers_follow_allocation_rules():
    numbers = generate_ni_numbers(np.random.default_rng(2), 3000)
    assert len(set(numbers)) == 3000
    assert all(is_valid_ni_number(n) for n in numbers)
    assert not is_valid_ni_number("GB123456A")  # never allocated
    assert not is_valid_ni_number("QQ123456C")  # Q never first
    assert not is_valid_ni_number("AB123456E")  # suffix A-D only
    assert is_temporary_ni_number("TN010203F")
