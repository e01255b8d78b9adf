"""The README's ordering script runs as it is: an integrator puts a SKU in a shopper's cart,
chooses the address and shipping, places the order, reads the payable breakdown, cancels."""

from __future__ import annotations

from decimal import Decimal

from shop.application import Shop
from tests.application.test_library import README
from tests.shoppers import new_customer

MARKER = "<!-- tests/application/test_library_orders.py runs this block as it is"


def _script() -> str:
    after = README.read_text(encoding="utf-8").split(MARKER, 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_ordering_script_runs(own_database, monkeypatch, capsys):
    shop = Shop.from_settings({"sqlalchemy.url": own_database})
    shop.upgrade_database()
    customer_id = new_customer(shop)
    shop.dispose()
    monkeypatch.setenv("SHOP_DATABASE_URL", own_database)
    monkeypatch.setenv("SHOP_CUSTOMER_ID", str(customer_id))
    namespace: dict = {"__name__": "integrator"}
    exec(compile(_script(), "README.md", "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    # 4 × 300 g = 1.2 kg: the first kilogram ¥12, the next started one ¥2.
    assert printed[0] == "[('sf', Decimal('14.00'))]"
    assert printed[1] == "awaiting_payment 672.00 14.00 686.00"
    assert printed[2] == "cancelled 20"
    assert namespace["placed"].payable == Decimal("686.00")
    assert namespace["order"].invoice.tax_code == "91350100M000100Y43"
