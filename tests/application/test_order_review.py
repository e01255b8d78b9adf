"""Order review (订单审核): off by default; when on, a paid (or cash-on-delivery) order waits and
cannot ship; the rules approve some after commit through the event handlers; people approve,
hold or reject (cancelled and refunded through the cancel path); rules changed by admins only,
refused with the field named, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.application import Conflict, Forbidden, Invalid
from shop.application.events.dispatch import dispatch_events
from shop.data.models import AuditEntry, ShopSetting
from tests import staff_factories as sf
from tests.ordering_support import BEIJING, buyer, place, prepare_shop, sku_codes

SHIP = {"carrier": "SF", "tracking_number": "SF1234567890"}


@pytest.fixture
def skus(system):
    prepare_shop(system)
    return sku_codes(system, stock=50, price="1000.00")


def _rules(system, **values):
    admin = sf.acting(system, sf.staff(system, ["administrator"]))
    return admin.order_review.update_rules({"enabled": True, **values})


def _paid(shop, who, sku, quantity=1):
    number = place(shop, who, {sku: quantity}).number
    with shop.transaction(shop.system_actor("payments")) as tx:
        tx.orders.mark_paid(number, "test")
    return number


def _review(system, number):
    return sf.acting(system, sf.staff(system, ["customer_service"])).order_desk \
        .detail(number).review


def test_without_review_orders_ship_as_before(shop, system, skus):
    number = _paid(shop, buyer(shop), skus[0])
    assert _review(system, number) is None
    cs = sf.acting(system, sf.staff(system, ["customer_service"]))
    cs.order_desk.ship(number, SHIP)


def test_the_rules_approve_a_small_order_after_payment(shop, system, skus):
    _rules(system, max_payable="2000.00", require_address=True, no_risk_flag=True)
    number = _paid(shop, buyer(shop), skus[0])
    assert _review(system, number) == "pending"
    cs = sf.acting(system, sf.staff(system, ["customer_service"]))
    with pytest.raises(Conflict):
        cs.order_desk.ship(number, SHIP)  # not before the review ran
    dispatch_events(shop)
    assert _review(system, number) == "approved"
    cs.order_desk.ship(number, SHIP)
    assert system._session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "order.review.auto")) == 1


def test_a_large_flagged_or_blacklisted_order_waits_for_a_person(shop, system, skus):
    _rules(system, max_payable="2000.00", no_risk_flag=True, blacklist="139 0013 9000")
    who = buyer(shop)
    large = _paid(shop, who, skus[0], 2)
    dispatch_events(shop)
    assert _review(system, large) == "pending"
    cs = sf.acting(system, sf.staff(system, ["customer_service"]))
    reasons = cs.order_desk.detail(large).review_reasons
    assert [r.interpolate() for r in reasons] == ["The payable is ¥2000.00 or more"]
    assert [r.number for r in cs.order_desk.search({"review": "queue"}).rows] == [large]
    blacklisted = buyer(shop, BEIJING)
    with shop.transaction(blacklisted.actor) as tx:
        blacklisted.address_id = tx.addresses.add({
            "recipient": "李四", "mobile": "13900139000", "street": "长安街 2 号",
            **BEIJING}).id
    number = _paid(shop, blacklisted, skus[0])
    dispatch_events(shop)
    assert _review(system, number) == "pending"


def test_people_approve_hold_and_reject(shop, system, skus):
    _rules(system, max_payable="100.00")
    who = buyer(shop)
    first, second = _paid(shop, who, skus[0]), _paid(shop, who, skus[0])
    dispatch_events(shop)
    cs = sf.acting(system, sf.staff(system, ["customer_service"]))
    cs.order_review.decide(first, {"decision": "hold", "note": "等客户回电"})
    assert _review(system, first) == "held"
    with pytest.raises(Conflict):
        cs.order_desk.ship(first, SHIP)
    cs.order_review.decide(first, {"decision": "approve"})
    cs.order_desk.ship(first, SHIP)
    with pytest.raises(Conflict):
        cs.order_review.decide(first, {"decision": "approve"})  # not waiting any more
    with pytest.raises(Invalid) as refused:
        cs.order_review.decide(second, {"decision": "reject"})
    assert set(refused.value.errors) == {"note"}
    assert _review(system, second) == "pending"
    cs.order_review.decide(second, {"decision": "reject", "note": "地址可疑"})
    detail = cs.order_desk.detail(second)
    assert (detail.order.state, detail.review) == ("cancelled", "rejected")
    assert detail.order.timeline[-1].note == "地址可疑"
    assert [n.text for n in cs.order_desk.detail(first).notes] == ["On hold: 等客户回电",
                                                                   "Approved"]
    actions = list(system._session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("order.review.%")).order_by(AuditEntry.id)))
    assert actions == ["order.review.rules", "order.review.hold", "order.review.approve",
                       "order.review.reject"]


def test_a_cash_on_delivery_order_waits_from_placing(shop, system, skus):
    shop.settings["shop.payment.cod.provinces"] = BEIJING["province"]
    shop.settings["shop.payment.cod.max_amount"] = "5000.00"
    _rules(system, max_payable="2000.00")
    number = place(shop, buyer(shop), {skus[0]: 1}, payment_method="cod").number
    assert _review(system, number) == "pending"
    dispatch_events(shop)
    assert _review(system, number) == "approved"


@pytest.mark.parametrize("data, field", [({"max_payable": "abc"}, "max_payable"),
                                         ({"blacklist": "13800138000, hello"}, "blacklist"),
                                         ({"max_payable": "-5"}, "max_payable")])
def test_bad_rules_name_their_field_and_write_nothing(system, data, field):
    with pytest.raises(Invalid) as refused:
        _rules(system, **data)
    assert set(refused.value.errors) == {field}
    assert system._session.scalar(select(func.count()).select_from(ShopSetting).where(
        ShopSetting.key == "order_review")) == 0


@pytest.mark.parametrize("role", ["customer_service", "warehouse"])
def test_only_settings_managers_set_the_rules(system, role):
    other = sf.acting(system, sf.staff(system, [role]))
    with pytest.raises(Forbidden):
        other.order_review.update_rules({"enabled": True})
    with pytest.raises(Forbidden):
        other.order_review.rules()


def test_viewers_may_not_decide(shop, system, skus):
    _rules(system, max_payable="100.00")
    number = _paid(shop, buyer(shop), skus[0])
    viewer = sf.acting(system, sf.staff(system, ["warehouse"]))
    with pytest.raises(Forbidden):
        viewer.order_review.decide(number, {"decision": "approve"})
    assert _review(system, number) == "pending"
