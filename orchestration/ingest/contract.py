"""Source contracts: what each agency extract must look like, read from YAML and checked.

One contract per dataset lives in `orchestration/contracts/<agency>/<dataset>.yml` (schema in
docs/architecture.md). The project-wide deny list lives in
`orchestration/contracts/deny_list.yml`:

    categories:
      - name: adoption                 # or `category: adoption`
        reason: "ISA section 8: data relating to adoption will not be used"   # optional
        patterns: ["adopt"]            # case-insensitive regular expressions, searched in
                                       # each header name (separators folded to "_")

Public API (imported by ingest, quality and dbt helpers):
    load_contracts() -> dict[str, Contract]   keyed by "<agency>__<dataset>"
    load_contract(path) -> Contract
    load_deny_list() -> DenyList
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orchestration import paths
from orchestration.ingest.header_names import forms_to_match

COLUMN_TYPES = ("string", "integer", "decimal", "date", "datetime", "boolean")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
EXTRACT_KINDS = ("delta", "snapshot")
SCHEDULES = ("daily", "weekly", "monthly", "quarterly", "termly")
RETENTION_STARTS = ("programme_end", "extract_date")
IDENTIFIER_KINDS = (
    "name",
    "date_of_birth",
    "nhs_number",
    "upn",
    "ni_number",
    "address",
    "postcode",
    "local_ref",
    "other",
)
# DuckDB column type used for each contract type in raw tables.
SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "boolean": "BOOLEAN",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ContractError(ValueError):
    """A contract or deny-list YAML is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class InformationAssetOwner:
    name: str
    role: str


@dataclass(frozen=True)
class ExtractSpec:
    kind: str  # delta | snapshot
    schedule: str
    max_days_between_extracts: int | None


@dataclass(frozen=True)
class Retention:
    years: int
    basis: str
    # What the years count from: the programme's end (orchestration/contracts/programme.yml)
    # or the extract date of the load a row arrived in.
    start: str = "programme_end"


@dataclass(frozen=True)
class FileSpec:
    format: str
    extension: str
    encoding: str
    delimiter: str
    quotechar: str
    header: bool


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    # strptime formats tried in order (a YAML string becomes a 1-tuple); empty = ISO 8601.
    format: tuple[str, ...] = ()
    required: bool = False
    personal_identifier: bool = False
    identifier_kind: str | None = None
    allowed_values: tuple[str, ...] | None = None
    description: str = ""

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class Contract:
    dataset: str  # "<agency>/<dataset>"
    agency: str
    organisation: str
    information_asset_owner: InformationAssetOwner
    description: str
    indicators: tuple[str, ...]
    legal_gateways: tuple[int, ...]
    extract: ExtractSpec
    retention: Retention
    file: FileSpec
    primary_key: tuple[str, ...]
    person_key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    path: Path | None = None

    @property
    def name(self) -> str:
        """The dataset part of `dataset` (e.g. "offences")."""
        return self.dataset.split("/", 1)[1]

    @property
    def table_name(self) -> str:
        """Raw table (in schema `raw`) and asset key suffix: "<agency>__<dataset>"."""
        return f"{self.agency}__{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def identifier_columns(self) -> tuple[str, ...]:
        """Columns holding personal identifiers: never logged or printed."""
        return tuple(column.name for column in self.columns if column.personal_identifier)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.dataset} has no column {name!r}")

    def landing_dir(self, landing_root: Path | None = None) -> Path:
        root = landing_root if landing_root is not None else paths.landing_dir()
        return root / self.agency / self.name


@dataclass(frozen=True)
class DenyCategory:
    name: str
    reason: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class DenyList:
    categories: tuple[DenyCategory, ...] = field(default_factory=tuple)

    def matches(self, header: list[str] | tuple[str, ...]) -> list[tuple[str, DenyCategory]]:
        """(column, category) for every header name carrying an excluded category."""
        found = []
        for column in header:
            forms = forms_to_match(column)
            for category in self.categories:
                if any(pattern.search(form) for pattern in category.patterns for form in forms):
                    found.append((column, category))
                    break
        return found


# --- parsing helpers: every failure names the file and the key -------------------------------


