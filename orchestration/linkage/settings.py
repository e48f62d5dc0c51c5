"""The person-linkage model as plain data: comparisons, blocking rules, thresholds.

Columns refer to the standardised fields made by standardise.py. Splink reads this dict
directly (its JSON settings format), so what is written here is exactly what runs, and the
trained model saved under models/ is this dict plus estimated m and u probabilities.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MODELS_DIR = Path(__file__).with_name("models")
MODEL_PREFIX = "person_linkage_"


def _null(col: str) -> dict:
    return {
        "sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL',
        "label_for_charts": f"{col} missing",
        "is_null_level": True,
    }


def _level(sql: str, label: str, tf_column: str | None = None) -> dict:
    level = {"sql_condition": sql, "label_for_charts": label}
    if tf_column:
        # Agreement on a rare name is stronger evidence than on a common one.
        level["tf_adjustment_column"] = tf_column
        level["tf_adjustment_weight"] = 1.0
    return level


def _else() -> dict:
    return {"sql_condition": "ELSE", "label_for_charts": "all other comparisons"}


def _identifier(col: str, description: str) -> dict:
    return {
        "output_column_name": col,
        "comparison_description": description,
        "comparison_levels": [
            _null(col),
            _level(f'"{col}_l" = "{col}_r"', "exact"),
            # One mistyped or transposed character in a keyed identifier.
            # Priors for a level that training data may never show (kept if unobserved).
            {
                **_level(
                    f'damerau_levenshtein("{col}_l", "{col}_r") <= 1', "one character differs"
                ),
                "m_probability": 0.02,
                "u_probability": 0.0001,
            },
            _else(),
        ],
    }


COMPARISONS = [
    {
        "output_column_name": "first_name",
        "comparison_description": "First given name, standardised",
        "comparison_levels": [
            _null("first_name"),
            _level('"first_name_l" = "first_name_r"', "exact", "first_name"),
            _level(
                '"first_name_canonical_l" = "first_name_canonical_r"',
                "same after nicknames and variants (Bill/William, Mohamed/Muhammad)",
                "first_name_canonical",
            ),
            _level('jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.92', "JW >= 0.92"),
            # One slip in a short name ("Jun"/"Jvn", "Lan"/"Lna"), which Jaro-Winkler scores
            # low because short strings have few characters to agree on.
            _level(
                'damerau_levenshtein("first_name_l", "first_name_r") <= 1',
                "one letter differs or two swapped",
            ),
            # Given name recorded elsewhere in the other record: "Muhammad Ali" vs "Ali",
            # surname-first Chinese names, Somali three-part names in another order.
            _level(
                'list_contains("name_tokens_r", "first_name_l") '
                'OR list_contains("name_tokens_l", "first_name_r")',
                "first name found among the other record's names",
            ),
            # Short forms not in the nickname list: Debs/Deborah, Emeka/Chukwuemeka.
            _level(
                'least(length("first_name_l"), length("first_name_r")) >= 3 AND ('
                'starts_with("first_name_l", "first_name_r") '
                'OR starts_with("first_name_r", "first_name_l") '
                'OR ends_with("first_name_l", "first_name_r") '
                'OR ends_with("first_name_r", "first_name_l"))',
                "one name begins or ends the other",
            ),
            _level('jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.8', "JW >= 0.8"),
            _else(),
        ],
    },
    {
        "output_column_name": "middle_names",
        "comparison_description": "Middle names, standardised",
        "comparison_levels": [
            _null("middle_names"),
            _level('"middle_names_l" = "middle_names_r"', "exact"),
            _level(
                "split_part(\"middle_names_l\", ' ', 1) = split_part(\"middle_names_r\", ' ', 1)"
                ' OR jaro_winkler_similarity("middle_names_l", "middle_names_r") >= 0.9',
                "first middle name or close",
            ),
            _else(),
        ],
    },
    {
        "output_column_name": "surname",
        "comparison_description": "Surname, standardised and compacted",
        "comparison_levels": [
            _null("surname"),
            _level('"surname_l" = "surname_r"', "exact", "surname"),
            _level(
                '"surname_root_l" = "surname_root_r" '
                'OR jaro_winkler_similarity("surname_l", "surname_r") >= 0.92',
                "same root (Kowalski/Kowalska) or JW >= 0.92",
            ),
            # Double-barrelled or changed surnames, and swapped name order. When the first
            # names disagree, the shared surname part must not be the only name the two
            # records share: otherwise one token ("Thomas Singh" / "Alexander Thomas") would
            # count twice, as first-name evidence ("first name found among the other
            # record's names") and as surname evidence, and two people with one date of
            # birth would pass for one. A true swap ("Thomas Singh" / "Singh Thomas")
            # shares two names, or two close ones.
            _level(
                '(list_has_any("surname_tokens_l", "name_tokens_r") '
                'OR list_has_any("surname_tokens_r", "name_tokens_l")) '
                'AND ("first_name_l" IS NULL OR "first_name_r" IS NULL '
                'OR "first_name_canonical_l" = "first_name_canonical_r" '
                'OR jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.8 '
                'OR len(list_distinct(list_intersect("name_tokens_l", "name_tokens_r"))) >= 2 '
                # Swapped order with a typo in one part ("Joanne Foter" / "Foster Joanne").
                'OR (jaro_winkler_similarity("first_name_l", "surname_r") >= 0.9 '
                'AND jaro_winkler_similarity("surname_l", "first_name_r") >= 0.9))',
                "surname part found among the other record's names",
            ),
            _level('jaro_winkler_similarity("surname_l", "surname_r") >= 0.8', "JW >= 0.8"),
            _else(),
        ],
    },
    {
        "output_column_name": "dob",
        "comparison_description": "Date of birth",
        "comparison_levels": [
            _null("dob"),
            _level('"dob_l" = "dob_r"', "exact"),
            _level(
                'damerau_levenshtein("dob_str_l", "dob_str_r") <= 1 OR ('
                'year("dob_l") = year("dob_r") AND month("dob_l") = day("dob_r") '
                'AND day("dob_l") = month("dob_r"))',
                "one digit differs or day and month swapped",
            ),
            # Systems that need a date record 1 January when only the year is known.
            _level(
                'year("dob_l") = year("dob_r") AND ((month("dob_l") = 1 AND day("dob_l") = 1) '
                'OR (month("dob_r") = 1 AND day("dob_r") = 1))',
                "same year, one date a 1 January stand-in",
            ),
            _level('abs(datediff(\'day\', "dob_l", "dob_r")) <= 366', "within a year"),
            # A wrong last digit of the year moves it by at most 9 years, whatever else in
            # the date slipped with it. A gap of ten years or more needs a wrong decade or
            # century digit, which on its own is the "one digit differs" level: with more
            # slips on top it is likelier two people, a parent and a child among them. Kept
            # apart from the else level so training can weigh "a generation apart" as the
            # strong evidence of two people it is, rather than as a near miss.
            _level(
                'abs(year("dob_l") - year("dob_r")) <= 9',
                "years differ by at most 9 (a wrong last digit of the year)",
            ),
            _else(),
        ],
    },
    {
        "output_column_name": "sex",
        "comparison_description": "Sex (M/F; U treated as missing)",
        "comparison_levels": [_null("sex"), _level('"sex_l" = "sex_r"', "exact"), _else()],
    },
    {
        "output_column_name": "postcode",
        "comparison_description": "Postcode",
        "comparison_levels": [
            _null("postcode"),
            _level('"postcode_l" = "postcode_r"', "exact"),
            _level('"postcode_sector_l" = "postcode_sector_r"', "same sector"),
            _level('"postcode_district_l" = "postcode_district_r"', "same district"),
            _else(),
        ],
    },
    {
        "output_column_name": "uprn",
        "comparison_description": "UPRN of the matched address (confident matches only)",
        "comparison_levels": [_null("uprn"), _level('"uprn_l" = "uprn_r"', "exact"), _else()],
    },
    _identifier("nhs_number", "NHS number"),
    _identifier("upn", "Unique pupil number"),
    _identifier("ni_number", "National Insurance number"),
]

# The address as written (address_text.py), for `families link` files that have no UPRN:
# learnt models include it when a file fills it; the nightly model compares UPRNs instead.
ADDRESS_TEXT_COMPARISON = {
    "output_column_name": "address_text",
    "comparison_description": "Address as written (letters and digits)",
    "comparison_levels": [
        _null("address_text"),
        _level('"address_text_l" = "address_text_r"', "exact"),
        _level(
            'damerau_levenshtein("address_text_l", "address_text_r") <= 2',
            "one or two letters differ",
        ),
        _level(
            "len(list_intersect(string_split(\"address_text_l\", ' '), "
            "string_split(\"address_text_r\", ' '))) * 2 >= least("
            "len(string_split(\"address_text_l\", ' ')), "
            "len(string_split(\"address_text_r\", ' ')))",
            "half the words or more shared",
        ),
        _else(),
    ],
}

# A postcode kept as written because it is not a UK one (address_text.py).
POSTCODE_TEXT_COMPARISON = {
    "output_column_name": "postcode_text",
    "comparison_description": "Postcode as written (not a UK postcode)",
    "comparison_levels": [
        _null("postcode_text"),
        _level('"postcode_text_l" = "postcode_text_r"', "exact"),
        _level('damerau_levenshtein("postcode_text_l", "postcode_text_r") <= 1', "one slip"),
        _else(),
    ],
}
OPTIONAL_COMPARISONS = (ADDRESS_TEXT_COMPARISON, POSTCODE_TEXT_COMPARISON)

# Blocking rules for prediction: a pair is scored if any rule holds. Chosen by measured
# blocking recall (evaluation.blocking_recall; figures in the README of this folder): each
# rule catches true pairs the others miss (identifiers for name changes, names for missing
# or mistyped dates of birth, address for moved-in records with typos in names).
BLOCKING_RULES = [
    'l."nhs_number" = r."nhs_number"',
    'l."upn" = r."upn"',
    'l."ni_number" = r."ni_number"',
    'l."dob" = r."dob" AND l."first_name_canonical" = r."first_name_canonical"',
    'l."dob" = r."dob" AND l."surname_root" = r."surname_root"',
    'l."dob" = r."dob" AND l."postcode" = r."postcode"',
    # Name order swapped between systems (surname-first Chinese names, Somali names).
    'l."dob" = r."dob" AND (l."first_name" = r."surname" OR l."surname" = r."first_name")',
    # Same name with a mistyped date of birth: year kept, or day and month kept, or place.
    # Name alone is too coarse: the city's commonest names give millions of pairs.
    'l."first_name_canonical" = r."first_name_canonical" AND l."surname_root" = r."surname_root"'
    ' AND year(l."dob") = year(r."dob")',
    'l."first_name_canonical" = r."first_name_canonical" AND l."surname_root" = r."surname_root"'
    ' AND right(l."dob_str", 4) = right(r."dob_str", 4)',
    'l."first_name_canonical" = r."first_name_canonical" AND l."surname_root" = r."surname_root"'
    ' AND l."postcode_district" = r."postcode_district"',
    'l."uprn" = r."uprn" AND left(l."first_name", 1) = left(r."first_name", 1)',
]

# Training only: how EM sees pairs, and how the prior is estimated.
TRAINING_DETERMINISTIC_RULES = [
    'l."nhs_number" = r."nhs_number"',
    'l."upn" = r."upn"',
    'l."ni_number" = r."ni_number"',
    'l."first_name" = r."first_name" AND l."surname" = r."surname" AND l."dob" = r."dob"',
]
TRAINING_DETERMINISTIC_RECALL = 0.8
# Each EM pass fixes the fields in its rule and estimates the others; between them every
# field is estimated. Pairs sharing an NHS number or UPN are nearly all true matches, so they
# teach how often a true match's date of birth, postcode or name disagrees; a name-only block
# would not (a parent and child with one name at one address would pass for a match:
# measured on the demo city, adding a pass on both names moved the weight of dates of birth
# a generation apart from -6.1 to -4.4 bits). So the date-of-birth levels beyond one slipped
# digit are never observed in training and keep UNTRAINED_M_PROBABILITY; the pairs they
# cannot separate are kept apart by date_of_birth_conflicts.py. Rules are narrow (no
# postcode-only block: one placeholder postcode or hostel gives tens of millions of pairs)
# so a city of half a million people trains quickly.
TRAINING_EM_BLOCKING_RULES = [
    'l."nhs_number" = r."nhs_number"',
    'l."upn" = r."upn"',
    'l."dob" = r."dob" AND left(l."surname", 1) = left(r."surname", 1)',
    'l."dob" = r."dob" AND l."first_name_canonical" = r."first_name_canonical"',
]
# A pair scored at or below this match weight (Bayes factor 1/1024 after the prior) is
# taken as two different people (conflicts.py): no chain of links may put them in one cluster. It is
# measured on the run's rescaled prior, so in a large city it also catches pairs with some
# evidence for a match. Measured at 200,000 households with model v2: judging conflicts on
# the prior as trained instead halved them (66k against 120k), and pairwise precision fell
# from 0.9964 to 0.9876 while recall rose only from 0.9981 to 0.9993.
CONFLICT_MATCH_WEIGHT = -10.0

# m probability for a level training never saw (e.g. disagreeing NI numbers): rare in true
# matches, but not impossible, so not a veto.
UNTRAINED_M_PROBABILITY = 0.01
TRAINING_U_MAX_PAIRS = 5e6
TRAINING_SEED = 20150901

# Columns the model needs from standardise.py (beyond unique_id).
MODEL_COLUMNS = (
    "first_name",
    "first_name_canonical",
    "middle_names",
    "surname",
    "surname_root",
    "surname_tokens",
    "name_tokens",
    "dob",
    "dob_str",
    "sex",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "uprn",
    "nhs_number",
    "upn",
    "ni_number",
)
# Model columns a standardised table may carry beyond MODEL_COLUMNS (only `families link`
# files do): in a profile's key and columns when the table has them.
OPTIONAL_MODEL_COLUMNS = ("address_text", "postcode_text")


def base_settings() -> dict:
    """The untrained Splink settings dict (dedupe over all sources' records together)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-5,
        "comparisons": COMPARISONS,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule} for rule in BLOCKING_RULES
        ],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": [],
        "max_iterations": 20,
        "em_convergence": 0.0001,
    }


