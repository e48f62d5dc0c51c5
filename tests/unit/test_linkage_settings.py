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