class _Reader:
    def __init__(self, source: Path | str):
        self.source = str(source)

    def fail(self, key: str, problem: str) -> ContractError:
        return ContractError(f"{self.source}: {key}: {problem}")

    def get(
        self, mapping: Any, key: str, where: str, *, default: Any = ..., kind: type | tuple = object
    ):
        label = f"{where}.{key}" if where else key
        if not isinstance(mapping, dict):
            raise self.fail(where or "<top>", "expected a mapping")
        if key not in mapping or mapping[key] is None:
            if default is ...:
                raise self.fail(label, "is required")
            return default
        value = mapping[key]
        if kind is not object and not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(label, f"expected {names}, got {type(value).__name__} {value!r}")
        return value

    def choice(self, value: Any, allowed: tuple[str, ...], label: str) -> str:
        if value not in allowed:
            raise self.fail(label, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def str_list(self, value: Any, label: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise self.fail(label, "expected a list of strings")
        return tuple(str(v) for v in value)


def _parse_column(reader: _Reader, raw: Any, index: int) -> ColumnSpec:
    where = f"columns[{index}]"
    name = reader.get(raw, "name", where, kind=str)
    where = f"columns[{index}] ({name})"
    col_type = reader.choice(
        reader.get(raw, "type", where, kind=str), COLUMN_TYPES, f"{where}.type"
    )
    formats = reader.str_list(reader.get(raw, "format", where, default=[]), f"{where}.format")
    if formats and col_type not in ("date", "datetime"):
        raise reader.fail(
            f"{where}.format", f"only date and datetime columns take a format, not {col_type}"
        )
    personal = reader.get(raw, "personal_identifier", where, default=False, kind=bool)
    kind = reader.get(raw, "identifier_kind", where, default=None, kind=str)
    if kind is not None:
        reader.choice(kind, IDENTIFIER_KINDS, f"{where}.identifier_kind")
        if not personal:
            raise reader.fail(f"{where}.identifier_kind", "set only on personal_identifier: true")
    allowed = reader.get(raw, "allowed_values", where, default=None)
    return ColumnSpec(
        name=name,
        type=col_type,
        format=formats,
        required=reader.get(raw, "required", where, default=False, kind=bool),
        personal_identifier=personal,
        identifier_kind=kind,
        allowed_values=None
        if allowed is None
        else reader.str_list(allowed, f"{where}.allowed_values"),
        description=reader.get(raw, "description", where, default="", kind=str),
    )


def parse_contract(data: Any, source: Path | str = "<contract>") -> Contract:
    """A Contract from parsed YAML; ContractError names `source` and the offending key."""
    r = _Reader(source)
    dataset = r.get(data, "dataset", "", kind=str)
    if dataset.count("/") != 1:
        raise r.fail("dataset", f"{dataset!r} must be '<agency>/<dataset>'")
    agency = r.get(data, "agency", "", kind=str)
    dataset_agency, dataset_name = dataset.split("/")
    if agency != dataset_agency:
        raise r.fail("agency", f"{agency!r} does not match dataset {dataset!r}")
    for label, value in (("agency", agency), ("dataset", dataset_name)):
        if not _NAME.match(value):
            raise r.fail(label, f"{value!r} must be lower_snake_case")

    iao = r.get(data, "information_asset_owner", "", kind=dict)
    extract = r.get(data, "extract", "", kind=dict)
    retention = r.get(data, "retention", "", kind=dict)
    file = r.get(data, "file", "", kind=dict)

    file_format = r.get(file, "format", "file", default="csv", kind=str)
    if file_format != "csv":
        raise r.fail("file.format", f"{file_format!r}: only csv extracts are supported")
    delimiter = r.get(file, "delimiter", "file", default=",", kind=str)
    if delimiter == "\\t":
        delimiter = "\t"
    if len(delimiter) != 1:
        raise r.fail("file.delimiter", f"{delimiter!r} must be one character")
    quotechar = r.get(file, "quotechar", "file", default='"', kind=str)
    if len(quotechar) != 1:
        raise r.fail("file.quotechar", f"{quotechar!r} must be one character")
    header = r.get(file, "header", "file", default=True, kind=bool)
    if not header:
        raise r.fail("file.header", "extracts must carry a header row")

    raw_columns = r.get(data, "columns", "", kind=list)
    if not raw_columns:
        raise r.fail("columns", "at least one column is required")
    columns = tuple(_parse_column(r, raw, i) for i, raw in enumerate(raw_columns))
    names = [c.name for c in columns]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise r.fail("columns", f"duplicate column names: {', '.join(duplicates)}")
    reserved = [n for n in names if n.startswith("_")]
    if reserved:
        raise r.fail("columns", f"names starting with '_' are reserved for lineage: {reserved}")

    primary_key = r.str_list(r.get(data, "primary_key", "", default=[]), "primary_key")
    person_key = r.str_list(r.get(data, "person_key", "", default=[]), "person_key")
    for label, keys in (("primary_key", primary_key), ("person_key", person_key)):
        unknown = [k for k in keys if k not in names]
        if unknown:
            raise r.fail(label, f"names columns not declared under columns: {unknown}")

    gateways = r.get(data, "legal_gateways", "", kind=list)
    if not gateways or not all(isinstance(g, int) and 1 <= g <= 13 for g in gateways):
        raise r.fail("legal_gateways", "expected a non-empty list of gateway numbers 1-13")

    return Contract(
        dataset=dataset,
        agency=agency,
        organisation=r.get(data, "organisation", "", kind=str),
        information_asset_owner=InformationAssetOwner(
            name=r.get(iao, "name", "information_asset_owner", kind=str),
            role=r.get(iao, "role", "information_asset_owner", kind=str),
        ),
        description=r.get(data, "description", "", default="", kind=str),
        indicators=r.str_list(r.get(data, "indicators", "", default=[]), "indicators"),
        legal_gateways=tuple(gateways),
        extract=ExtractSpec(
            kind=r.choice(
                r.get(extract, "kind", "extract", kind=str), EXTRACT_KINDS, "extract.kind"
            ),
            schedule=r.choice(
                r.get(extract, "schedule", "extract", kind=str), SCHEDULES, "extract.schedule"
            ),
            max_days_between_extracts=r.get(
                extract, "max_days_between_extracts", "extract", default=None, kind=int
            ),
        ),
        retention=Retention(
            years=r.get(retention, "years", "retention", kind=int),
            basis=r.get(retention, "basis", "retention", default="", kind=str),
            start=r.choice(
                r.get(retention, "start", "retention", default="programme_end", kind=str),
                RETENTION_STARTS,
                "retention.start",
            ),
        ),
        file=FileSpec(
            format=file_format,
            extension=r.get(file, "extension", "file", default="csv", kind=str).lstrip("."),
            encoding=r.choice(
                r.get(file, "encoding", "file", default="utf-8", kind=str).lower(),
                ENCODINGS,
                "file.encoding",
            ),
            delimiter=delimiter,
            quotechar=quotechar,
            header=header,
        ),
        primary_key=primary_key,
        person_key=person_key,
        columns=columns,
        path=Path(source) if not isinstance(source, Path) else source,
    )


def load_contract(path: Path) -> Contract:
    """One contract YAML file, validated."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContractError(f"{path}: not valid YAML: {error}") from error
    contract = parse_contract(data, path)
    expected = Path(path).parent.name + "/" + Path(path).stem
    if contract.dataset != expected:
        raise ContractError(
            f"{path}: dataset: {contract.dataset!r} does not match its path {expected!r}"
        )
    return contract


def load_contracts(contracts_dir: Path | None = None) -> dict[str, Contract]:
    """Every contract in `orchestration/contracts/<agency>/<dataset>.yml`, by table name."""
    root = Path(contracts_dir) if contracts_dir is not None else paths.contracts_dir()
    contracts: dict[str, Contract] = {}
    for path in sorted(root.glob("*/*.yml")) + sorted(root.glob("*/*.yaml")):
        contract = load_contract(path)
        contracts[contract.table_name] = contract
    return dict(sorted(contracts.items()))


def parse_deny_list(data: Any, source: Path | str = "<deny list>") -> DenyList:
    r = _Reader(source)
    raw_categories = r.get(data, "categories", "", kind=list)
    categories = []
    for i, raw in enumerate(raw_categories):
        where = f"categories[{i}]"
        # "category" is accepted as a synonym of "name" (the deny list's own wording).
        key = "category" if isinstance(raw, dict) and "name" not in raw else "name"
        name = r.get(raw, key, where, kind=str)
        pattern_texts = r.str_list(r.get(raw, "patterns", where, kind=list), f"{where}.patterns")
        compiled = []
        for text in pattern_texts:
            try:
                compiled.append(re.compile(text, re.IGNORECASE))
            except re.error as error:
                raise r.fail(
                    f"{where}.patterns", f"{text!r} is not a valid regex: {error}"
                ) from error
        categories.append(
            DenyCategory(
                name=name,
                reason=r.get(raw, "reason", where, default="", kind=str),
                patterns=tuple(compiled),
            )
        )
    return DenyList(categories=tuple(categories))


def load_deny_list(path: Path | None = None) -> DenyList:
    """The project-wide deny list; a missing file is an error (the agreement requires it)."""
    path = Path(path) if path is not None else paths.contracts_dir() / "deny_list.yml"
    if not path.exists():
        raise ContractError(f"{path}: the deny list is missing (the agreement requires one)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContractError(f"{path}: not valid YAML: {error}") from error
    return parse_deny_list(data, path)
