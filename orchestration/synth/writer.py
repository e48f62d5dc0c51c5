"""Render records in each agency's layout and write the landing files, planting malformed rows.

Renders every column from its canonical field (layouts.py): date formats, name styles
("SURNAME, Forename", upper-case police and DWP surnames), code lists, address variants,
encodings (cp1252 files lose characters the code page lacks, and use CRLF line ends).
Returns, per dataset, the rows written with their record_id, file and row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.synth.config import error_rates
from orchestration.synth.extracts import extract_days
from orchestration.synth.layouts import Layout
from orchestration.synth.names import strip_diacritics
from orchestration.synth.world import OPEN, World

MISSING_DAY = -(10**6)
ABBREVIATIONS = [
    (" Road", " Rd"),
    (" Street", " St"),
    (" Avenue", " Ave"),
    (" Close", " Cl"),
    (" Gardens", " Gdns"),
    (" Terrace", " Terr"),
    (" Crescent", " Cres"),
    (" Drive", " Dr"),
    (" Lane", " Ln"),
    (" Place", " Pl"),
    (" Square", " Sq"),
]
LATE_FIELDS = {"outcome_code": "", "decision": "PENDING"}  # shown only once the outcome is known
FAULTS = ["impossible_date", "wrong_column_count", "stray_delimiter"]


def _upper(values: np.ndarray) -> np.ndarray:
    return pd.Series(values, dtype=object).astype(str).str.upper().to_numpy(dtype=object)


def format_days(values: np.ndarray, fmt: str) -> np.ndarray:
    """Format day numbers (days since 1970-01-01) with strftime, once per distinct day."""
    values = np.asarray(values, dtype=np.int64)
    out = np.full(values.shape, "", dtype=object)
    ok = (values > -(10**5)) & (values < OPEN)
    if ok.any():
        uniq, inv = np.unique(values[ok], return_inverse=True)
        text = pd.to_datetime(uniq.astype("datetime64[D]")).strftime(fmt).to_numpy(dtype=object)
        out[ok] = text[inv]
    return out


def format_minutes(minutes: np.ndarray, fmt: str) -> np.ndarray:
    minutes = np.asarray(minutes, dtype=np.int64)
    uniq, inv = np.unique(minutes, return_inverse=True)
    text = pd.to_datetime(uniq.astype("datetime64[m]")).strftime(fmt).to_numpy(dtype=object)
    return text[inv]


def _variant(
    lines: list[np.ndarray], postcode: np.ndarray, kind: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Address variants: abbreviations, capitals, no town, flat shorthand, postcode spacing."""
    lines = [line.copy() for line in lines]
    postcode = postcode.copy()
    for i in np.flatnonzero((kind == 1) | (kind == 4)).tolist():
        if kind[i] == 4 and lines[0][i].startswith(("Flat ", "Ground Floor Flat")):
            continue  # flat shorthand, below
        before = [line[i] for line in lines]
        for j in range(len(lines)):
            for long, short in ABBREVIATIONS:
                lines[j][i] = lines[j][i].replace(long, short)
        if [line[i] for line in lines] == before:
            # Nothing to abbreviate (a "Hill" or "Way"): the clerk typed it in capitals instead.
            for j in range(len(lines)):
                lines[j][i] = lines[j][i].upper()
    for i in np.flatnonzero(kind == 2).tolist():
        for j in range(len(lines)):
            lines[j][i] = lines[j][i].upper()
    for i in np.flatnonzero(kind == 3).tolist():
        # The town is left off and the remaining lines close up.
        vals = [line[i] for line in lines if line[i] and line[i] != "Bristol"]
        vals += [""] * (len(lines) - len(vals))
        for j in range(len(lines)):
            lines[j][i] = vals[j]
    for i in np.flatnonzero(kind == 4).tolist():
        first = lines[0][i]
        if first.startswith("Flat "):
            lines[0][i] = first.replace("Flat ", "", 1)
        elif first.startswith("Ground Floor Flat"):
            lines[0][i] = "GFF"
    pc5 = kind == 5
    postcode[pc5] = [pc.replace(" ", "") for pc in postcode[pc5]]
    return lines, postcode


