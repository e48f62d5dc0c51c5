"""File-level checks done before a file is parsed: where it is, what it is called, how it is
encoded. Each failure is a `FileRefused` whose message names the problem and what to do;
nothing here touches the warehouse.

Why these are refusals and not errors: one bad file must never stop the files behind it. A
file is registered `refused` once (by checksum) and the next extract of the dataset loads.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from orchestration.ingest.contract import Contract

# `\Z`, not `$`: `$` also matches before a final newline, so "2016-07-20.csv\n" passed.
_FILE_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.([A-Za-z0-9]+)\Z")
# An extract is dated by its sender's clock; a day or two ahead is a time zone or a
# producer running early, years ahead is a wrong clock or a typo that would sort the file
# after every real extract (and make it the "latest" state of a snapshot source for ever).
FUTURE_TOLERANCE_DAYS = 2
# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)
_SNIFF_BYTES = 4096


class FileRefused(Exception):
    """A file-level fault: the whole file is refused and no data table changes."""

    def __init__(self, file: str, problem: str):
        super().__init__(f"{file}: refused: {problem}")
        self.file = file
        self.problem = problem


def relative_name(path: Path, landing_root: Path | None) -> str:
    """How a file is named in the register, quarantine and lineage: relative to the data folder
    (`landing/<agency>/<dataset>/<date>.csv`), as the synthetic city's truth names it.

    Lexical (links are not followed): a link in landing is named where it lies, never by the
    machine path it points at.
    """
    path = Path(path)
    if landing_root is not None:
        try:
            return path.absolute().relative_to(Path(landing_root).absolute().parent).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def check_location(path: Path, landing_root: Path | None, file: str) -> None:
    """FileRefused for a symbolic link, or a path that resolves outside the landing folder."""
    path = Path(path)
    if path.is_symlink():
        raise FileRefused(
            file,
            "symbolic link: landing takes files, not links to files elsewhere; copy the extract "
            "into landing",
        )
    if landing_root is None:
        return
    root = Path(landing_root).resolve()
    if not path.resolve().is_relative_to(root):
        # A linked agency or dataset folder: the bytes live outside landing.
        raise FileRefused(
            file,
            "outside landing: the path resolves outside the landing folder (a linked folder?); "
            "copy the extract into landing",
        )


def extract_date_of(path: Path, contract: Contract, today: dt.date | None = None) -> dt.date:
    """The extract date from `<YYYY-MM-DD>.<ext>`; FileRefused if the name is not exactly that,
    or if the date is further in the future than FUTURE_TOLERANCE_DAYS."""
    name = Path(path).name
    match = _FILE_NAME.fullmatch(name)
    expected = f"<YYYY-MM-DD>.{contract.file.extension}"
    if not match or match.group(2).lower() != contract.file.extension.lower():
        raise FileRefused(str(path), f"file name must be exactly {expected}, not {name!r}")
    try:
        date = dt.date.fromisoformat(match.group(1))
    except ValueError as error:
        raise FileRefused(
            str(path), f"{match.group(1)} is not a valid date ({expected})"
        ) from error
    today = today or dt.date.today()
    if date > today + dt.timedelta(days=FUTURE_TOLERANCE_DAYS):
        raise FileRefused(
            str(path),
            f"extract date {date.isoformat()} is in the future (today is {today.isoformat()}, "
            f"tolerance {FUTURE_TOLERANCE_DAYS} days); check the sender's clock and re-send "
            "under the real extract date",
        )
    return date


def check_encoding_marks(data: bytes, encoding: str, file: str) -> None:
    """FileRefused for UTF-16/32 (by byte-order mark or NUL-byte pattern) or other NUL bytes.

    The contracts' encodings (UTF-8, cp1252) never hold a NUL byte; decoding such a file
    as cp1252 would "succeed" and yield a header no csv reader can split.
    """
    for mark, name in _BOMS:
        if data.startswith(mark):
            raise FileRefused(file, _wrong_encoding(name, "byte-order mark", encoding))
    head = data[:_SNIFF_BYTES]
    if b"\x00" not in head:
        return
    units = [head[i::4] for i in range(4)]  # byte i of every 4-byte unit
    if _mostly_nul(units[0]) and _mostly_nul(units[1]):
        raise FileRefused(file, _wrong_encoding("UTF-32 (big-endian)", "NUL pattern", encoding))
    if _mostly_nul(units[3]) and _mostly_nul(units[2]):
        raise FileRefused(file, _wrong_encoding("UTF-32 (little-endian)", "NUL pattern", encoding))
    even, odd = head[0::2], head[1::2]
    if _mostly_nul(odd) and not _mostly_nul(even):
        raise FileRefused(file, _wrong_encoding("UTF-16 (little-endian)", "NUL pattern", encoding))
    if _mostly_nul(even) and not _mostly_nul(odd):
        raise FileRefused(file, _wrong_encoding("UTF-16 (big-endian)", "NUL pattern", encoding))
    offset = data.index(b"\x00")
    line = data.count(b"\n", 0, offset) + 1
    raise FileRefused(
        file,
        f"NUL byte at line {line} (byte offset {offset}): not a text extract in {encoding}; "
        "is it a binary or spreadsheet file?",
    )


def _mostly_nul(sample: bytes) -> bool:
    # 90%, not all: a text of mostly ASCII still has the odd character beyond it.
    return len(sample) > 0 and sample.count(0) >= 0.9 * len(sample)


def _wrong_encoding(found: str, evidence: str, declared: str) -> str:
    return (
        f"wrong encoding: the file is {found} (by its {evidence}) but the contract declares "
        f"{declared}; re-export it as {declared}"
    )


def decode(data: bytes, encoding: str, file: str) -> str:
    """Text of the file in the contract's encoding; FileRefused names the first bad byte's line."""
    check_encoding_marks(data, encoding, file)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.start + 1].hex()
        raise FileRefused(
            file,
            f"undecodable bytes: byte 0x{bad} at line {line} (byte offset {error.start}) is not "
            f"valid {encoding}; re-export the extract as {encoding}",
        ) from error
    if encoding == "cp1252" and not data.isascii():
        # UTF-8 read as cp1252 never fails, it silently garbles (O’Brien -> Oâ€™Brien). Valid
        # UTF-8 with non-ASCII characters is, in practice, never a genuine cp1252 file.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise FileRefused(
                file,
                "wrong encoding: the file is UTF-8 but the contract declares cp1252; re-export "
                "it as cp1252 or change the contract",
            )
    # A UTF-8 byte-order mark is metadata, not part of the first header name.
    return text[1:] if text.startswith("\ufeff") else text


def without_row_text(message: str) -> str:
    """A parser's message without the row it quotes: "CSV parse error: Expected 9 columns,
    got 10: <the row>" keeps its first two parts (a row may hold personal identifiers)."""
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    return ": ".join(first_line.split(": ")[:2])
