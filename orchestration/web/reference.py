"""What the web pages need of the contracts beyond readable names (which live in
orchestration/families/readable_names.py, shared with `families explain` and the exports)."""

from __future__ import annotations

from orchestration.families import readable_names


def agencies() -> list[str]:
    """Agencies with a contract, for IAO accounts and their pages."""
    return readable_names.agencies()
