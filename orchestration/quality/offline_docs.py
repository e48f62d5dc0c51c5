"""Data Docs that work offline: every page points at styles and scripts served from the site.

GX 1.24's templates load Bootstrap, jQuery, bootstrap-table, Vega and Font Awesome from public
CDNs and its logo from a cloud bucket with the data context's id attached. Offline the index
lists no validations (its table is drawn by bootstrap-table) and pages render unstyled; online,
every view tells outside hosts that someone opened a quality report. After each build the pages
GX just wrote are pointed at the same versions, kept in `data_docs_assets/` and copied into the
site. A URL GX adds in a later release is not guessed at: `external_loads` finds it and the
offline-docs test fails, naming it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS_DIR = Path(__file__).with_name("data_docs_assets")
SITE_VENDOR_DIR = Path("static") / "vendor"

_BT = "https://unpkg.com/bootstrap-table@"
_FILTER = "dist/extensions/filter-control/bootstrap-table-filter-control"
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs/"
# The CDN URLs GX's templates use -> the vendored file (relative to data_docs_assets/).
CDN_TO_VENDORED = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/bootstrap.min.js"
    ),
    f"{_BT}1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    f"{_BT}1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    # Some templates name 1.19.0 for this stylesheet; 1.19.1's has the same rules.
    f"{_BT}1.19.0/{_FILTER}.css": "bootstrap-table/bootstrap-table-filter-control.min.css",
    f"{_BT}1.19.0/{_FILTER}.min.css": "bootstrap-table/bootstrap-table-filter-control.min.css",
    f"{_BT}1.19.1/{_FILTER}.min.js": "bootstrap-table/bootstrap-table-filter-control.min.js",
    f"{_CDNJS}bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/bootstrap-datepicker.min.css"
    ),
    f"{_CDNJS}bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/bootstrap-datepicker.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-dark/bootstrap-prefers-dark.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    f"{_CDNJS}popper.js/1.12.9/umd/popper.min.js": "popper/popper.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega/vega-embed.min.js",
    f"{_CDNJS}font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
}
# Logos from GX's bucket (any name, any query such as the data context id) -> GX's own logo,
# which the site builder already copies into static/images.
_GX_BUCKET = re.compile(r"https://great-expectations-web-assets\.s3[^\"'\s]*")
# Subresource integrity and CORS attributes: a file:// page cannot fetch with CORS.
_SRI_ATTRIBUTES = re.compile(r'\s+(integrity="[^"]*"|crossorigin="[^"]*")')
# What makes a browser fetch: src/href of script, link, img, source; CSS url() and @import.
_LOAD_TAG = re.compile(
    r"<(script|link|img|source|iframe|embed|audio|video)\b[^>]*?\b(src|href|srcset)\s*=\s*"
    r"[\"']?([^\"'\s>]+)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])([^\"')\s]+)", re.IGNORECASE)


def external_loads(html: str) -> list[str]:
    """URLs on another host that a browser would fetch to show this page (links a reader may
    follow are not loads). Empty for a page that renders offline."""
    found = [m.group(3) for m in _LOAD_TAG.finditer(html)]
    found += [m.group(1) for m in _CSS_URL.finditer(html)]
    return sorted({url for url in found if re.match(r"(?i)^(https?:)?//", url)})


def _relative(from_page: Path, site: Path, target: Path) -> str:
    return Path(os.path.relpath(site / target, from_page.parent)).as_posix()


def localise_page(page: Path, site: Path) -> None:
    """Point one page at the site's own copies of GX's CDN assets and logo."""
    html = page.read_text(encoding="utf-8")
    rewritten = html
    for url, vendored in CDN_TO_VENDORED.items():
        if url in rewritten:
            rewritten = rewritten.replace(url, _relative(page, site, SITE_VENDOR_DIR / vendored))
    logo = _relative(page, site, Path("static/images/logo-long.png"))
    rewritten = _GX_BUCKET.sub(logo, rewritten)
    rewritten = _SRI_ATTRIBUTES.sub("", rewritten)
    if rewritten != html:
        page.write_text(rewritten, encoding="utf-8")


def localise_site(site: Path, since: float | None = None) -> int:
    """Copy the vendored assets into `site` and localise the pages written at or after `since`
    (a timestamp; all pages when None). Returns how many pages were looked at."""
    shutil.copytree(ASSETS_DIR, site / SITE_VENDOR_DIR, dirs_exist_ok=True)
    pages = 0
    for page in site.rglob("*.html"):
        if since is not None and page.stat().st_mtime < since:
            continue  # written (and localised) by an earlier build
        localise_page(page, site)
        pages += 1
    return pages
