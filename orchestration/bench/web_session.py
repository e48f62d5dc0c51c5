"""A signed-in user of the web application over plain HTTP (a cookie jar, Django's CSRF
token): how the benchmark's page timings and the tests' simulated users reach the pages."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request


class WebSessionError(RuntimeError):
    """A page did not answer as a signed-in user's page should (the message says which)."""


CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def post_form(opener: urllib.request.OpenerDirector, url: str, fields: dict) -> str:
    """GET the form at `url` for its CSRF token, POST `fields` to it; the answer's body."""
    page = opener.open(url, timeout=60).read().decode()
    found = CSRF_TOKEN.search(page)
    if found is None:
        raise WebSessionError(f"{url}: no form with a CSRF token in the page")
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": found.group(1)}).encode()
    with opener.open(urllib.request.Request(url, data=body), timeout=60) as answer:
        return answer.read().decode()


def signed_in(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """An opener holding a session signed in through the real sign-in form."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = post_form(opener, f"{base}/sign-in/", {"username": username, "password": password})
    if 'id="id_password"' in page:
        raise WebSessionError(f"{base}: {username} could not sign in")
    return opener


def give_purpose(opener: urllib.request.OpenerDirector, base: str, family_id: str) -> None:
    """Answer a family page's "why are you opening this family?" (asked once a session)."""
    post_form(opener, f"{base}/families/{family_id}/", {"purpose": "eligibility_check"})
