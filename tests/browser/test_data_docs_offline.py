"""The Data Docs in a real browser with every outbound request refused: listed and styled.

Builds the quality reports of the sample warehouse, opens the Data Docs index and one
validation page in Debian's Chromium from the file system, and refuses (and records) any
request that is not for a local file, as a machine with no internet would.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration.ingest.contract import load_contracts
from orchestration.quality.reports import write_quality_reports
from orchestration.quality.sample_data import build_sample_warehouse
from orchestration.quality.validate import validate_all
from tests.chromium import chromium_context

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def data_docs(tmp_path_factory):
    root = tmp_path_factory.mktemp("offline-docs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FAMILIES_DATA_DIR", str(root))
        contracts = load_contracts()
        with duckdb.connect(str(root / "warehouse.duckdb")) as con:
            build_sample_warehouse(con, contracts)
            validate_all(con, contracts)
            write_quality_reports(con, contracts)
    return root / "reports" / "quality" / "data_docs"


@pytest.fixture(scope="module")
def offline_page(tmp_path_factory):
    refused: list[str] = []

    def refuse_network(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    profile = tmp_path_factory.mktemp("chromium-profile")
    with chromium_context(profile, viewport={"width": 1400, "height": 1000}) as context:
        context.route("**/*", refuse_network)
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page, refused


def _styled(page) -> bool:
    # Bootstrap 4 makes the navbar a flex box; unstyled, it is a block.
    return page.eval_on_selector("nav.navbar", "n => getComputedStyle(n).display") == "flex"


def test_index_lists_the_validations_styled_with_nothing_fetched_outside(data_docs, offline_page):
    page, refused = offline_page
    page.goto((data_docs / "index.html").as_uri())
    # The first tab's table lists the validation results (drawn by bootstrap-table's script).
    results = page.locator("table[id$='-body-table']").first
    results.locator("tbody tr[data-index]").first.wait_for()
    rows = results.locator("tbody tr[data-index]").count()
    assert rows == len(list((data_docs / "validations").rglob("*.html")))
    assert _styled(page)
    page.screenshot(path=str(data_docs.parent / "data_docs_index_offline.png"))
    assert refused == []


def test_a_validation_page_renders_styled_offline_and_links_its_suite(data_docs, offline_page):
    page, refused = offline_page
    validation = next((data_docs / "validations").rglob("*.html"))
    page.goto(validation.as_uri())
    page.wait_for_load_state("load")
    assert _styled(page)
    logo = page.locator("nav.navbar img").first
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    suite_link = page.locator("a[href*='expectations/']").first
    suite_link.click()
    page.wait_for_load_state("load")
    assert page.url.startswith("file://") and "/expectations/" in page.url
    assert _styled(page)
    assert refused == []
