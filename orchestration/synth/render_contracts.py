"""Write the contract YAML files from the agency layouts.

Run `python -m orchestration.synth.render_contracts` after editing layouts.py.

The contracts are the interface other stages read; rendering them from the same layouts the
writer uses keeps the files and the generated extracts in step. A test fails when a file on
disk differs from what this module renders.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.synth.layouts import IAO, LAYOUTS, PROGRAMME, RETENTION, Layout

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"

DENY_LIST = {
    "description": (
        "Categories the information sharing agreement excludes: data relating to adoption, "
        "health care professionals' case notes, and cases relating to legal proceedings against "
        "members of staff. A file whose header carries a column matching any pattern is refused "
        "whole. Patterns are case-insensitive regular expressions matched against each header name."
    ),
    "categories": [
        {
            "category": "adoption",
            "patterns": [r"adopt", r"placement_order", r"placementorder", r"birth_parent_contact"],
        },
        {
            "category": "health_case_notes",
            "patterns": [
                r"case_?notes?",
                r"clinical_?notes?",
                r"clinician_?notes?",
                r"consultation_?notes?",
                r"progress_?notes?",
                r"free_?text",
                r"narrative",
                r"gp_?notes?",
            ],
        },
        {
            "category": "legal_proceedings_against_staff",
            "patterns": [
                r"staff_?(complaint|disciplinary|grievance|litigation|tribunal)",
                r"employee_?(complaint|disciplinary|grievance|litigation|tribunal)",
                r"employment_?tribunal",
                r"allegation_?against_?staff",
                r"lado",
            ],
        },
    ],
}


def contract_dict(layout: Layout) -> dict:
    role, organisation = IAO[layout.agency]
    columns = []
    for column in layout.columns:
        entry: dict = {"name": column.name, "type": column.type}
        if column.format is not None:
            entry["format"] = column.format
        entry["required"] = column.required
        entry["personal_identifier"] = column.identifier_kind is not None
        if column.identifier_kind is not None:
            entry["identifier_kind"] = column.identifier_kind
        if column.allowed_values is not None:
            entry["allowed_values"] = list(column.allowed_values)
        entry["description"] = column.description
        columns.append(entry)
    return {
        "dataset": layout.key,
        "agency": layout.agency,
        "organisation": organisation,
        "information_asset_owner": {"name": "Synthetic Owner", "role": role},
        "description": layout.description,
        "indicators": list(layout.indicators),
        "legal_gateways": list(layout.gateways),
        "extract": {
            "kind": layout.kind,
            "schedule": layout.schedule,
            "max_days_between_extracts": layout.max_days_between_extracts,
        },
        "retention": dict(RETENTION),
        "file": {
            "format": "csv",
            "extension": layout.extension,
            "encoding": layout.encoding,
            "delimiter": layout.delimiter,
            "quotechar": '"',
            "header": True,
        },
        "primary_key": list(layout.primary_key),
        "person_key": list(layout.person_key),
        "columns": columns,
    }


def render(layout: Layout) -> str:
    header = "# Rendered from orchestration/synth/layouts.py: edit there and re-render.\n"
    return header + yaml.safe_dump(
        contract_dict(layout), sort_keys=False, allow_unicode=True, width=100
    )


def render_deny_list() -> str:
    return "# Excluded categories (information sharing agreement).\n" + yaml.safe_dump(
        DENY_LIST, sort_keys=False, width=100
    )


def render_programme() -> str:
    return "# The programme's dated settings: contracts' retention counts from end_date.\n" + (
        yaml.safe_dump(PROGRAMME, sort_keys=False, width=100)
    )


def expected_files() -> dict[Path, str]:
    files = {
        CONTRACTS_DIR / layout.agency / f"{layout.dataset}.yml": render(layout)
        for layout in LAYOUTS
    }
    files[CONTRACTS_DIR / "deny_list.yml"] = render_deny_list()
    files[CONTRACTS_DIR / "programme.yml"] = render_programme()
    return files


def main() -> None:
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(LAYOUTS)} contracts, the deny list and programme.yml under {CONTRACTS_DIR}")


if __name__ == "__main__":
    main()
