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
from orchestration.synth.extracts import build_records, emit, extract_days
from orchestration.synth.layouts import BY_KEY, LAYOUTS, Layout
from orchestration.synth.people_fields import attach_person_fields
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


def generate(households: int, seed: int, out_dir: Path, log=print) -> dict:
    out_dir = Path(out_dir)
    for sub in ("landing", "truth"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)

    log(f"building a city of {households} households (seed {seed})")
    world = build_world(households, seed)
    events = generate_events(world, np.random.default_rng([seed, 10]))
    records = build_records(world, events, seed)
    _write_gazetteer(world, out_dir)

    truth_rows: list[pd.DataFrame] = []
    faults: list[dict] = []
    summary: dict[str, int] = {}
    for index, layout in enumerate(LAYOUTS):
        if layout.key == "council_gis/gazetteer":
            continue
        rng = np.random.default_rng([seed, 100 + index])
        rec = attach_person_fields(records[layout.key], world, layout.key, rng)
        rec = plant_errors(rec, layout.key, world, rng, seed)
        rows = emit(rec, layout.schedule)
        rendered = render(rows, layout, world, rng)
        rows["record_id"] = _record_ids(rendered, layout)
        keep = (
            ~pd.DataFrame({"r": rows["record_id"], "x": rows["extract_day"]})
            .duplicated()
            .to_numpy()
        )
        rows, rendered = rows[keep].reset_index(drop=True), rendered[keep].reset_index(drop=True)
        register, planted = write_files(rows, rendered, layout, out_dir, rng)
        if planted:
            # Name the record behind each faulty row, in the record_truth spelling of the dataset.
            hit = pd.DataFrame(planted).merge(register, on=["file", "row_number"])
            hit["record_id"] = rows["record_id"].to_numpy()[hit["row"].to_numpy()]
            hit["dataset"] = f"{layout.agency}__{layout.dataset}"
            faults.extend(
                hit[["dataset", "file", "row_number", "fault", "record_id"]].to_dict("records")
            )
        summary[layout.key] = len(rows)
        truth_rows.append(_record_truth(rows, register, planted, layout))

    log("writing truth")
    _write_truth(world, events, truth_rows, faults, out_dir)
    return summary


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
    # A re-sent record is one record: keep its first sending, with the errors of every sending.
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
    world: World, events: dict, truth_rows: list[pd.DataFrame], faults: list[dict], out_dir: Path
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
        pd.concat([family_truth(world, events, d) for d in config.TRUTH_AS_AT], ignore_index=True),
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
