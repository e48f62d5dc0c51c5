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
