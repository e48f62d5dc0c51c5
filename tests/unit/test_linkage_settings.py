"""The nightly run picks the newest saved linkage model, never its metadata file."""

from __future__ import annotations

from orchestration.linkage import settings


def test_newest_model_is_chosen_by_number_and_metadata_files_are_ignored(tmp_path, monkeypatch):
    monkeypatch.delenv("FAMILIES_LINKAGE_MODEL", raising=False)
    monkeypatch.setattr(settings, "MODELS_DIR", tmp_path)
    for name in ("v1.json", "v1.meta.json", "v2.json", "v10.json", "v10.meta.json"):
        (tmp_path / f"{settings.MODEL_PREFIX}{name}").write_text("{}")
    assert settings.model_path().name == f"{settings.MODEL_PREFIX}v10.json"
    assert settings.next_version() == "v11"


def _surname_level(label: str) -> str:
    surname = next(c for c in settings.COMPARISONS if c["output_column_name"] == "surname")
    return next(lv for lv in surname["comparison_levels"] if lv["label_for_charts"] == label)[
        "sql_condition"
    ]


def _holds(condition: str, left: tuple[str, str], right: tuple[str, str]) -> bool:
    import duckdb

    con = duckdb.connect()
    row = con.execute(
        # As standardise.py makes them: surname compacted, its parts and all names as lists.
        f"""WITH raw AS (SELECT ?::VARCHAR AS fl, ?::VARCHAR AS sl, ?::VARCHAR AS fr,
                                ?::VARCHAR AS sr)
            SELECT {condition} FROM (SELECT
                fl AS first_name_l, fr AS first_name_r,
                fl AS first_name_canonical_l, fr AS first_name_canonical_r,
                replace(sl, ' ', '') AS surname_l, replace(sr, ' ', '') AS surname_r,
                string_split(sl, ' ') AS surname_tokens_l,
                string_split(sr, ' ') AS surname_tokens_r,
                string_split(fl || ' ' || sl, ' ') AS name_tokens_l,
                string_split(fr || ' ' || sr, ' ') AS name_tokens_r FROM raw)""",
        [*left, *right],
    ).fetchone()
    return bool(row[0])


def test_one_shared_name_is_not_counted_as_both_first_name_and_surname():
    level = _surname_level("surname part found among the other record's names")
    # The other record's surname is this one's first name, and nothing else is shared:
    # the first-name comparison already counts that name.
    assert not _holds(level, ("thomas", "singh"), ("alexander", "thomas"))
    assert not _holds(level, ("thomas", "singh"), ("singh", "kaur"))
    # Swapped name order shares both names, exactly or closely.
    assert _holds(level, ("thomas", "singh"), ("singh", "thomas"))
    assert _holds(level, ("joanne", "foter"), ("foster", "joanne"))
    # A surname part with the same first name: a double-barrelled or changed surname.
    assert _holds(level, ("mary", "jones"), ("mary", "smith jones"))
    assert _holds(level, ("marie", "jones"), ("mary", "smith jones"))


def _dob_level(left: str, right: str) -> str:
    """The label of the first date-of-birth level two dates reach, as Splink evaluates them."""
    import duckdb

    dob = next(c for c in settings.COMPARISONS if c["output_column_name"] == "dob")
    cases = " ".join(
        f"WHEN {lv['sql_condition']} THEN '{lv['label_for_charts']}'"
        for lv in dob["comparison_levels"]
        if lv["sql_condition"] != "ELSE"
    )
    row = duckdb.connect().execute(
        f"""SELECT CASE {cases} ELSE 'else' END FROM (
                SELECT l AS dob_l, r AS dob_r, strftime(l, '%Y%m%d') AS dob_str_l,
                       strftime(r, '%Y%m%d') AS dob_str_r
                FROM (SELECT ?::DATE AS l, ?::DATE AS r))""",
        [left, right],
    ).fetchone()
    return row[0]


def test_a_generation_between_dates_of_birth_is_not_lumped_with_a_slipped_year_digit():
    slipped = "years differ by at most 9 (a wrong last digit of the year)"
    # A wrong last digit of the year with the day and month also mistyped.
    assert _dob_level("1977-03-12", "1979-08-21") == slipped
    assert _dob_level("1970-01-01", "1979-12-31") == slipped
    # A parent and a child: their own level, whose weight training learns.
    assert _dob_level("1977-03-12", "2000-05-02") == "else"
    assert _dob_level("1970-12-31", "1980-01-01") == "else"
    # The earlier levels keep what they caught.
    assert _dob_level("1977-03-12", "1987-03-12") == "one digit differs or day and month swapped"
    assert _dob_level("1977-03-12", "1977-12-03") == "one digit differs or day and month swapped"
    assert _dob_level("1977-03-12", "1978-01-20") == "within a year"
