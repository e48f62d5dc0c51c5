"""dbt as its users expect: every model described, every mart column described, every
staging model with a primary-key test. Reads the manifest `dbt parse` writes (rebuilt when
the project's files are newer), so a model added without YAML fails here."""

import json

import pytest

from orchestration.families.project import ensure_manifest


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text(encoding="utf-8"))


def _models(manifest: dict, layer: str | None = None) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and (layer is None or node["fqn"][1] == layer)
    ]


def undescribed_models(manifest: dict) -> list[str]:
    return sorted(n["name"] for n in _models(manifest) if not n["description"].strip())


def undescribed_columns(manifest: dict, layer: str) -> list[str]:
    return sorted(
        f"{node['name']}.{name}"
        for node in _models(manifest, layer)
        for name, column in node["columns"].items()
        if not column["description"].strip()
    )


def models_without_primary_key_test(manifest: dict, layer: str) -> list[str]:
    """Models of a layer with no column that has both a unique and a not_null test."""
    tested: dict[tuple[str, str], set[str]] = {}
    for node in manifest["nodes"].values():
        kind = (node.get("test_metadata") or {}).get("name")
        if node["resource_type"] != "test" or kind not in ("unique", "not_null"):
            continue
        for parent in node["depends_on"]["nodes"]:
            tested.setdefault((parent, node.get("column_name") or ""), set()).add(kind)
    keyed = {parent for (parent, _), kinds in tested.items() if kinds >= {"unique", "not_null"}}
    return sorted(n["name"] for n in _models(manifest, layer) if n["unique_id"] not in keyed)


def test_every_model_has_a_description(manifest):
    assert undescribed_models(manifest) == []


def test_every_column_of_a_mart_or_staging_model_is_documented(manifest):
    for layer in ("marts", "staging"):
        assert undescribed_columns(manifest, layer) == [], layer


def test_every_staging_model_has_a_primary_key_test(manifest):
    assert len(_models(manifest, "staging")) == 28
    assert models_without_primary_key_test(manifest, "staging") == []


def test_the_checks_name_what_is_missing():
    model = {
        "resource_type": "model",
        "fqn": ["families", "staging", "stg_x"],
        "name": "stg_x",
        "unique_id": "model.families.stg_x",
        "description": " ",
        "columns": {"record_id": {"description": ""}},
    }
    unique_only = {
        "resource_type": "test",
        "test_metadata": {"name": "unique"},
        "column_name": "record_id",
        "depends_on": {"nodes": ["model.families.stg_x"]},
    }
    manifest = {"nodes": {"m": model, "t": unique_only}}
    assert undescribed_models(manifest) == ["stg_x"]
    assert undescribed_columns(manifest, "staging") == ["stg_x.record_id"]
    assert models_without_primary_key_test(manifest, "staging") == ["stg_x"]


def test_every_model_has_a_group_with_an_owner_and_dagster_owners(manifest):
    groups = {g["name"]: g for g in manifest["groups"].values()}
    for node in _models(manifest):
        group = groups.get(node["group"] or "")
        assert group and group["owner"]["name"], node["name"]
        owners = node["meta"].get("dagster", {}).get("owners", [])
        assert owners and all(o.startswith("team:") or "@" in o for o in owners), node["name"]


def test_every_output_is_an_exposure_and_every_mart_feeds_one(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"eligible_families_csv", "families_explain", "iao_quality_reports"} <= set(exposures)
    raw_sources = {
        s["unique_id"] for s in manifest["sources"].values() if s["source_name"] == "raw"
    }
    assert set(exposures["iao_quality_reports"]["depends_on"]["nodes"]) == raw_sources
    exposed = {n for e in exposures.values() for n in e["depends_on"]["nodes"]}
    assert [m["name"] for m in _models(manifest, "marts") if m["unique_id"] not in exposed] == []
