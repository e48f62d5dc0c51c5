"""Plant the errors real extracts carry, each at its documented per-source rate (config.ErrorRates).

Every planted error is named in the record's `errors` list, which goes to truth/record_truth,
so tests can check each type lands at its rate and linkage can be scored per error type.
Rates are per record among the records an error can apply to (a nickname needs a name that
has one; a day/month swap needs a day of 12 or less; a stale address needs a recent move).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from orchestration.synth.config import error_rates
from orchestration.synth.identifiers import make_upn
from orchestration.synth.layouts import BY_KEY
from orchestration.synth.names import NICKNAMES
from orchestration.synth.world import World

KEYBOARD_NEIGHBOURS = {
    "a": "sq",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}
ADDRESS_FIELDS = {"address_line_1", "address_single", "postcode"}


def typo(text: str, rng: np.random.Generator) -> str:
    """One keying slip: a neighbouring key, a dropped, doubled or transposed letter."""
    if not text or len(text) < 3:
        return text + "e" if text else text
    i = int(rng.integers(1, len(text) - 1))
    op = int(rng.integers(0, 4))
    c = text[i]
    if op == 0 and c.lower() in KEYBOARD_NEIGHBOURS:
        n = KEYBOARD_NEIGHBOURS[c.lower()]
        r = n[int(rng.integers(len(n)))]
        return text[:i] + (r.upper() if c.isupper() else r) + text[i + 1 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + c + text[i:]
    return (
        text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
        if text[i] != text[i - 1]
        else text[:i] + text[i + 1 :]
    )


def _swap_day_month(dob_day: np.ndarray) -> np.ndarray:
    d = pd.to_datetime(dob_day.astype("datetime64[D]"))
    swapped = [dt.date(y, dd, m) for y, m, dd in zip(d.year, d.month, d.day, strict=True)]
    return np.array([(x - dt.date(1970, 1, 1)).days for x in swapped], dtype=np.int64)


def previous_uprn(
    world: World, person_id: np.ndarray, event_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """UPRN of the stay before the current one, and the day the current stay began (-1 if none)."""
    s = world.stays
    order = np.lexsort((s["from_day"].to_numpy(), s["person_id"].to_numpy()))
    sp = s["person_id"].to_numpy()[order]
    su = s["uprn"].to_numpy()[order]
    sf = s["from_day"].to_numpy()[order]
    key = sp * (10**8) + sf
    pos = (
        np.searchsorted(key, np.asarray(person_id) * (10**8) + np.asarray(event_day), side="right")
        - 1
    )
    pos = np.clip(pos, 0, len(key) - 1)
    has_prev = (
        (pos >= 1) & (sp[np.maximum(pos - 1, 0)] == np.asarray(person_id)) & (sp[pos] == person_id)
    )
    prev = np.where(has_prev, su[np.maximum(pos - 1, 0)], -1)
    prev = np.where(prev == su[pos], -1, prev)
    return prev, np.where(has_prev, sf[pos], -1)


def alternative_refs(key: str, rec: pd.DataFrame, world: World, seed: int) -> np.ndarray:
    """A second reference for the same person, as the source would have created it."""
    field = _person_key_field(key)
    pid = rec["person_id"].to_numpy()
    if field == "upn":
        return np.array(
            [
                make_upn(
                    "801",
                    f"{9000 + (int(p) // 1000) % 1000:04d}",
                    "16",
                    int(p) % 1000,
                    temporary=True,
                )
                for p in pid
            ],
            dtype=object,
        )
    if field == "ni_number":
        dob = pd.to_datetime(rec["dob_day"].to_numpy().astype("datetime64[D]"))
        return np.array(
            [f"TN{d:%d%m%y}{s}" for d, s in zip(dob, rec["sex"], strict=True)], dtype=object
        )
    from orchestration.synth.extracts import person_refs

    return person_refs(key, pid + 50_000_000, seed)


def _person_key_field(key: str) -> str:
    layout = BY_KEY[key]
    name = layout.person_key[0]
    return next(c.field for c in layout.columns if c.name == name)


def _rank_by_day_within_person(person_ids: np.ndarray, event_days: np.ndarray) -> np.ndarray:
    """0 for each person's earliest record, 1 for the next, ... (ties keep file order)."""
    order = np.lexsort((event_days, person_ids))  # stable: equal days keep their file order
    ordered = person_ids[order]
    position = np.arange(ordered.size)
    first = np.r_[True, ordered[1:] != ordered[:-1]] if ordered.size else np.array([], bool)
    rank = np.empty(ordered.size, dtype=np.int64)
    rank[order] = position - np.maximum.accumulate(np.where(first, position, 0))
    return rank


