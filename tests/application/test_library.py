"""The application tier works as a library, with no web server: the README's examples, run,
and the README's list of what an integrator may call, checked against the services."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import shop.application as application_tier
from shop.application import Forbidden, Invalid, Shop

README = Path(__file__).resolve().parents[2] / "README.md"
#: The integrator's script is the Python block right after this line of the README.
SCRIPT_MARKER = "<!-- tests/application/test_library.py runs this block as it is"
#: Services whose public surface must be exactly the README's row (the others are checked
#: for every method the README names).
EXACT = ("accounts", "staff", "roles", "sessions", "inventory", "cart", "checkout", "orders",
         "shipping")
#: Public, but not for integrators: each service's unit of work.
NOT_LISTED = {"uow"}


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def readme_script() -> str:
    after = _readme().split(SCRIPT_MARKER, 1)[1]
    found = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert found, "the README's integrator script is missing"
    return found.group(1)


def readme_services() -> dict[str, set[str]]:
    """``{"accounts": {"log_in", …}}`` from the README's table of services."""
    rows = re.findall(r"^\| `tx\.(\w+)` \| (.*) \|$", _readme(), re.MULTILINE)
    return {name: set(re.findall(r"`(\w+)\(", methods)) for name, methods in rows}


def test_the_readme_integrator_script_runs(own_database, tmp_path, monkeypatch, capsys):
    Shop.from_settings({"sqlalchemy.url": own_database}).upgrade_database()
    monkeypatch.setenv("SHOP_DATABASE_URL", own_database)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "integrator"}
    exec(compile(readme_script(), "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["signed_in"].customer_id == namespace["registered"].customer_id
    assert 14 * 60 < namespace["retry_after"] <= 15 * 60
    printed = capsys.readouterr().out
    assert printed.count("password is wrong") == 5
    assert "locked: try again in" in printed and "registration code" in printed


def test_the_readme_lists_what_each_service_offers(shop):
    listed = readme_services()
    assert set(EXACT) <= set(listed)
    with shop.transaction() as tx:
        for name, methods in listed.items():
            service = getattr(tx, name)
            public = {a for a in dir(service) if not a.startswith("_")} - NOT_LISTED
            if name in EXACT:
                assert public == methods, name
            else:
                assert methods <= public, name


def test_what_the_readme_says_is_exported_is():
    tables = _readme().split("### What an integrator may call", 1)[1]
    read_models = re.findall(r"^\| `(\w+)` \| ", tables.split("| read model |", 1)[1],
                             re.MULTILINE)
    assert "SignedIn" in read_models and "StaffView" in read_models
    for name in [*read_models, "Throttled", "MissingPublicUrl"]:
        assert name in application_tier.__all__, name


def test_readme_example(tmp_path):
    # As in the README: an integrator's script, its own database and its own transactions.
    shop = Shop.from_settings({"sqlalchemy.url": f"sqlite:///{tmp_path / 'shop.sqlite'}"})
    shop.upgrade_database()
    try:
        with shop.transaction(actor=shop.system_actor("nightly-import")) as tx:
            tx.catalog.create_category({"slug": "tea", "name_zh": "茶叶", "name_en": "Tea"})
            tx.catalog.create_product({
                "slug": "longjing", "name_zh": "西湖龙井", "name_en": "Longjing tea",
                "category": "tea", "is_published": True,
                "skus": [{"code": "LJ-250", "price": "168.00", "stock_on_hand": 20}],
            })
        with shop.transaction(locale="en", writes=False) as tx:
            page = tx.catalog.category_page("tea", {})
            assert [p.name for p in page.products] == ["Longjing tea"]
            assert str(page.products[0].price) == "168.00"
    finally:
        shop.dispose()


def test_a_failed_block_leaves_nothing(shop):
    with pytest.raises(Invalid), shop.transaction(actor=shop.system_actor("t")) as tx:
        tx.catalog.create_category({"slug": "half-done", "name_zh": "半"})
        tx.catalog.create_category({"slug": "Not A Slug", "name_zh": "坏"})
    with shop.transaction(writes=False) as tx, pytest.raises(Exception, match="no category"):
        tx.catalog.category_page("half-done", {})


def test_anonymous_actor_cannot_write(shop):
    with pytest.raises(Forbidden), shop.transaction() as tx:
        tx.catalog.create_brand({"slug": "x", "name_zh": "x"})


def test_invalid_product_names_each_field(system):
    with pytest.raises(Invalid) as error:
        system.catalog.create_product({"slug": "Bad Slug", "name_zh": "", "category": "none",
                                       "skus": [{"code": "A", "price": "-1"}]})
    assert {"slug", "name_zh", "skus.0.price"} <= set(error.value.errors)


def test_description_is_sanitized(system):
    system.catalog.create_category({"slug": "safe", "name_zh": "安全"})
    system.catalog.create_product({
        "slug": "safe-1", "name_zh": "安全", "category": "safe", "is_published": True,
        "description_html": '<p onclick="x()">ok<script>alert(1)</script>'
                            '<a href="javascript:alert(1)">link</a></p>',
        "skus": [{"code": "SAFE-1", "price": "1.00"}],
    })
    html = system.catalog.product_page("safe-1").description_html
    assert "script" not in html and "onclick" not in html and "javascript:" not in html
    assert "<p>ok" in html


def test_a_unit_of_work_offers_only_what_the_readme_lists(system):
    """The database session and the internal steps (audit, outbox, events) stay private."""
    public = {name for name in dir(system) if not name.startswith("_")}
    assert public == {"shop", "clock", "actor", "locale", "channel", "client_ip", "identify",
                      "acting_as", *readme_services()}
