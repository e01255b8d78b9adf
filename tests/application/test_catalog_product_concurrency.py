"""Products written at once by racing transactions, each committed on its own connection: one
SKU code (or barcode) goes to one product, and every other write is refused at that field
(whether its check saw the key taken, or the database's unique key refused it later)."""

from __future__ import annotations

from shop.application import Invalid
from tests import factories
from tests.concurrency import at_once, committed

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
