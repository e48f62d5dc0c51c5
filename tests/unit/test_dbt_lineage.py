"""Staging is the same every run: it reads only its source, and no run parameter (the as-at
date, the rule set) reaches it, so lineage reads left to right and a run for a past date
never has to re-create staging. The as-at date is applied in intermediate models only."""

import json
import re

import pytest

from orchestration.families.project import ensure_manifest

AS_AT_MACROS = {"rows_as_at", "latest_snapshot_as_at", "is_known_version"}
_VAR_CALL = re.compile(r"\bvar\s*\(")


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text(encoding="utf-8"))


def _models(manifest: dict, layer: str) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == layer
    ]


def macros_reading_vars(manifest: dict, macro_ids: list[str]) -> set[str]:
    """The macros among `macro_ids`, and those they call in turn, whose code calls var()."""
    found, seen, todo = set(), set(), list(macro_ids)
    while todo:
        macro_id = todo.pop()
        if macro_id in seen or macro_id not in manifest["macros"]:
            continue
        seen.add(macro_id)
        macro = manifest["macros"][macro_id]
        if macro["package_name"] == manifest["metadata"].get("project_name", "families") and (
            _VAR_CALL.search(macro["macro_sql"])
        ):
            found.add(macro["name"])
        todo.extend(macro["depends_on"]["macros"])
    return found


def test_staging_reads_only_its_sources(manifest):
    for node in _models(manifest, "staging"):
        parents = node["depends_on"]["nodes"]
        assert parents and all(p.startswith("source.") for p in parents), node["name"]


def test_no_run_parameter_reaches_staging(manifest):
    for node in _models(manifest, "staging"):
        assert not _VAR_CALL.search(node["raw_code"]), node["name"]
        assert macros_reading_vars(manifest, node["depends_on"]["macros"]) == set(), node["name"]


def test_the_as_at_date_is_applied_in_intermediate_models_only(manifest):
    users = {
        node["fqn"][1]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and {m.split(".")[-1] for m in node["depends_on"]["macros"]} & AS_AT_MACROS
    }
    assert users == {"intermediate"}


def test_the_check_finds_a_var_in_a_macro_a_model_calls():
    manifest = {
        "metadata": {"project_name": "families"},
        "macros": {
            "macro.families.outer": {
                "name": "outer",
                "package_name": "families",
                "macro_sql": "{{ inner() }}",
                "depends_on": {"macros": ["macro.families.inner"]},
            },
            "macro.families.inner": {
                "name": "inner",
                "package_name": "families",
                "macro_sql": "{{ var('as_at_date') }}",
                "depends_on": {"macros": []},
            },
        },
    }
    assert macros_reading_vars(manifest, ["macro.families.outer"]) == {"inner"}
