"""The dbt docs page is checked for anything that would reach another host."""

from orchestration.families.docs import offline_problems

_MANIFEST = '<script>var m = {"metadata": {"send_anonymous_usage_stats": %s}};</script>'


def test_a_page_with_tracking_off_and_no_outside_loads_has_no_problems():
    assert offline_problems("<html>" + _MANIFEST % "false" + "</html>") == []


def test_tracking_left_on_in_the_embedded_manifest_is_a_problem():
    problems = offline_problems("<html>" + _MANIFEST % "true" + "</html>")
    assert len(problems) == 1 and "Snowplow" in problems[0]


def test_a_stylesheet_from_a_font_cdn_is_a_problem():
    html = (
        '<html><link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Inter">'
        + _MANIFEST % "false"
        + "</html>"
    )
    assert offline_problems(html) == ["loads https://fonts.googleapis.com/css?family=Inter"]
