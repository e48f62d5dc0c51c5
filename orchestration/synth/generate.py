"""Generate the synthetic city: landing extracts under OUT/landing and ground truth under OUT/truth.

The same households and seed give byte-identical files: every random draw comes from numpy
Generators seeded from the seed and a fixed stream number, iteration is over sorted keys, and
nothing writes a timestamp.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.synth import config
from orchestration.synth.errors import plant_errors
from orchestration.synth.extracts import assign_first_extract, build_records, emit, extract_days
from orchestration.synth.layouts import BY_KEY, LAYOUTS, Layout
from orchestration.synth.people_fields import attach_person_fields
from orchestration.synth.population import days
from orchestration.synth.problems import generate_events
from orchestration.synth.truth import family_truth
from orchestration.synth.world import OPEN, World, build_world
from orchestration.synth.writer import render, write_files


def _date(day: np.ndarray) -> np.ndarray:
    day = np.asarray(day, dtype=np.int64)
    out = day.astype("datetime64[D]")
    return np.where(day >= OPEN, np.datetime64("NaT"), out)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    # Fixed row order and no pandas index: parquet bytes then depend only on the data.
    frame.reset_index(drop=True).to_parquet(path, index=False, compression="zstd")


def generate(households: int, seed: int, out_dir: Path, log=print, nights: int = 1) -> dict:
    """Write the city; returns rows written per dataset on night one.

    `nights=2` also writes the second night (`_night_two`): one more extract per delta dataset,
    dated config.NIGHT_TWO_EXTRACT. Night one's files are the same bytes either way.
    """
    if nights not in (1, 2):
        raise ValueError("nights must be 1 or 2")
    out_dir = Path(out_dir)
    for sub in ("landing", "truth"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)

    log(f"building a city of {households} households (seed {seed})")
    world = build_world(households, seed)
    events = generate_events(world, np.random.default_rng([seed, 10]))
    records = build_records(world, events, seed)
    _write_gazetteer(world, out_dir)

    truth_rows: dict[str, pd.DataFrame] = {}
    faults: list[dict] = []
    summary: dict[str, int] = {}
    prepared: dict[str, pd.DataFrame] = {}
    for index, layout in enumerate(LAYOUTS):
        if layout.key == "council_gis/gazetteer":
            continue
        rng = np.random.default_rng([seed, 100 + index])
        rec = attach_person_fields(records[layout.key], world, layout.key, rng)
        rec = plant_errors(rec, layout.key, world, rng, seed)
        if nights == 2 and layout.kind == "delta":
            prepared[layout.key] = rec
        rows = emit(rec, layout.schedule)
        rows, register, planted = _send(rows, layout, world, rng, out_dir, faults)
        summary[layout.key] = len(rows)
        truth_rows[layout.key] = _record_truth(rows, register, planted, layout)

    as_at = tuple(config.TRUTH_AS_AT)
    if nights == 2:
        night = _night_two(
            world, prepared, seed, out_dir, truth_rows, faults, sum(summary.values())
        )
        night.to_csv(out_dir / "truth" / "night_two.csv", index=False)
        log(
            f"night two ({config.NIGHT_TWO_EXTRACT}): {int(night['rows'].sum())} rows, "
            f"{int(night['new_records'].sum())} new, "
            f"{int(night['changed_records'].sum())} changed and "
            f"{int(night['corrected_records'].sum())} corrected records"
        )
        as_at = as_at + (config.NIGHT_TWO_EXTRACT,)

    log("writing truth")
    _write_truth(world, events, list(truth_rows.values()), faults, out_dir, as_at)
    return summary


def _send(
    rows: pd.DataFrame,
    layout: Layout,
    world: World,
    rng: np.random.Generator,
    out_dir: Path,
    faults: list[dict],
    only_days: list[int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """Render and write one dataset's rows; appends planted faults (with record ids) to faults."""
    rendered = render(rows, layout, world, rng)
    rows = rows.copy()
    rows["record_id"] = _record_ids(rendered, layout)
    keep = ~pd.DataFrame({"r": rows["record_id"], "x": rows["extract_day"]}).duplicated().to_numpy()
    rows, rendered = rows[keep].reset_index(drop=True), rendered[keep].reset_index(drop=True)
    register, planted = write_files(rows, rendered, layout, out_dir, rng, only_days)
    if planted:
        # Name the record behind each faulty row, in the record_truth spelling of the dataset.
        hit = pd.DataFrame(planted).merge(register, on=["file", "row_number"])
        hit["record_id"] = rows["record_id"].to_numpy()[hit["row"].to_numpy()]
        hit["dataset"] = f"{layout.agency}__{layout.dataset}"
        faults.extend(
            hit[["dataset", "file", "row_number", "fault", "record_id"]].to_dict("records")
        )
    return rows, register, planted


