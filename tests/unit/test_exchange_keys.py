"""The exchange key and the household pseudonym (orchestration/exchange/keys.py)."""

from __future__ import annotations

import json

import pytest

from orchestration import paths
from orchestration.exchange.keys import (
    ExchangeKey,
    ExchangeKeyError,
    load_key,
    normalise_uprn,
    read_key_file,
    write_new_key,
)

SECRET = bytes(range(32))


def test_pseudonym_is_hmac_sha256_of_the_normalised_uprn():
    import hashlib
    import hmac

    key = ExchangeKey("k1", SECRET)
    expected = hmac.new(SECRET, b"tf-exchange/uprn/100012345", hashlib.sha256).hexdigest()
    assert key.pseudonym("100012345") == expected
    assert key.pseudonym(" 000100012345") == expected
    assert key.pseudonym(100012345) == expected


def test_another_secret_gives_other_pseudonyms_and_check_value():
    ours, theirs = ExchangeKey("k1", SECRET), ExchangeKey("k1", bytes(32))
    assert ours.pseudonym("123") != theirs.pseudonym("123")
    assert ours.check_value() != theirs.check_value()
    assert ours.pseudonym("123") != ours.pseudonym("124")


@pytest.mark.parametrize("bad", ["", "12a", "1234567890123", "BS6 1LH"])
def test_a_value_that_is_not_a_uprn_is_refused_without_echoing_it(bad):
    with pytest.raises(ValueError, match="not a UPRN") as error:
        normalise_uprn(bad)
    assert not bad or bad not in str(error.value)


def test_the_secret_never_shows_in_the_keys_repr():
    key = ExchangeKey("k1", SECRET)
    assert SECRET.hex() not in repr(key) and "k1" in repr(key)


def test_new_key_round_trips_and_is_never_overwritten(tmp_path):
    path = tmp_path / "keys" / "exchange.json"
    key = write_new_key(path, "2016-Q2")
    assert read_key_file(path) == key
    assert path.stat().st_mode & 0o077 == 0  # owner only
    with pytest.raises(ExchangeKeyError, match="never overwritten"):
        write_new_key(path, "2016-Q2")


def test_a_key_file_inside_the_repository_is_refused(tmp_path):
    inside = paths.REPO_ROOT / "data" / "exchange-key-test.json"
    with pytest.raises(ExchangeKeyError, match="outside the repository"):
        read_key_file(inside)
    with pytest.raises(ExchangeKeyError, match="outside the repository"):
        write_new_key(inside, "k1")
    assert not inside.exists()


def test_key_from_environment_and_its_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("FAMILIES_EXCHANGE_KEY_FILE", raising=False)
    monkeypatch.delenv("FAMILIES_EXCHANGE_KEY", raising=False)
    with pytest.raises(ExchangeKeyError, match="no exchange key"):
        load_key()
    monkeypatch.setenv("FAMILIES_EXCHANGE_KEY", f"k2:{SECRET.hex()}")
    assert load_key() == ExchangeKey("k2", SECRET)
    monkeypatch.setenv("FAMILIES_EXCHANGE_KEY", "k2:abcd")
    with pytest.raises(ExchangeKeyError, match="at least 32"):
        load_key()
    short = tmp_path / "short.json"
    short.write_text(json.dumps({"key_id": "k 3", "secret": SECRET.hex()}))
    with pytest.raises(ExchangeKeyError, match="key id"):
        load_key(short)