def render(
    rec: pd.DataFrame, layout: Layout, world: World, rng: np.random.Generator
) -> pd.DataFrame:
    """One string column per contract column, in contract order."""
    n = len(rec)
    fields = {c.field for c in layout.columns}
    out: dict[str, np.ndarray] = {}
    police_style = layout.agency == "police"
    upper_all = layout.agency == "dwp"
    addr = world.addresses
    lines = postcode = None
    if fields & {"address_line_1", "address_single", "postcode"}:
        a = addr.reindex(rec["address_uprn"].to_numpy())
        lines = [a[f"line{i}"].fillna("").to_numpy(dtype=object) for i in range(1, 5)]
        postcode = a["postcode"].fillna("").to_numpy(dtype=object)
        if "address_variant" in rec.columns:
            lines, postcode = _variant(lines, postcode, rec["address_variant"].to_numpy())
        if "postcode_missing" in rec.columns:
            postcode = np.where(rec["postcode_missing"].to_numpy(), "", postcode)
    extract = rec["extract_day"].to_numpy() if "extract_day" in rec.columns else np.full(n, OPEN)
    end = rec["end_day"].to_numpy() if "end_day" in rec.columns else np.full(n, OPEN)
    known_end = end <= extract
    minute = (
        rec["event_minute"].to_numpy()
        if "event_minute" in rec.columns
        else (rec["person_id"].to_numpy() * 37 + rec["event_day"].to_numpy() * 11) % 1440 // 5 * 5
    )
    for col in layout.columns:
        f = col.field
        fmt = col.format
        if col.type == "date":
            src = {"event_date": "event_day", "end_date": "end_day", "dob": "dob_day"}.get(f, f)
            vals = rec[src].to_numpy(dtype=np.int64)
            if f == "end_date":
                vals = np.where(known_end, vals, OPEN)
            if isinstance(fmt, list):
                alt = rng.random(n) < 0.3
                text = np.where(alt, format_days(vals, fmt[1]), format_days(vals, fmt[0]))
            else:
                text = format_days(vals, fmt)
            out[col.name] = text
            continue
        if col.type == "datetime":
            base = rec["event_day"].to_numpy(dtype=np.int64) * 1440 + minute
            if f == "end_datetime":
                base = np.minimum(end, OPEN - 1) * 1440 + minute + 240
                text = np.where(known_end, format_minutes(np.where(known_end, base, 0), fmt), "")
            else:
                text = format_minutes(base, fmt)
            out[col.name] = text
            continue
        if f.startswith("address_line_"):
            out[col.name] = lines[int(f[-1]) - 1]
        elif f == "address_single":
            joined = lines[0].copy()
            for line in lines[1:]:
                joined = np.where(line != "", joined + ", " + line, joined)
            out[col.name] = joined
        elif f == "postcode":
            out[col.name] = postcode
        elif f in ("incident_address", "incident_postcode"):
            a = addr.reindex(rec["incident_uprn"].to_numpy())
            out[col.name] = (
                (a["single"] if f == "incident_address" else a["postcode"])
                .fillna("")
                .to_numpy(dtype=object)
            )
        elif f == "surname":
            s = rec["surname"].astype(str).to_numpy(dtype=object)
            out[col.name] = _upper(s) if (police_style or upper_all) else s
        elif f == "first_name":
            s = rec["first_name"].astype(str).to_numpy(dtype=object)
            out[col.name] = _upper(s) if upper_all else s
        elif f == "forenames":
            first = rec["first_name"].astype(str).to_numpy(dtype=object)
            mid = rec["middle_names"].fillna("").astype(str).to_numpy(dtype=object)
            out[col.name] = np.where(mid != "", first + " " + mid, first)
        elif f == "full_name_sf":
            sur = _upper(rec["surname"].astype(str).to_numpy(dtype=object))
            out[col.name] = sur + ", " + rec["first_name"].astype(str).to_numpy(dtype=object)
        elif f == "sex":
            out[col.name] = rec["sex"].to_numpy(dtype=object)
        elif f == "sex_word":
            out[col.name] = np.where(rec["sex"].to_numpy() == "M", "Male", "Female")
        elif f == "sex_nhs":
            out[col.name] = np.where(rec["sex"].to_numpy() == "M", "1", "2")
        elif f in LATE_FIELDS:
            out[col.name] = np.where(
                known_end, rec[f].astype(str).to_numpy(dtype=object), LATE_FIELDS[f]
            )
        elif col.type == "integer":
            v = pd.to_numeric(rec[f], errors="coerce")
            out[col.name] = np.where(v.isna(), "", v.fillna(0).astype(np.int64).astype(str)).astype(
                object
            )
        else:
            v = rec[f]
            if v.dtype.kind == "f":
                out[col.name] = np.where(v.isna(), "", v.map(lambda x: f"{x:.2f}")).astype(object)
            else:
                out[col.name] = (
                    v.astype(object).where(v.notna(), "").astype(str).to_numpy(dtype=object)
                )
    frame = pd.DataFrame(out)
    if layout.encoding == "cp1252":
        for c in frame.columns:
            s = frame[c].astype(str)
            odd = ~s.str.isascii()
            if odd.any():
                frame.loc[odd, c] = s[odd].map(strip_diacritics)
    return frame


