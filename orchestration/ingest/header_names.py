"""Header names as a reader sees them, for the deny list: disguises stripped before matching.

A column named with a zero-width space, a soft hyphen, Cyrillic or Greek letters that look
Latin, full-width letters or letters split by separators (`A_D_O_P_T_I_O_N`) reads as
"Adoption" to a person and must read so to the deny list too (issue 14: all of these
passed a plain lower-case match).
"""

from __future__ import annotations

import re
import unicodedata

# Letters of other scripts drawn like Latin ones (after case-folding), from Unicode's
# confusables list (confusables.txt), limited to the Cyrillic and Greek lower case that a
# header could use to pass for English.
_LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "с": "c",
        "ԁ": "d",
        "е": "e",
        "ё": "e",
        "һ": "h",
        "н": "h",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "к": "k",
        "ӏ": "l",
        "м": "m",
        "п": "n",
        "о": "o",
        "р": "p",
        "ԛ": "q",
        "г": "r",
        "ѕ": "s",
        "т": "t",
        "ц": "u",
        "ѵ": "v",
        "ԝ": "w",
        "х": "x",
        "у": "y",
        "з": "3",
        # Greek
        "α": "a",
        "β": "b",
        "ϲ": "c",
        "δ": "d",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "ϳ": "j",
        "κ": "k",
        "μ": "u",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "σ": "o",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "ζ": "z",
        # Latin letters that pass for others
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "ß": "ss",
    }
)
# Categories that print nothing or only decorate: format (zero-width space, joiners, soft
# hyphen, bidirectional marks, BOM), controls, and combining marks (accents added to a letter).
_INVISIBLE = {"Cf", "Cc", "Mn", "Me"}
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def readable_form(header_name: str) -> str:
    """Lower-case ASCII-like letters and digits, words joined by "_": what a person reads.

    'Adoption Order Date', 'adoption-order\u200bdate' and 'Аdoption_Order_Date' (Cyrillic А)
    all give 'adoption_order_date'.
    """
    text = unicodedata.normalize("NFKC", header_name).casefold()
    # NFKD splits accented letters so their accents drop out with the other marks.
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", text)
        if unicodedata.category(ch) not in _INVISIBLE
    )
    text = text.translate(_LOOK_ALIKES)
    return _SEPARATORS.sub("_", text).strip("_")


def forms_to_match(header_name: str) -> tuple[str, str]:
    """The readable form, and the same without any separator (`a_d_o_p_t_i_o_n` is read as
    'adoption'): a deny pattern matching either form denies the column."""
    readable = readable_form(header_name)
    return readable, readable.replace("_", "")
