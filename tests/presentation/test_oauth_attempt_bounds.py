"""Starting an OAuth login records an attempt; hitting the start link cannot fill the table.

At most ``STARTS_PER_ADDRESS`` logins start from one address within an attempt's lifetime (then
429 until the oldest start ages out) and ``ATTEMPTS_PER_BROWSER`` are under way from one browser
(its oldest are dropped)."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import func, select

from shop.application.oauth.service import ATTEMPTS_PER_BROWSER, STARTS_PER_ADDRESS
from shop.data.models import OAuthAttempt
from tests.presentation.conftest import VISITOR
from tests.presentation.oauth_flow import at_provider, local


@pytest.fixture
def settings(settings, fake):
    return {**settings, **fake.settings("oidc")}


def attempts(shop, *where):
    with shop.transaction() as tx:
        return tx._session.scalar(select(func.count()).select_from(OAuthAttempt).where(*where))


def from_address(wsgi_app, address):
    """A visitor at ``address`` that keeps no cookies: a new browser at every request."""
    return webtest.TestApp(wsgi_app, extra_environ={**VISITOR, "REMOTE_ADDR": address})


def test_two_hundred_starts_from_one_address_leave_a_bounded_trace(wsgi_app, shop):
    statuses = []
    for _ in range(200):
        visitor = from_address(wsgi_app, "198.51.100.7")
        statuses.append(visitor.get("/oauth/oidc/start", status="*").status_int)
    assert statuses[:STARTS_PER_ADDRESS.count] == [303] * STARTS_PER_ADDRESS.count
    assert set(statuses[STARTS_PER_ADDRESS.count:]) == {429}
    assert attempts(shop) == STARTS_PER_ADDRESS.count
    refused = from_address(wsgi_app, "198.51.100.7").get("/oauth/oidc/start", status=429)
    assert int(refused.headers["Retry-After"]) > 0
    # Someone elsewhere is not held up.
    from_address(wsgi_app, "198.51.100.8").get("/oauth/oidc/start", status=303)


def test_one_browser_keeps_only_its_newest_attempts_and_the_last_one_works(web, shop, fake):
    for _ in range(ATTEMPTS_PER_BROWSER * 2):
        start = web.get("/oauth/oidc/start", status=303)
    assert attempts(shop) == ATTEMPTS_PER_BROWSER
    callback = at_provider(fake, start.location).location
    assert web.get(local(callback), status=303).location.endswith("/account")