def night_two_rows(rec: pd.DataFrame, schedule: str, night_day: int) -> pd.DataFrame:
    """Records a delta dataset sends on night two, with `status` new or changed.

    New: records no night-one extract carried (events after the dataset's last extract).
    Changed: records sent on night one whose end (outcome, decision, end date) falls after the
    dataset's last extract and by night two; they are re-sent with the same primary key.
    Datasets whose records carry their own extract day (attendance, per term) send nothing.
    """
    if not len(rec) or (rec["extract_day"] >= 0).all():
        return rec.iloc[:0].assign(status=pd.Series(dtype=object))
    event = rec["event_day"].to_numpy()
    first = assign_first_extract(np.maximum(event, days(config.FIRST_EXTRACT_FROM) - 1), schedule)
    last = max(extract_days(schedule))
    new = (first < 0) & (event <= night_day)
    changed = np.zeros(len(rec), dtype=bool)
    if "end_day" in rec.columns:
        end = rec["end_day"].to_numpy()
        changed = (first >= 0) & (end > first) & (end > last) & (end <= night_day)
    out = rec[new | changed].copy()
    out["status"] = np.where(new[new | changed], "new", "changed")
    out["extract_day"] = night_day
    return out.sort_values(["event_day", "person_id"], kind="stable").reset_index(drop=True)


CORRECTABLE = {  # planted error -> canonical fields the agency puts right when it corrects it
    "typo": ("first_name", "surname"),
    "name_swap": ("first_name", "surname"),
    "dob_day_month_swap": ("dob_day",),
    "dob_missing": ("dob_day",),
    "postcode_missing": ("postcode_missing",),
    "stale_address": ("address_uprn",),
}


def correction_pool(rec: pd.DataFrame, schedule: str) -> np.ndarray:
    """Rows of a delta dataset a correction can re-send: sent on night one with an error that
    the agency can put right (CORRECTABLE)."""
    if not len(rec) or (rec["extract_day"] >= 0).all():
        return np.array([], dtype=np.int64)
    first = assign_first_extract(
        np.maximum(rec["event_day"].to_numpy(), days(config.FIRST_EXTRACT_FROM) - 1), schedule
    )
    fixable = np.array([any(e in CORRECTABLE for e in errs) for errs in rec["errors"]], dtype=bool)
    return np.flatnonzero((first >= 0) & fixable)


def corrected(rec: pd.DataFrame, world: World) -> pd.DataFrame:
    """The same records with their correctable errors put right (true names, DOB, address)."""
    out = rec.copy()
    pid = out["person_id"].to_numpy()
    errs = out["errors"].tolist()
    fix = {f for e in CORRECTABLE for f in CORRECTABLE[e]}

    def has(i: int, field: str) -> bool:
        return any(field in CORRECTABLE.get(e, ()) for e in errs[i])

    rows = {f: np.array([has(i, f) for i in range(len(out))], dtype=bool) for f in fix}
    p = world.persons
    if "first_name" in out.columns:
        m = rows["first_name"]
        out.loc[m, "first_name"] = p["first_name"].to_numpy()[pid[m]]
        out.loc[m, "surname"] = world.surname_on(pid[m], out["event_day"].to_numpy()[m])
    if "dob_day" in out.columns:
        m = rows["dob_day"]
        out.loc[m, "dob_day"] = p["dob_day"].to_numpy()[pid[m]]
    if "postcode_missing" in out.columns:
        out.loc[rows["postcode_missing"], "postcode_missing"] = False
    if "address_uprn" in out.columns:
        m = rows["address_uprn"]
        out.loc[m, "address_uprn"] = out["uprn"].to_numpy()[m]
    out["errors"] = [[e for e in lst if e not in CORRECTABLE] for lst in errs]
    return out


