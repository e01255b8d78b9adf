"""Products written at once by racing transactions, each committed on its own connection: one
SKU code (or barcode) goes to one product, and every other write is refused at that field
(whether its check saw the key taken, or the database's unique key refused it later)."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from shop.application import Invalid
from shop.data.repositories.product_admin import ProductAdminRepository
from tests import factories
from tests.concurrency import at_once, committed, postgresql_only

__all__ = ["committed"]  # the fixture, for pytest

WRITERS = 8


def _write(shop, n: int) -> str:
    actor = shop.system_actor("tests")
    try:
        with shop.transaction(actor=actor) as tx:
            tx.products.create({
                "slug": f"racer-{n}", "name_zh": "赛跑", "category": "racing",
                "skus": [{"code": "RACE-1", "price": "10.00"},
                         {"code": f"OWN-{n}", "price": "10.00", "barcode": "6901234567892"}]})
    except Invalid as exc:
        return "refused at " + " ".join(sorted(exc.errors))
    return "created"


def test_one_code_goes_to_one_product_the_others_are_named_at_the_field(committed):
    with committed.transaction(actor=committed.system_actor("tests")) as tx:
        factories.category(tx, "racing")
    outcomes = at_once(WRITERS, lambda n: _write(committed, n))
    assert outcomes == {"created": 1,
                        "refused at skus.0.code skus.1.barcode": WRITERS - 1}, outcomes


@postgresql_only
def test_a_bulk_price_change_never_overwrites_a_price_another_editor_committed(committed,
                                                                             monkeypatch):
    """READ COMMITTED: editor B commits a SKU's price after A's bulk action read the plan and
    checked its fingerprint, before A's UPDATE. A writes nothing and gets the new plan."""
    actor = committed.system_actor("tests")
    with committed.transaction(actor=actor) as tx:
        factories.attributes(tx)
        factories.category(tx, "racing")
        made = [factories.product(tx, "racing", price="30.00", sizes=("s", "m")) for _ in range(2)]
    ids = [str(p.id) for p in made]
    data = {"action": "price_amount", "change": "-1.00", "products": ids}
    with committed.transaction(actor=actor) as tx:
        plan = tx.products.bulk_preview(data)
    original = ProductAdminRepository.set_sku_prices

    def editor_b_commits_first(self, *args, **kwargs):
        with committed.transaction(actor=actor) as other:
            values = other.products.product(made[1].id).form_values(UTC)
            values["skus"][0]["price"] = Decimal("35.00")
            other.products.update(made[1].id, values)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ProductAdminRepository, "set_sku_prices", editor_b_commits_first)
    with committed.transaction(actor=actor) as tx:
        outcome = tx.products.bulk_apply({**data, "fingerprint": plan.fingerprint})
    monkeypatch.undo()
    assert not outcome.applied
    with committed.transaction(actor=actor) as tx:
        prices = [[s.price for s in tx.products.product(p.id).skus] for p in made]
    assert prices == [[Decimal("30.00"), Decimal("31.00")], [Decimal("35.00"), Decimal("31.00")]]
    assert outcome.plan.changes[1].skus[0].old_price == Decimal("35.00")
    with committed.transaction(actor=actor) as tx:
        assert tx.products.bulk_apply({**data, "fingerprint": outcome.plan.fingerprint}).applied
        prices = [[s.price for s in tx.products.product(p.id).skus] for p in made]
    assert prices == [[Decimal("29.00"), Decimal("30.00")], [Decimal("34.00"), Decimal("30.00")]]