# Which pairs in the review band are queued. "uncertain_joins": in each person the run made
# that holds band pairs, the weakest such pair (a reviewer's "not a match" splits it). "all":
# also every band pair left in different persons (a "match" would merge two). Measured on
# the demo city (accuracy.json, precision_by_probability_band, model v2): band pairs left in
# different persons were truly one person in 1 case of 353, and 15 of the 61 queued pairs
# were two people. At 200,000 households the band holds 195,788 pairs (245,000 with v1) and
# the default queue 36,099 (587 of them two people); band pairs left in different persons
# are truly one person in 5-15% of cases there, which scope "all" would put to reviewers.
REVIEW_SCOPES = ("uncertain_joins", "all")


@dataclass(frozen=True)
class LinkageThresholds:
    """Where pairs are linked and which go to clerical review (match probabilities)."""

    link: float = 0.9
    review_low: float = 0.5
    review_high: float = 0.97
    review_scope: str = "uncertain_joins"

    def __post_init__(self):
        if self.review_scope not in REVIEW_SCOPES:
            raise ValueError(f"review scope must be one of {REVIEW_SCOPES}")

    @classmethod
    def from_env(cls) -> LinkageThresholds:
        """Defaults, overridable with FAMILIES_LINK_THRESHOLD, FAMILIES_REVIEW_BAND=lo,hi and
        FAMILIES_REVIEW_SCOPE=uncertain_joins|all."""
        link = float(os.environ.get("FAMILIES_LINK_THRESHOLD", cls.link))
        scope = os.environ.get("FAMILIES_REVIEW_SCOPE", cls.review_scope)
        band = os.environ.get("FAMILIES_REVIEW_BAND")
        if band:
            low, high = (float(v) for v in band.split(","))
            return cls(link=link, review_low=low, review_high=high, review_scope=scope)
        return cls(link=link, review_scope=scope)


def model_path(version: str | None = None) -> Path:
    """The saved model for `version` (e.g. "v2"), or the one the nightly run uses.

    FAMILIES_LINKAGE_MODEL may name a file; otherwise the highest version in models/.
    """
    if version:
        return MODELS_DIR / f"{MODEL_PREFIX}{version}.json"
    env = os.environ.get("FAMILIES_LINKAGE_MODEL")
    if env:
        return Path(env)
    versions = saved_model_versions()
    if not versions:
        raise FileNotFoundError(
            f"No trained linkage model in {MODELS_DIR}: run `families train-linkage` first."
        )
    return versions[max(versions)]


def saved_model_versions() -> dict[int, Path]:
    """Saved models by version number: `person_linkage_v<N>.json` (not their .meta.json)."""
    versions = {}
    for path in MODELS_DIR.glob(f"{MODEL_PREFIX}v*.json"):
        number = path.stem.removeprefix(f"{MODEL_PREFIX}v")
        if number.isdigit():
            versions[int(number)] = path
    return versions


def next_version() -> str:
    """The version label after the newest saved model (v1 when there is none)."""
    return f"v{max(saved_model_versions(), default=0) + 1}"