def _night_two(
    world: World,
    prepared: dict[str, pd.DataFrame],
    seed: int,
    out_dir: Path,
    truth_rows: dict[str, pd.DataFrame],
    faults: list[dict],
    night_one_rows: int,
) -> pd.DataFrame:
    """Write night two's extracts (adds files only) and fold its records into the truth.

    Night two sends what the timeline holds (events after each dataset's last extract, records
    whose outcome or end arrived since) and, to make the night about
    config.NIGHT_TWO_SHARE of night one's rows, corrections: records sent on night one re-sent
    with a planted error put right (a name typo, a missing DOB or postcode, a stale address).
    """
    night_day = days(config.NIGHT_TWO_EXTRACT)
    natural: dict[str, pd.DataFrame] = {}
    pools: list[tuple[str, np.ndarray]] = []
    for layout in LAYOUTS:
        if layout.key not in prepared:
            continue
        for day in extract_days(layout.schedule):
            assert day < night_day, f"{layout.key} already has an extract on or after night two"
        rec = prepared[layout.key]
        natural[layout.key] = night_two_rows(rec, layout.schedule, night_day)
        pool = correction_pool(rec, layout.schedule)
        # A record the night sends anyway is not also sent as a correction.
        sent = np.zeros(len(rec), dtype=bool)
        if "record_ref" in rec.columns:
            sent = rec["record_ref"].isin(natural[layout.key]["record_ref"]).to_numpy()
        pools.append((layout.key, pool[~sent[pool]]))
    wanted = round(config.NIGHT_TWO_SHARE * night_one_rows) - sum(map(len, natural.values()))
    flat = np.concatenate([np.full(len(p), i) for i, (_, p) in enumerate(pools)] + [[]])
    rng = np.random.default_rng([seed, 700])
    take = np.sort(rng.choice(len(flat), size=min(max(wanted, 0), len(flat)), replace=False))
    counts = []
    for index, layout in enumerate(LAYOUTS):
        if layout.key not in prepared:
            continue
        i = next(j for j, (k, _) in enumerate(pools) if k == layout.key)
        offset = sum(len(p) for _, p in pools[:i])
        mine = take[(take >= offset) & (take < offset + len(pools[i][1]))] - offset
        fixes = corrected(prepared[layout.key].iloc[pools[i][1][mine]], world)
        fixes = fixes.assign(status="corrected", extract_day=night_day)
        rows = pd.concat([natural[layout.key], fixes], ignore_index=True)
        rows = rows.sort_values(["event_day", "person_id"], kind="stable").reset_index(drop=True)
        rng = np.random.default_rng([seed, 600 + index])
        rows, register, planted = _send(rows, layout, world, rng, out_dir, faults, [night_day])
        status = rows["status"].to_numpy()
        counts.append(
            {
                "dataset": f"{layout.agency}__{layout.dataset}",
                "extract_date": config.NIGHT_TWO_EXTRACT.isoformat(),
                "rows": len(rows),
                "new_records": int((status == "new").sum()),
                "changed_records": int((status == "changed").sum()),
                "corrected_records": int((status == "corrected").sum()),
            }
        )
        t2 = _record_truth(rows, register, planted, layout)
        truth_rows[layout.key] = _collapse_resent(
            pd.concat([truth_rows[layout.key], t2], ignore_index=True)
        )
    return pd.DataFrame(counts)


def _record_ids(rendered: pd.DataFrame, layout: Layout) -> np.ndarray:
    key = rendered[layout.primary_key[0]].astype(str).to_numpy(dtype=object)
    for col in layout.primary_key[1:]:
        key = key + "|" + rendered[col].astype(str).to_numpy(dtype=object)
    return (f"{layout.agency}__{layout.dataset}:" + key).astype(object)


def _record_truth(
    rows: pd.DataFrame, register: pd.DataFrame, planted: list[dict], layout: Layout
) -> pd.DataFrame:
    errors = pd.Series([list(e) for e in rows["errors"]], dtype=object)
    if planted:
        hit = pd.DataFrame(planted).merge(register, on=["file", "row_number"])
        for row, fault in zip(hit["row"].tolist(), hit["fault"].tolist(), strict=True):
            errors.iat[row] = errors.iat[row] + [fault]
    t = pd.DataFrame(
        {
            "dataset": f"{layout.agency}__{layout.dataset}",
            "record_id": rows["record_id"].to_numpy(),
            "person_id": rows["person_id"].to_numpy(dtype=np.int64),
            "uprn": rows["uprn"].to_numpy(dtype=np.int64),
            "event_date": _date(rows["event_day"].to_numpy()),
            "errors": errors.to_numpy(),
        }
    )
    return _collapse_resent(t)


