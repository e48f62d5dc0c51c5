"""How the families stage drives dbt: vars, environment, manifest freshness, CLI."""

from __future__ import annotations

import argparse
import json

from orchestration import paths
from orchestration.families import cli, project


def test_vars_carry_only_what_is_set():
    assert project.dbt_vars() == []
    args = project.dbt_vars("2015-07-22", "SFOF2022")
    assert args[0] == "--vars"
    assert json.loads(args[1]) == {"as_at_date": "2015-07-22", "rule_set": "SFOF2022"}


def test_dbt_environment_points_at_the_warehouse_with_telemetry_off(tmp_path, monkeypatch):
    monkeypatch.setenv("FAMILIES_DB", str(tmp_path / "w.duckdb"))
    env = project.dbt_env()
    assert env["FAMILIES_DB"] == str(paths.warehouse_path()) == str(tmp_path / "w.duckdb")
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"


def test_manifest_is_rebuilt_only_when_missing_or_stale(tmp_path, monkeypatch):
    calls = []
    manifest = tmp_path / "target" / "manifest.json"
    monkeypatch.setattr(project, "MANIFEST_PATH", manifest)

    def fake_run(args, check=True, target_path=None):
        calls.append(args)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text("{}")

    monkeypatch.setattr(project, "run_dbt", fake_run)
    monkeypatch.setattr(project, "_newest_source_mtime", lambda: 100.0)
    project.ensure_manifest()
    assert calls == [["parse", "--quiet"]]
    project.ensure_manifest()  # fresh (written after the sources): no second parse
    assert len(calls) == 1
    monkeypatch.setattr(project, "_newest_source_mtime", lambda: manifest.stat().st_mtime + 5)
    project.ensure_manifest()
    assert len(calls) == 2


def test_cli_registers_explain_and_eligibility():
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["explain", "FAM-123"])
    assert args.family_id == "FAM-123" and args.func is cli._explain
    args = parser.parse_args(["eligibility", "--as-at", "2015-07-22", "--rule-set", "SFOF2022"])
    assert (args.as_at, args.rule_set) == ("2015-07-22", "SFOF2022")
