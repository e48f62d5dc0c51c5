"""National identifiers with their real check rules: NHS number, UPN, NI number.

Generators are vectorised (numpy) and return unique values; validators are what tests and
quality checks call.
"""

from __future__ import annotations

import re

import numpy as np

NHS_WEIGHTS = np.arange(10, 1, -1)  # first nine digits weighted 10..2
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: I, O, S excluded
NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"  # D F I Q U V never first
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"  # D F I O Q U V never second
NI_BAD_PREFIXES = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit; None when the remainder makes the number invalid (check 10)."""
    total = sum(int(c) * w for c, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_valid_nhs_number(value: str) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{10}", value):
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


def generate_nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """n unique valid NHS numbers in the English range 400 000 000 0 - 499 999 999 9."""
    draw = max(n * 2 + 100, 1000)
    stems = rng.choice(100_000_000, size=draw, replace=False) + 400_000_000
    digits = (stems[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits * NHS_WEIGHTS).sum(axis=1) % 11
    check = np.where(check == 11, 0, check)
    ok = check != 10
    numbers = stems[ok] * 10 + check[ok]
    return np.array([str(x) for x in numbers[:n]], dtype=object)


def upn_check_letter(body12: str) -> str:
    """DfE check letter for characters 2-13: weights 2..13, remainder mod 23 indexes the letters."""
    total = 0
    for position, char in enumerate(body12, start=2):
        value = int(char) if char.isdigit() else UPN_LETTERS.index(char)
        total += value * position
    return UPN_LETTERS[total % 23]


def is_valid_upn(value: str) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", value):
        return False
    if not value[-1].isdigit() and value[-1] not in UPN_LETTERS:
        return False
    return upn_check_letter(value[1:]) == value[0]


def make_upn(la: str, estab: str, year2: str, serial: int, temporary: bool = False) -> str:
    """A UPN; temporary UPNs end in a letter (allocated before the permanent one is known)."""
    serial_text = f"{serial % 1000:03d}"
    if temporary:
        serial_text = serial_text[:2] + UPN_LETTERS[serial % 23]
    body = f"{la}{estab}{year2}{serial_text}"
    return upn_check_letter(body) + body


def is_valid_ni_number(value: str) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", value):
        return False
    prefix = value[:2]
    return prefix[0] in NI_FIRST and prefix[1] in NI_SECOND and prefix not in NI_BAD_PREFIXES


def is_temporary_ni_number(value: str) -> bool:
    """DWP temporary references: TN + date of birth ddmmyy + M/F."""
    return isinstance(value, str) and re.fullmatch(r"TN\d{6}[MF]", value) is not None


def generate_ni_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """n unique NI numbers that follow the allocation rules (prefix letters, suffix A-D)."""
    prefixes = [a + b for a in NI_FIRST for b in NI_SECOND if a + b not in NI_BAD_PREFIXES]
    space = len(prefixes) * 1_000_000
    codes = rng.choice(space, size=n, replace=False)
    suffixes = rng.integers(0, 4, size=n)
    out = np.empty(n, dtype=object)
    for i, (code, suffix) in enumerate(zip(codes.tolist(), suffixes.tolist(), strict=True)):
        out[i] = f"{prefixes[code // 1_000_000]}{code % 1_000_000:06d}{'ABCD'[suffix]}"
    return out