def _collapse_resent(t: pd.DataFrame) -> pd.DataFrame:
    """A re-sent record is one record: keep its first sending, with the errors of every sending."""
    resent = t["record_id"].duplicated(keep=False).to_numpy()
    if resent.any():
        merged = (
            t[resent]
            .groupby("record_id", sort=False)["errors"]
            .agg(lambda s: sorted({e for lst in s for e in lst}))
        )
        t = t.drop_duplicates("record_id").reset_index(drop=True)
        again = t["record_id"].isin(merged.index).to_numpy()
        t.loc[again, "errors"] = pd.Series(
            merged.reindex(t.loc[again, "record_id"]).to_numpy(), index=t.index[again]
        )
    return t


def _write_gazetteer(world: World, out_dir: Path) -> None:
    layout = BY_KEY["council_gis/gazetteer"]
    gaz = world.gazetteer
    frame = pd.DataFrame(
        {
            c.name: gaz[c.field].astype("string").fillna("").to_numpy(dtype=object)
            for c in layout.columns
        }
    )
    folder = out_dir / "landing" / layout.agency / layout.dataset
    folder.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(index=False, lineterminator="\n").encode(layout.encoding)
    for day in extract_days(layout.schedule):
        date_text = (np.datetime64(int(day), "D")).astype(str)
        (folder / f"{date_text}.{layout.extension}").write_bytes(text)


def _write_truth(
    world: World,
    events: dict,
    truth_rows: list[pd.DataFrame],
    faults: list[dict],
    out_dir: Path,
    as_at: tuple = tuple(config.TRUTH_AS_AT),
) -> None:
    truth = out_dir / "truth"
    p = world.persons
    persons = pd.DataFrame(
        {
            "person_id": p["person_id"],
            "sex": p["sex"],
            "dob": p["dob"].dt.date,
            "first_name": p["first_name"],
            "middle_names": p["middle_names"].replace("", None),
            "surname": p["birth_surname"],
            "current_surname": p["surname"],
            "name_origin": p["name_origin"],
            "nhs_number": p["nhs_number"],
            "upn": p["upn"],
            "ni_number": p["ni_number"],
            "died_on": _date(p["died_day"].to_numpy()),
            # Parents (None when not in the city): the absent-parent rule's truth.
            "mother_id": p["mother_id"].where(p["mother_id"] >= 0).astype("Int64"),
            "father_id": p["father_id"].where(p["father_id"] >= 0).astype("Int64"),
        }
    )
    _write_parquet(persons, truth / "persons.parquet")
    s = world.stays
    _write_parquet(
        pd.DataFrame(
            {
                "person_id": s["person_id"],
                "household_id": s["household_id"],
                "uprn": s["uprn"],
                "from_date": _date(s["from_day"].to_numpy()),
                "to_date": _date(s["to_day"].to_numpy()),
                "relationship_to_head": s["relationship_to_head"],
            }
        ).sort_values(["person_id", "from_date"], kind="stable"),
        truth / "residences.parquet",
    )
    h = world.households
    _write_parquet(
        pd.DataFrame(
            {
                "household_id": h["household_id"],
                "uprn": h["uprn"],
                "formed_on": _date(h["formed_day"].to_numpy()),
                "dissolved_on": _date(h["dissolved_day"].to_numpy()),
                "composition": h["composition"],
                "social_tenant": h["social_tenant"],
                "previous_household_id": h["previous_household_id"].replace(-1, None),
            }
        ),
        truth / "households.parquet",
    )
    nc = world.name_changes
    _write_parquet(
        pd.DataFrame(
            {
                "person_id": nc["person_id"].astype(np.int64),
                "changed_on": _date(nc["day"].to_numpy()),
                "surname": nc["surname"].astype(str),
            }
        ),
        truth / "name_changes.parquet",
    )
    _write_parquet(pd.concat(truth_rows, ignore_index=True), truth / "record_truth.parquet")
    _write_parquet(
        pd.concat([family_truth(world, events, d) for d in as_at], ignore_index=True),
        truth / "family_truth.parquet",
    )
    _write_parquet(
        pd.DataFrame(faults, columns=["dataset", "file", "row_number", "fault", "record_id"]),
        truth / "planted_faults.parquet",
    )
    from orchestration.synth.measure import calibration_table

    calibration_table(world, events).to_csv(
        truth / "calibration.csv", index=False, float_format="%.6g"
    )


def ensure_city(out_dir: Path, households: int = 2000, seed: int = 20150901, log=print) -> bool:
    """Generate a city into out_dir unless one is there (for `make demo`); True if generated."""
    if (Path(out_dir) / "landing").is_dir() and (
        Path(out_dir) / "truth" / "record_truth.parquet"
    ).exists():
        return False
    generate(households, seed, Path(out_dir), log=log)
    return True
