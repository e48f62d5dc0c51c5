"""Pure pieces of the generator: calibration, error helpers, layouts and contracts."""

import numpy as np
import yaml

from orchestration.synth.calibrate import logistic_probabilities, rates_for_any_event
from orchestration.synth.errors import _swap_day_month, typo
from orchestration.synth.layouts import LAYOUTS
from orchestration.synth.names import feminine_polish, name_lists, strip_diacritics
from orchestration.synth.render_contracts import expected_files


def test_logistic_intercept_is_solved_to_the_target_mean():
    score = np.random.default_rng(0).normal(size=10_000) * 1.6
    p = logistic_probabilities(score, 0.037)
    assert abs(p.mean() - 0.037) < 1e-6
    # Higher vulnerability means higher probability: problems cluster.
    assert p[score > 1].mean() > 5 * p[score < -1].mean()


def test_any_event_rates_hit_the_share_with_at_least_one_event():
    lam = rates_for_any_event(np.random.default_rng(1).normal(size=5000), 0.02)
    assert abs(np.mean(1 - np.exp(-lam)) - 0.02) < 1e-6


def test_typo_is_a_single_small_edit():
    rng = np.random.default_rng(3)
    for name in ["Robertson", "Okonkwo", "Nowak", "Li"]:
        out = typo(name, rng)
        assert out != name or len(name) < 3
        assert abs(len(out) - len(name)) <= 1


def test_day_month_swap_swaps():
    day = (np.datetime64("1990-03-07") - np.datetime64("1970-01-01")).astype(int)
    swapped = _swap_day_month(np.array([day]))
    assert str(np.datetime64(int(swapped[0]), "D")) == "1990-07-03"


def test_polish_surnames_agree_with_sex_and_lose_diacritics_in_cp1252():
    assert feminine_polish("Kowalski") == "Kowalska"
    assert strip_diacritics("Łukasz Wiśniewski") == "Lukasz Wisniewski"
    "Lukasz".encode("cp1252")


def test_every_origin_group_has_names_and_british_surnames_carry_frequencies():
    lists = name_lists()
    assert {
        "british",
        "irish",
        "polish",
        "south_asian_muslim",
        "somali",
        "caribbean",
        "chinese",
        "arabic",
    } <= set(lists)
    for origin, groups in lists.items():
        assert len(groups["M"].names) >= 10 and len(groups["F"].names) >= 10, origin


def test_contract_files_on_disk_are_rendered_from_the_layouts():
    for path, text in expected_files().items():
        assert path.exists(), (
            f"missing contract {path}: run python -m orchestration.synth.render_contracts"
        )
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: re-render the contracts"


def test_contracts_follow_the_architecture_schema():
    assert len(LAYOUTS) == 26
    allowed_kinds = {
        "name",
        "date_of_birth",
        "nhs_number",
        "upn",
        "ni_number",
        "address",
        "postcode",
        "local_ref",
        "other",
    }
    for path, text in expected_files().items():
        doc = yaml.safe_load(text)
        if path.name == "deny_list.yml":
            assert {c["category"] for c in doc["categories"]} == {
                "adoption",
                "health_case_notes",
                "legal_proceedings_against_staff",
            }
            continue
        if path.name == "programme.yml":
            assert doc["end_date"] == "2020-03-31"
            continue
        assert doc["retention"]["start"] in ("programme_end", "extract_date"), path
        names = [c["name"] for c in doc["columns"]]
        assert len(names) == len(set(names)), path
        assert set(doc["primary_key"]) <= set(names) and set(doc["person_key"]) <= set(names), path
        assert doc["extract"]["kind"] in ("delta", "snapshot")
        assert doc["file"]["encoding"] in ("utf-8", "utf-8-sig", "cp1252")
        for c in doc["columns"]:
            assert c["type"] in ("string", "integer", "decimal", "date", "datetime", "boolean")
            if c["personal_identifier"]:
                assert c["identifier_kind"] in allowed_kinds
            if c["type"] in ("date", "datetime"):
                assert "format" in c


def test_census_days_are_the_dfe_thursdays_the_platform_dates_census_records_by():
    import datetime as dt

    from orchestration.synth import config

    # First Thursday of October; third Thursday of January and of May (dbt macro census_day).
    assert config.census_day("2015/16", "AUT") == dt.date(2015, 10, 1)
    assert config.census_day("2015/16", "SPR") == dt.date(2016, 1, 21)
    assert config.census_day("2015/16", "SUM") == dt.date(2016, 5, 19)
    assert config.census_day("2013/14", "AUT") == dt.date(2013, 10, 3)
    for year, term, start, end in config.TERMS:
        day = config.census_day(year, term)
        assert day.weekday() == 3 and start <= day <= end


def test_a_duplicate_reference_is_planted_on_the_later_record_by_date_not_file_order():
    from orchestration.synth.errors import _rank_by_day_within_person

    person = np.array([5, 3, 5, 3, 5])
    day = np.array([30, 10, 10, 5, 20])
    assert _rank_by_day_within_person(person, day).tolist() == [2, 1, 0, 0, 1]
    same_day = _rank_by_day_within_person(np.array([1, 1]), np.array([7, 7]))
    assert same_day.tolist() == [0, 1]
