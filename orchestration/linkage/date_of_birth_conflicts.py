"""Profiles whose dates of birth say they are different people, though linked into one person.

Two dates ten or more years apart that are not one slipped digit (the "all other
comparisons" level of settings.py's date-of-birth comparison) are beyond any transcription
error the model allows for: typically a parent and a child with one first name and surname
at one address. The model cannot learn how strong that evidence is: its training blocks that
leave the date of birth free are blocks on identifiers, whose pairs never differ so much, so
the level keeps an untrained m probability, and agreement on both names and the address
outweighs it (v2 linked such pairs at probability 0.999). One slip is exempt however many
years it spans: a date whose day, month and year within the century agree (a two-digit year
read in the wrong century, 1918 for 2018). Like differing strong identifiers
(identifier_conflicts.py) such pairs become cannot-link constraints; a reviewer's "match"
still overrides them.

The rule holds only where the data say so. Some sources replace a date of birth outright (a
parent's date on a child's record, a default typed in): in the FEBRL benchmark files 3.5% of
true pairs have dates a generation apart, and there the rule split 4% of true links (F1
0.9964 to 0.980). So it applies only when the model's own training found such dates among
true matches rarely or never: the "further apart" level's m probability is untrained (never
observed among the identifier-sharing pairs the nightly model trains on) or learnt below
MAX_SHARE_OF_TRUE_MATCHES. A model learnt from files that carry such errors weighs them itself.
"""

from __future__ import annotations

import duckdb

from orchestration.linkage.settings import UNTRAINED_M_PROBABILITY

# Must agree with the date-of-birth levels in settings.py: a year apart by at most this much
# is a wrong last digit of the year, which the model weighs itself.
MAX_YEARS_OF_A_SLIPPED_DIGIT = 9

# Below this share of true matches with dates a generation apart, a date of birth is reliable
# enough for such a gap to mean two people (FEBRL: 0.035; the city's agencies: never seen).
MAX_SHARE_OF_TRUE_MATCHES = 0.005


def generation_gap_means_two_people(model: dict) -> bool:
    """Whether `model` (Splink settings with trained m probabilities) learnt that true matches
    (nearly) never have dates of birth further apart than a slipped digit allows: the m
    probability of the date-of-birth comparison's last level ("all other comparisons") is
    untrained or below MAX_SHARE_OF_TRUE_MATCHES. False for a model without that comparison."""
    for comparison in model.get("comparisons", []):
        if comparison.get("output_column_name") != "dob":
            continue
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        m = levels[-1].get("m_probability")
        return m is not None and (m == UNTRAINED_M_PROBABILITY or m < MAX_SHARE_OF_TRUE_MATCHES)
    return False


def date_of_birth_conflicts(
    con: duckdb.DuckDBPyConnection, profiles_table: str, roots_table: str
) -> list[tuple[int, int]]:
    """Profile pairs in one component (`roots_table`: unique_id, root) whose dates of birth
    are both present, more than MAX_YEARS_OF_A_SLIPPED_DIGIT years apart, not one digit
    apart and not the same date in another century."""
    years = MAX_YEARS_OF_A_SLIPPED_DIGIT
    rows = con.execute(
        f"""
        WITH members AS (
            SELECT r.root, p.unique_id, p.dob, p.dob_str
            FROM {roots_table} r JOIN {profiles_table} p USING (unique_id)
            WHERE p.dob IS NOT NULL
        ),
        -- Only components whose dates span more than that can hold such a pair: the
        -- pairwise join stays small whatever the size of the city.
        suspect AS (
            SELECT root FROM members GROUP BY root
            HAVING max(year(dob)) - min(year(dob)) > {years}
        ),
        candidates AS (SELECT * FROM members SEMI JOIN suspect USING (root))
        SELECT a.unique_id, b.unique_id
        FROM candidates a JOIN candidates b
          ON a.root = b.root AND a.unique_id < b.unique_id
        WHERE abs(year(a.dob) - year(b.dob)) > {years}
          AND damerau_levenshtein(a.dob_str, b.dob_str) > 1
          AND NOT (strftime(a.dob, '%y-%m-%d') = strftime(b.dob, '%y-%m-%d'))
        ORDER BY 1, 2
        """
    ).fetchall()
    return [(int(a), int(b)) for a, b in rows]
