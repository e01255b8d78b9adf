"""Fuzzing: Hypothesis writes query strings and form bodies for a handful of representative
routes, and no answer is a 5xx or lacks the security headers.

The route walk (``test_hostile_routes``) tries known kinds of trouble on every route; this
tries combinations nobody listed: several fields at once, odd names, bytes that are not UTF-8,
numbers of any size, digits of any script, dates of any year, broken ranges and raw bodies.
Example counts are bounded so that the whole module runs in seconds.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from tests import factories
from tests.presentation import hostile

#: (who, method, path, the field names the route's form or links use)
ROUTES = [
    ("anonymous", "GET", "/c/clothes", ["page", "per_page", "sort", "price", "brand", "color",
                                        "size", "fit", "q"]),
    ("anonymous", "GET", "/search", ["q", "page", "per_page"]),
    ("anonymous", "GET", "/p/{product}", ["sku"]),
    ("anonymous", "POST", "/account/login", ["identifier", "password", "remember", "came_from"]),
    ("anonymous", "POST", "/account/register", ["channel", "mobile", "email", "ref"]),
    ("anonymous", "POST", "/locale", ["locale", "came_from"]),
    ("anonymous", "GET", "/oauth/oidc/callback", ["state", "code", "error"]),
    ("shopper", "POST", "/account/addresses/new", ["recipient", "mobile", "province", "city",
                                                   "district", "street", "postcode",
                                                   "is_default", "choose_region"]),
    ("shopper", "POST", "/account/invoice-titles", ["title_kind", "title", "tax_code",
                                                    "bank_name", "bank_account",
                                                    "company_address", "company_phone"]),
    ("shopper", "POST", "/account/profile", ["name", "gender", "birthday"]),
    ("administrator", "GET", "/admin/audit", ["actor", "action", "entity_type", "entity_id",
                                              "since", "until", "before_id"]),
    ("administrator", "GET", "/admin/staff", ["page", "q"]),
    ("administrator", "POST", "/admin/staff/new", ["username", "email", "name", "password",
                                                   "roles", "is_active"]),
]


def encoded(text: str) -> str:
    return quote(text, safe="")


undecodable = st.binary(min_size=1, max_size=12).map(lambda raw: "".join(f"%{b:02x}"
                                                                          for b in raw))
numbers = st.integers(min_value=-(10**40), max_value=10**40).map(str)
digits_of_any_script = st.text(st.characters(categories=["Nd", "No"]), min_size=1,
                               max_size=12).map(encoded)
values = st.one_of(
    st.text(max_size=40).map(encoded),
    undecodable,
    numbers,
    digits_of_any_script,
    st.dates().map(lambda day: day.isoformat()),
    st.tuples(numbers | st.just(""), numbers | st.just("")).map(lambda r: f"{r[0]}-{r[1]}"),
    st.sampled_from(hostile.VALUES),
)


def fields_for(names: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    name = st.sampled_from(names) | st.text(max_size=12).map(encoded)
    return st.lists(st.tuples(name, values), max_size=8)


@pytest.fixture
def settings(settings, fake):
    return {**settings, **fake.settings("oidc")}


@pytest.fixture
def product(system):
    return factories.small_catalog(system, products=4)["products"][0].slug


@pytest.mark.parametrize(("who", "method", "path", "names"), ROUTES,
                         ids=[f"{method} {path}" for _, method, path, _ in ROUTES])
def test_fuzzed_fields_never_get_a_5xx(wsgi_app, visitors, product, who, method, path, names):
    url = path.format(product=product)
    token = visitors.session(who)

    @examples(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(fields=fields_for(names))
    def fuzz(fields: list[tuple[str, str]]) -> None:
        assert hostile.failure(wsgi_app, method, url, fields, session=token) is None

    fuzz()


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "",
                                          "application/x-www-form-urlencoded; charset=gbk"])
def test_fuzzed_form_bodies_never_get_a_5xx(wsgi_app, content_type):
    @examples(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=st.binary(max_size=300))
    def fuzz(body: bytes) -> None:
        response = hostile.send(wsgi_app, "POST", "/account/login", body=body,
                                content_type=content_type)
        assert response.status_int < 500 and hostile.SHOP_HEADER in response.headers

    fuzz()