def _impossible(fmt: str, year: int) -> str:
    return {
        "%d/%m/%Y": f"31/02/{year}",
        "%Y-%m-%d": f"{year}-02-30",
        "%Y%m%d": f"{year}0230",
        "%d/%m/%Y %H:%M": f"31/02/{year} 10:00",
        "%Y-%m-%dT%H:%M:%S": f"{year}-02-30T10:00:00",
        "%d-%b-%Y": f"31-Feb-{year}",
    }.get(fmt, f"{year}-13-45")


def _quote(value: str, delim: str) -> str:
    if delim in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def write_files(
    rows: pd.DataFrame,
    rendered: pd.DataFrame,
    layout: Layout,
    out_dir: Path,
    rng: np.random.Generator,
    only_days: list[int] | None = None,
) -> tuple[pd.DataFrame, list[dict]]:
    """Write one file per extract day; returns (row register, planted faults).

    `only_days` writes just those extract days (night two adds files, never rewrites one).
    """
    rate = error_rates(layout.key).malformed_row
    delim = layout.delimiter
    newline = "\r\n" if layout.encoding == "cp1252" else "\n"
    folder = out_dir / "landing" / layout.agency / layout.dataset
    folder.mkdir(parents=True, exist_ok=True)
    date_cols = [c for c in layout.columns if c.type in ("date", "datetime") and c.required]
    text_cols = [c.name for c in layout.columns if c.type == "string" and not c.required]
    register = []
    faults: list[dict] = []
    extract = rows["extract_day"].to_numpy()
    # Every scheduled extract is sent, even when it has no rows (a header-only file).
    scheduled = extract_days(layout.schedule) if only_days is None else only_days
    for day in sorted(set(np.unique(extract).tolist()) | set(scheduled)):
        idx = np.flatnonzero(extract == day)
        part = rendered.iloc[idx].reset_index(drop=True)
        date_text = (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()
        rel = f"landing/{layout.agency}/{layout.dataset}/{date_text}.{layout.extension}"
        n = len(part)
        bad = np.flatnonzero(rng.random(n) < rate)
        kinds = np.array(FAULTS, dtype=object)[rng.integers(0, len(FAULTS), bad.size)]
        special: dict[int, str] = {}
        for i, kind in zip(bad.tolist(), kinds.tolist(), strict=True):
            if kind == "impossible_date" and date_cols:
                c = date_cols[int(rng.integers(len(date_cols)))]
                fmt = c.format[0] if isinstance(c.format, list) else c.format
                part.iat[i, part.columns.get_loc(c.name)] = _impossible(fmt, int(date_text[:4]))
            elif kind == "stray_delimiter" and text_cols:
                values = [str(v) for v in part.iloc[i].tolist()]
                c = part.columns.get_loc(text_cols[int(rng.integers(len(text_cols)))])
                cells = [_quote(v, delim) for v in values]
                raw = values[c] or "X"
                cells[c] = raw[: max(1, len(raw) // 2)] + delim + raw[max(1, len(raw) // 2) :]
                special[i] = delim.join(cells)
            else:
                kind = "wrong_column_count"
                special[i] = None  # filled after rendering the normal line
            # Row numbers are file line numbers (the header is line 1), as the loader counts them.
            faults.append({"dataset": layout.key, "file": rel, "row_number": i + 2, "fault": kind})
        buf = io.StringIO()
        part.to_csv(
            buf,
            index=False,
            sep=delim,
            quotechar='"',
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\n",
        )
        text = buf.getvalue()
        if special:
            lines = text.split("\n")
            for i, line in special.items():
                lines[i + 1] = line if line is not None else lines[i + 1] + delim + "EXTRA"
            text = "\n".join(lines)
        if newline != "\n":
            text = text.replace("\n", newline)
        (out_dir / rel).write_bytes(text.encode(layout.encoding, errors="replace"))
        register.append(pd.DataFrame({"row": idx, "file": rel, "row_number": np.arange(2, n + 2)}))
    reg = (
        pd.concat(register, ignore_index=True)
        if register
        else pd.DataFrame(columns=["row", "file", "row_number"])
    )
    return reg, faults
