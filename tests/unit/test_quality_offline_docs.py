"""Data Docs pages pointed at the site's own assets: what counts as a load from another host."""

from __future__ import annotations

from orchestration.quality.offline_docs import (
    ASSETS_DIR,
    CDN_TO_VENDORED,
    external_loads,
    localise_page,
)

GX_LOGO = (
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png"
    "?d=1&dataContextId=abc"
)
PAGE = f"""<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js"
  integrity="sha384-abc" crossorigin="anonymous"></script>
<style>body {{ background: url('//tracker.example/pixel.gif') }}</style>
</head><body>
<img class="NO-CACHE" src="{GX_LOGO}" />
<a href="https://greatexpectations.io">a link is not a load</a>
<img src="data:image/png;base64,AAAA" />
</body></html>"""


def test_scripts_styles_images_and_css_urls_on_other_hosts_are_loads_links_are_not():
    assert external_loads(PAGE) == [
        "//tracker.example/pixel.gif",
        GX_LOGO,
        "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
        "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
    ]


def test_a_page_is_pointed_at_vendored_assets_relative_to_its_depth(tmp_path):
    site = tmp_path / "data_docs"
    page = site / "validations" / "suite" / "run" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE)
    localise_page(page, site)
    html = page.read_text()
    assert 'href="../../../static/vendor/bootstrap/bootstrap.min.css"' in html
    assert 'src="../../../static/images/logo-long.png"' in html
    assert "dataContextId" not in html and "integrity=" not in html
    # The CSS url() to an unknown host is not guessed at: it is still reported.
    assert external_loads(html) == ["//tracker.example/pixel.gif"]


def test_every_mapped_cdn_url_has_its_vendored_file():
    missing = [f for f in CDN_TO_VENDORED.values() if not (ASSETS_DIR / f).is_file()]
    assert missing == []
