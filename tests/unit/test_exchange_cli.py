"""`families exchange`: clear one-line refusals, and nothing secret or personal printed."""

from __future__ import annotations

from orchestration.cli import main


def test_without_a_key_the_command_says_where_to_put_one(data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("FAMILIES_EXCHANGE_KEY_FILE", raising=False)
    monkeypatch.delenv("FAMILIES_EXCHANGE_KEY", raising=False)
    assert main(["exchange", "export", "--out", str(tmp_path / "list.json")]) == 2
    assert "no exchange key: set FAMILIES_EXCHANGE_KEY_FILE" in capsys.readouterr().err
    assert not (tmp_path / "list.json").exists()


def test_new_key_prints_its_id_never_its_secret(tmp_path, capsys):
    import json

    key_file = tmp_path / "keys" / "exchange.json"
    assert main(["exchange", "new-key", "--key-id", "2016-Q2", "--out", str(key_file)]) == 0
    printed = capsys.readouterr().out
    assert "2016-Q2" in printed and json.loads(key_file.read_text())["secret"] not in printed
    assert main(["exchange", "new-key", "--key-id", "2016-Q2", "--out", str(key_file)]) == 2


def test_import_into_a_warehouse_without_marts_says_to_run_the_night(
    data_dir, tmp_path, monkeypatch, capsys
):
    key_file = tmp_path / "keys" / "exchange.json"
    main(["exchange", "new-key", "--key-id", "2016-Q2", "--out", str(key_file)])
    monkeypatch.setenv("FAMILIES_EXCHANGE_KEY_FILE", str(key_file))
    listed = tmp_path / "list.json"
    listed.write_text("{}")
    assert main(["exchange", "import", str(listed)]) == 2
    assert "run the nightly job (families nightly)" in capsys.readouterr().err
