"""dbt's sources file is rendered from the contracts and kept current."""

import dataclasses

import yaml

from orchestration.families.render_sources import render_sources, sources_path
from orchestration.ingest.contract import load_contracts


def test_sources_yml_on_disk_equals_a_fresh_render_of_the_contracts():
    on_disk = sources_path().read_text(encoding="utf-8")
    assert on_disk == render_sources(), (
        "dbt_project/models/staging/_sources.yml is stale: run `families render-sources`"
    )


def test_each_contract_renders_its_owner_freshness_and_described_columns():
    contracts = load_contracts()
    tables = {
        t["name"]: t for t in yaml.safe_load(render_sources(contracts))["sources"][0]["tables"]
    }
    assert set(tables) == set(contracts)
    for name, contract in contracts.items():
        table = tables[name]
        assert table["meta"]["information_asset_owner"]["role"] == (
            contract.information_asset_owner.role
        )
        assert table["loaded_at_field"] == "_extract_date"
        assert table["freshness"]["warn_after"] == {
            "count": contract.extract.max_days_between_extracts,
            "period": "day",
        }
        columns = {c["name"]: c["description"] for c in table["columns"]}
        assert set(contract.column_names) <= set(columns)
        assert all(text.strip() for text in columns.values()), name


def test_a_contract_without_a_maximum_gap_renders_no_freshness():
    name, contract = next(iter(load_contracts().items()))
    extract = dataclasses.replace(contract.extract, max_days_between_extracts=None)
    table = yaml.safe_load(render_sources({name: dataclasses.replace(contract, extract=extract)}))[
        "sources"
    ][0]["tables"][0]
    assert "freshness" not in table and "loaded_at_field" not in table
