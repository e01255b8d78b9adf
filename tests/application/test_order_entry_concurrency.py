"""Two staff members importing the same group-buy file at once, each in its own committed
transaction: the database's unique (platform, external_id) lets exactly one order be made;
the other import is told it is a duplicate or was imported meanwhile, never a server error."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from shop.application import Conflict
from shop.application.accounts.customers import CustomerAccounts
from shop.data.models import Order, Payment
from tests import staff_factories as sf
from tests.concurrency import at_once, committed
from tests.ordering_support import prepare_shop, sku_codes

__all__ = ["committed"]  # the fixture, for pytest

HEADER = ("external_id,platform,recipient,mobile,province,city,district,address,sku_code,"
          "quantity,paid_amount,paid_at")


def test_one_file_imported_twice_at_once_makes_one_order(committed, clock):
    with committed.transaction(committed.system_actor("tests")) as tx:
        prepare_shop(tx)
        [sku] = sku_codes(tx, stock=10, price="100.00")
        CustomerAccounts(tx).new_customer(mobile="+8613900139000", name="李四")
        actors = [sf.actor(tx, sf.staff(tx, ["customer_service"])) for _ in range(2)]
    content = (f"{HEADER}\nMT-9,美团,李四,13900139000,110000,110100,110105,长安街 8 号,"
               f"{sku},1,88.80,{clock.now().strftime('%Y-%m-%d %H:%M:%S')}\n")

    def run(n: int) -> str:
        try:
            with committed.transaction(actors[n]) as tx:
                report = tx.order_entry.import_group_buy({"content": content})
        except Conflict:
            return "imported meanwhile"
        return "created" if report.created else "duplicate"

    outcomes = at_once(2, run)
    assert outcomes["created"] == 1 and sum(outcomes.values()) == 2
    assert set(outcomes) <= {"created", "duplicate", "imported meanwhile"}, outcomes
    with committed.transaction(committed.system_actor("tests")) as tx:
        assert tx._session.scalar(select(func.count()).select_from(Order)) == 1
        assert tx._session.scalars(select(Payment.amount)).all() == [Decimal("88.80")]
