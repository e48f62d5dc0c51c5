"""The cost of encryption at rest, from a plain and an encrypted run of the same nights:
time and peak memory of each, the ratio encrypted / plain, and the goal."""

from __future__ import annotations

# The goal issue 17 sets: encryption costs under a tenth of the night.
MAX_OVERHEAD = 0.10


def compare(plain_nights: list[dict], encrypted_nights: list[dict]) -> dict:
    """Per night: time and peak memory without and with encryption, and encrypted / plain."""
    nights = []
    for plain, encrypted in zip(plain_nights, encrypted_nights, strict=True):
        nights.append(
            {
                "night": plain["night"],
                "plain_seconds": plain["seconds"],
                "encrypted_seconds": encrypted["seconds"],
                "time_ratio": round(encrypted["seconds"] / plain["seconds"], 3),
                "plain_peak_gb": plain["peak_gb"],
                "encrypted_peak_gb": encrypted["peak_gb"],
                "memory_ratio": round(encrypted["peak_gb"] / plain["peak_gb"], 3)
                if plain["peak_gb"]
                else None,
                # Other work on a shared machine moves either figure: show what each met.
                "load_average_at_start": [
                    plain.get("load_average_at_start"),
                    encrypted.get("load_average_at_start"),
                ],
            }
        )
    worst = max(n["time_ratio"] for n in nights)
    return {
        "nights": nights,
        "goal": f"encryption costs under {MAX_OVERHEAD:.0%} of the night",
        "met": worst - 1 < MAX_OVERHEAD,
    }


def encryption_markdown(comparison: dict | None) -> list[str]:
    if not comparison:
        return []
    lines = [
        "## The cost of encryption at rest",
        "",
        "The same nights run again with the data folder a mounted gocryptfs vault "
        "(`--encrypted`); memory includes the gocryptfs daemon. Ratios are encrypted / plain.",
        "",
        "| night | plain s | encrypted s | time ratio | plain peak GB | encrypted peak GB | "
        "memory ratio | load average at start, plain / encrypted |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in comparison["nights"]:
        memory = "-" if n["memory_ratio"] is None else f"{n['memory_ratio']:.3f}"
        lines.append(
            f"| {n['night']} | {n['plain_seconds']:.0f} | {n['encrypted_seconds']:.0f} | "
            f"{n['time_ratio']:.3f} | {n['plain_peak_gb']:.2f} | {n['encrypted_peak_gb']:.2f} | "
            f"{memory} | {' / '.join(str(x) for x in n['load_average_at_start'])} |"
        )
    verdict = "met" if comparison["met"] else "NOT met"
    lines += ["", f"Goal: {comparison['goal']}: {verdict}.", ""]
    return lines