def plant_errors(
    rec: pd.DataFrame, key: str, world: World, rng: np.random.Generator, seed: int
) -> pd.DataFrame:
    layout = BY_KEY[key]
    fields = {c.field for c in layout.columns}
    rates = error_rates(key)
    rec = rec.copy()
    n = len(rec)
    errors: list[list[str]] = [[] for _ in range(n)]

    def tag(mask: np.ndarray, name: str) -> None:
        for i in np.flatnonzero(mask).tolist():
            errors[i].append(name)

    has_names = bool(fields & {"first_name", "forenames", "full_name_sf"})
    if has_names:
        m = rng.random(n) < rates.typo
        which = rng.random(n) < 0.5
        first = rec["first_name"].to_numpy().copy()
        sur = rec["surname"].to_numpy().copy()
        for i in np.flatnonzero(m).tolist():
            if which[i]:
                first[i] = typo(first[i], rng)
            else:
                sur[i] = typo(sur[i], rng)
        tag(m, "typo")
        nick_ok = np.array([f in NICKNAMES for f in first], dtype=bool)
        m = nick_ok & (rng.random(n) < rates.nickname)
        for i in np.flatnonzero(m).tolist():
            options = NICKNAMES[first[i]]
            first[i] = options[int(rng.integers(len(options)))]
        tag(m, "nickname")
        m = rng.random(n) < rates.name_swap
        first[m], sur[m] = sur[m].copy(), first[m].copy()
        tag(m, "name_swap")
        rec["first_name"], rec["surname"] = first, sur

    if "dob" in fields:
        dob = rec["dob_day"].to_numpy().copy()
        d = pd.to_datetime(dob.astype("datetime64[D]"))
        ok = (d.day.to_numpy() <= 12) & (d.day.to_numpy() != d.month.to_numpy())
        m = ok & (rng.random(n) < rates.dob_day_month_swap)
        if m.any():
            dob[m] = _swap_day_month(dob[m])
        tag(m, "dob_day_month_swap")
        m2 = (rng.random(n) < rates.dob_missing) & ~m
        dob = np.where(m2, -(10**7), dob)
        tag(m2, "dob_missing")
        rec["dob_day"] = dob

    if fields & ADDRESS_FIELDS:
        prev, since = previous_uprn(world, rec["person_id"].to_numpy(), rec["event_day"].to_numpy())
        recent = (prev >= 0) & (rec["event_day"].to_numpy() - since <= 730)
        m = recent & (rng.random(n) < rates.stale_address)
        rec["address_uprn"] = np.where(m, prev, rec["address_uprn"].to_numpy())
        tag(m, "stale_address")
        m = rng.random(n) < rates.address_variant
        # Without address lines only the postcode's spacing can vary.
        has_lines = bool(fields & {"address_line_1", "address_single"})
        rec["address_variant"] = np.where(m, rng.integers(1, 6, n) if has_lines else 5, 0)
        tag(m, "address_variant")
    if "postcode" in fields:
        m = rng.random(n) < rates.postcode_missing
        rec["postcode_missing"] = m
        tag(m, "postcode_missing")

    # The same person under a second reference (a duplicate registration).
    ref_field = _person_key_field(key)
    if ref_field in rec.columns:
        pids = rec["person_id"].to_numpy()
        uniq, counts = np.unique(pids, return_counts=True)
        eligible = uniq[counts >= 2] if layout.kind == "delta" else uniq
        chosen = eligible[rng.random(eligible.size) < rates.duplicate_reference]
        if chosen.size:
            is_chosen = np.isin(pids, chosen)
            if layout.kind == "delta":
                # Later records of a chosen person carry the second reference (at least one does):
                # later by the day they speak of, not by file order, so the record tagged is
                # always the one a check comparing with earlier extracts can see as the repeat.
                rank = _rank_by_day_within_person(pids, rec["event_day"].to_numpy())
                last = rank == counts[np.searchsorted(uniq, pids)] - 1
                use = is_chosen & (((rank >= 1) & (rng.random(n) < 0.6)) | last)
                refs = rec[ref_field].to_numpy().copy()
                refs[use] = alternative_refs(key, rec[use], world, seed)
                rec[ref_field] = refs
                tag(use, "duplicate_reference")
            else:
                # Snapshots: the person also appears a second time, under the other reference.
                picked = np.flatnonzero(is_chosen & (rng.random(n) < 0.7))
                dup = rec.iloc[picked].copy()
                dup[ref_field] = alternative_refs(key, dup, world, seed)
                # The second row repeats the first row's field errors under its own reference.
                dup_errors = [errors[i] + ["duplicate_reference"] for i in picked.tolist()]
                rec = pd.concat([rec, dup], ignore_index=True)
                errors.extend(dup_errors)
    rec["errors"] = errors
    return rec
