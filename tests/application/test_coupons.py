"""Coupons: templates and their validation, batches of codes and grants within a template's
total, the coupon center and claims, codes added to an account (and guessing them throttled),
my coupons per tab, the checkout's primitives (list, find a public code, redeem, give back),
the registration gift and the report."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shop.application import Conflict, Forbidden, Invalid, NotFound, Permission
from shop.application.promotions.coupon_codes import CODE_ALPHABET, CODE_LENGTH
from shop.application.security.throttle import Throttled
from shop.data.models import (
    AuditEntry,
    Coupon,
    CouponBatch,
    CouponTemplate,
    DiscountUse,
    Sku,
)
from tests import factories
from tests.coupons_support import (
    MARKETER,
    end,
    grant,
    new_template,
    orders,
    shoppers,
    staff_uow,
    template_data,
)


def rows(shop, model):
    with shop.transaction(shop.system_actor("tests")) as tx:
        return tx._session.scalar(select(func.count()).select_from(model))


def issue(shop, template_id, quantity, request_key=None):
    with shop.transaction(MARKETER) as tx:
        return tx.coupons.issue_codes(template_id, quantity, request_key)


def mine(shop, who, tab="usable", **page):
    with shop.transaction(who) as tx:
        return tx.coupons.mine(tab, **page)


def usable(shop, who):
    with shop.transaction(who) as tx:
        return tx.coupons.usable_for_checkout(who.id)


def redeem(shop, who, offer, order_id, amount="20.00"):
    with shop.transaction(who) as tx:
        tx.coupons.redeem(offer, who.id, order_id, amount)


def give_back(shop, order_id, ended="closed"):
    """What ordering does when an order closes unpaid or is cancelled."""
    if ended:
        end(shop, order_id, ended)
    with shop.transaction(shop.system_actor("close-unpaid")) as tx:
        tx.coupons.give_back(order_id)


def written(shop):
    return [rows(shop, model) for model in (CouponTemplate, CouponBatch, Coupon, AuditEntry)]


# -- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "gift"}, "kind"),
    ({"amount": None}, "amount"),
    ({"kind": "percent", "amount": None}, "percent"),
    ({"kind": "percent", "percent": "100"}, "percent"),
    ({"amount": "-1"}, "amount"),
    ({"min_spend": "lots"}, "min_spend"),
    ({"scope": {"everything": True, "category_ids": [3]}}, "scope"),
    ({"scope": {}}, "scope"),
    ({"scope": {"product_ids": ["x"]}}, "scope.product_ids.0"),
    ({"stacking": {"mode": "greedy"}}, "stacking.mode"),
    ({"stacking": {"mode": "group_exclusive"}}, "stacking.group"),
    ({"valid_until": "2099-01-01T00:00:00"}, "valid_days"),
    ({"valid_days": None}, "valid_until"),
    ({"valid_days": 0}, "valid_days"),
    ({"valid_days": None, "valid_from": "2099-02-01T00:00:00",
      "valid_until": "2099-01-01T00:00:00"}, "valid_until"),
    ({"valid_days": None, "valid_until": "2000-01-01T00:00:00"}, "valid_until"),
    ({"per_customer_limit": 0}, "per_customer_limit"),
    ({"total_quantity": "1.5"}, "total_quantity"),
    ({"public_code": "ab"}, "public_code"),
    ({"public_code": "SPRING20"}, "public_code"),  # taken, whatever its case
])
def test_an_invalid_template_names_its_field_and_writes_nothing(shop, fields, field):
    new_template(shop, public_code="spring20")
    before = written(shop)
    with shop.transaction(MARKETER) as tx, pytest.raises(Invalid) as refused:
        tx.coupons.create_template(template_data(**fields))
    assert list(refused.value.errors) == [field]
    assert written(shop) == before


def test_a_template_is_stored_normalised_and_audited(shop, system):
    template = new_template(shop, kind="percent", amount=None, percent="15", cap="50",
                            public_code=" spring-20 ", valid_days=None,
                            valid_until="2099-01-01T00:00:00",
                            scope={"category_ids": ["3"], "excluded_sku_ids": [9]},
                            stacking={"mode": "group_exclusive", "group": "coupons"})
    assert template.public_code == "SPRING20"
    assert (template.kind, template.percent, template.cap, template.amount) == (
        "percent", Decimal("15.00"), Decimal("50.00"), None)
    assert template.scope == {"everything": False, "category_ids": [3], "brand_ids": [],
                              "product_ids": [], "sku_ids": [], "excluded_product_ids": [],
                              "excluded_sku_ids": [9]}
    assert template.stacking == {"mode": "group_exclusive", "group": "coupons",
                                 "stacks_with": [], "priority": 0}
    assert template.valid_until.utcoffset() == timedelta(0)  # read in 上海 time, stored UTC
    assert template.valid_until.hour == 16
    [entry] = system._audit.entries(action_prefix="promotions.coupons.template.create")
    assert entry.actor_name == "staff:marketer" and entry.after["public_code"] == "SPRING20"


def test_only_marketing_staff_manage_templates_and_only_viewers_read_reports(shop, system):
    template = new_template(shop)
    [who] = shoppers(shop, 1)
    with shop.transaction(who) as tx, pytest.raises(Forbidden):
        tx.coupons.create_template(template_data())
    viewer = staff_uow(system, Permission.PROMOTION_VIEW)
    with pytest.raises(Forbidden):
        viewer.coupons.issue_codes(template.id, 1, None)
    assert viewer.coupons.report(template.id).issued == 0
    with pytest.raises(Forbidden):
        staff_uow(system, Permission.ORDER_VIEW).coupons.report(template.id)


def test_updating_keeps_the_total_above_what_was_issued_and_deactivating_stops_issuing(shop):
    template = new_template(shop, total_quantity=10)
    issue(shop, template.id, 4)
    terms = {"name_zh": "新名", "name_en": "New name", "per_customer_limit": 2}
    with shop.transaction(MARKETER) as tx, pytest.raises(Invalid) as refused:
        tx.coupons.update_template(template.id, {**terms, "total_quantity": 3})
    assert list(refused.value.errors) == ["total_quantity"]
    with shop.transaction(MARKETER) as tx:
        changed = tx.coupons.update_template(template.id, {**terms, "total_quantity": 4})
        tx.coupons.deactivate_template(template.id)
    assert (changed.name_zh, changed.total_quantity, changed.amount) == ("新名", 4,
                                                                         Decimal("20.00"))
    with shop.transaction(MARKETER) as tx:
        assert tx.coupons.templates() == [tx.coupons.template(template.id)]
        assert not tx.coupons.templates()[0].is_active
    with shop.transaction(MARKETER) as tx, pytest.raises(Conflict):
        tx.coupons.issue_codes(template.id, 1, None)


def test_typed_scope_codes_become_the_ids_and_an_unknown_one_is_named(shop, system):
    catalog = factories.small_catalog(system, products=2)
    product = catalog["products"][0]
    sku_id, sku_code = system._session.execute(select(Sku.id, Sku.code).where(
        Sku.product_id == product.id).order_by(Sku.id)).first()
    typed = {"everything": False, "category_ids": "shirts，jeans", "brand_ids": "",
             "excluded_product_ids": product.slug, "sku_ids": f"{sku_code} {sku_code}"}
    with shop.transaction(MARKETER) as tx:
        scope = tx.coupons.scope_from_codes(typed)
    leaves = sorted(leaf.id for leaf in catalog["leaves"])
    assert scope == {"everything": False, "category_ids": leaves, "brand_ids": [],
                     "product_ids": [], "sku_ids": [sku_id], "excluded_product_ids": [product.id],
                     "excluded_sku_ids": []}
    with shop.transaction(MARKETER) as tx, pytest.raises(Invalid) as refused:
        tx.coupons.scope_from_codes({**typed, "brand_ids": "acme nobody", "sku_ids": "NOPE"})
    assert {field: message.interpolate() for field, message in refused.value.errors.items()
            } == {"scope.brand_ids": "Unknown: nobody", "scope.sku_ids": "Unknown: NOPE"}
    with shop.transaction(MARKETER) as tx, pytest.raises(Invalid) as refused:
        tx.coupons.scope_from_codes({"product_ids": " ".join(f"p{i}" for i in range(2001))})
    assert list(refused.value.errors) == ["scope.product_ids"]
    [who] = shoppers(shop, 1)
    with shop.transaction(who) as tx, pytest.raises(Forbidden):
        tx.coupons.scope_from_codes(typed)


# -- issuing --------------------------------------------------------------------------------


def test_a_batch_of_codes_is_issued_once_per_request_key_and_within_the_total(shop):
    template = new_template(shop, total_quantity=6)
    batch = issue(shop, template.id, 5, "form-1")
    assert len(set(batch.codes)) == 5
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in batch.codes)
    with shop.transaction(MARKETER) as tx, pytest.raises(Conflict):
        tx.coupons.issue_codes(template.id, 5, "form-1")
    before = written(shop)
    for quantity in (2, 0, 5001, "1.5"):  # more than is left, or not a quantity at all
        with shop.transaction(MARKETER) as tx, pytest.raises(Invalid) as refused:
            tx.coupons.issue_codes(template.id, quantity, "form-2")
        assert list(refused.value.errors) == ["quantity"] and written(shop) == before
    issue(shop, template.id, 1, "form-2")  # the refused key was not spent
    with shop.transaction(MARKETER) as tx:
        report = tx.coupons.report(template.id)
        assert tx.coupons.template(template.id).issued_count == 6
    assert (report.issued, report.unbound, report.unused) == (6, 6, 6)


def test_a_grant_goes_to_existing_shoppers_once_per_request_key(shop):
    template = new_template(shop)
    first, second = shoppers(shop, 2)
    with shop.transaction(MARKETER) as tx, pytest.raises(Invalid) as refused:
        tx.coupons.grant(template.id, [first.id, 999999], "grant-1")
    assert list(refused.value.errors) == ["customer_ids"]
    with shop.transaction(MARKETER) as tx:
        granted = tx.coupons.grant(template.id, [first.id, second.id, first.id], "grant-1")
    assert granted.customer_ids == (first.id, second.id)
    with shop.transaction(MARKETER) as tx, pytest.raises(Conflict):
        tx.coupons.grant(template.id, [first.id], "grant-1")
    assert [len(mine(shop, who).items) for who in (first, second)] == [1, 1]


# -- the coupon center and claims ------------------------------------------------------------


def test_the_center_shows_what_is_left_and_claims_keep_both_limits(shop):
    template = new_template(shop, claimable=True, total_quantity=3, per_customer_limit=2)
    new_template(shop, name_zh="不可领", claimable=False)
    first, second = shoppers(shop, 2)
    with shop.transaction() as tx:  # a visitor who is not signed in
        [entry] = tx.coupons.center()
    assert (entry.template.id, entry.left, entry.may_claim) == (template.id, 3, None)
    with shop.transaction(first) as tx:
        claimed = tx.coupons.claim(template.id)
        tx.coupons.claim(template.id)
        [entry] = tx.coupons.center()
    assert (claimed.state, claimed.terms.amount) == ("usable", Decimal("20.00"))
    assert (entry.left, entry.may_claim) == (1, False)
    with shop.transaction(first) as tx, pytest.raises(Conflict):
        tx.coupons.claim(template.id)  # the per-shopper limit
    with shop.transaction(second) as tx:
        tx.coupons.claim(template.id)
    with shop.transaction(second) as tx, pytest.raises(Conflict):
        tx.coupons.claim(template.id)  # the total
    assert rows(shop, Coupon) == 3


def test_a_refused_claim_leaves_nothing_behind_when_its_caller_commits_anyway(shop):
    template = new_template(shop, claimable=True, total_quantity=1)
    first, second = shoppers(shop, 2)
    with shop.transaction(first) as tx:
        tx.coupons.claim(template.id)
    with shop.transaction(second) as tx:
        with pytest.raises(Conflict):
            tx.coupons.claim(template.id)  # its coupon row went in before the total said no
        tx.coupons.center()  # the caller goes on, and commits
    assert rows(shop, Coupon) == 1 and mine(shop, second).items == ()


def test_only_claimable_live_templates_are_claimed_by_a_signed_in_shopper(shop, clock):
    hidden = new_template(shop)
    ending = new_template(shop, claimable=True, valid_days=None,
                          valid_until=(clock.now() + timedelta(hours=1)).isoformat())
    [who] = shoppers(shop, 1)
    with shop.transaction(who) as tx, pytest.raises(NotFound):
        tx.coupons.claim(hidden.id)
    with shop.transaction() as tx, pytest.raises(Forbidden):
        tx.coupons.claim(ending.id)
    clock.advance(timedelta(hours=2))
    with shop.transaction(who) as tx, pytest.raises(Conflict):
        tx.coupons.claim(ending.id)
    with shop.transaction(who) as tx:
        assert tx.coupons.center() == []


# -- codes added to an account ---------------------------------------------------------------


def test_a_code_is_bound_by_the_first_shopper_and_refused_alike_to_everyone_else(shop):
    template = new_template(shop)
    [code] = issue(shop, template.id, 1).codes
    first, second = shoppers(shop, 2)
    typed = f" {code[:5].lower()}-{code[5:]} "
    with shop.transaction(first) as tx:
        assert tx.coupons.add_code(typed).code == code
        assert tx.coupons.add_code(code).code == code  # again: still theirs, no failure
    refusals = []
    for attempt in (code, "ABCDEFGHJK", "not a code"):
        with shop.transaction(second) as tx, pytest.raises(Invalid) as refused:
            tx.coupons.add_code(attempt)
        refusals.append(refused.value.errors)
    assert refusals[0] == refusals[1] == refusals[2] and list(refusals[0]) == ["code"]
    assert [c.code for c in mine(shop, first).items] == [code]
    assert mine(shop, second).items == ()


def test_the_21st_wrong_code_within_an_hour_is_refused_per_account_and_per_address(shop,
                                                                                   clock):
    template = new_template(shop)
    [code] = issue(shop, template.id, 1).codes
    guesser, neighbour, honest = shoppers(shop, 3)
    for n in range(20):
        with shop.transaction(guesser) as tx, pytest.raises(Invalid):
            tx.coupons.add_code(f"WRONG{n:05d}")
    with shop.transaction(guesser) as tx, pytest.raises(Throttled):
        tx.coupons.add_code(code)
    for n in range(20):  # the same address, one account after another
        who = neighbour if n % 2 else honest
        with shop.transaction(who, client_ip="203.0.113.9") as tx, pytest.raises(Invalid):
            tx.coupons.add_code(f"WRONG{n:05d}")
    with shop.transaction(honest, client_ip="203.0.113.9") as tx, pytest.raises(Throttled):
        tx.coupons.add_code(code)
    with shop.transaction(honest, client_ip="198.51.100.1") as tx:
        assert tx.coupons.add_code(code).code == code  # elsewhere, the account's own count
    clock.advance(timedelta(hours=1, minutes=1))
    with shop.transaction(guesser) as tx, pytest.raises(Invalid):
        tx.coupons.add_code(code)  # unlocked, but the code is somebody else's now


# -- my coupons -----------------------------------------------------------------------------


def test_my_coupons_by_tab_soonest_to_expire_first_one_query_per_page(shop, clock, queries):
    [who] = shoppers(shop, 1)
    for days in (5, 1, 9, 3):
        grant(shop, new_template(shop, valid_days=days).id, who)
    queries.reset()
    first = mine(shop, who, limit=3)
    page_queries = queries.count
    second = mine(shop, who, limit=3, after=first.next_after)
    assert [(c.valid_until - clock.now()).days for c in first.items + second.items] == \
        [1, 3, 5, 9]
    assert second.next_after is None
    assert page_queries == 1
    [order_id] = orders(shop, who)
    redeem(shop, who, usable(shop, who)[0], order_id)
    clock.advance(timedelta(days=4))
    assert [c.state for c in mine(shop, who, "used").items] == ["used"]
    assert mine(shop, who, "used").items[0].order_number is not None
    assert [c.state for c in mine(shop, who, "expired").items] == ["expired"]
    assert len(mine(shop, who).items) == 2
    for tab, page, field in (("spent", {}, "tab"), ("usable", {"after": "x.1"}, "after")):
        with shop.transaction(who) as tx, pytest.raises(Invalid) as refused:
            tx.coupons.mine(tab, **page)
        assert list(refused.value.errors) == [field]


# -- the checkout's primitives --------------------------------------------------------------


def test_a_shopper_can_neither_see_nor_redeem_another_shoppers_coupon(shop):
    template = new_template(shop)
    owner, other = shoppers(shop, 2)
    grant(shop, template.id, owner)
    [offer] = usable(shop, owner)
    [order_id] = orders(shop, other)
    assert usable(shop, other) == [] and mine(shop, other).items == ()
    with shop.transaction(other) as tx, pytest.raises(Forbidden):
        tx.coupons.usable_for_checkout(owner.id)
    with shop.transaction(other) as tx, pytest.raises(Forbidden):
        tx.coupons.redeem(offer, owner.id, order_id, "20.00")
    with pytest.raises(Conflict):
        redeem(shop, other, offer, order_id)
    assert [c.state for c in mine(shop, owner).items] == ["usable"]


def test_a_coupon_is_redeemed_once_and_an_unpaid_orders_coupon_comes_back_once(shop):
    template = new_template(shop, scope={"sku_ids": [4]},
                            stacking={"mode": "stackable", "priority": 5})
    [who] = shoppers(shop, 1)
    grant(shop, template.id, who)
    [offer] = usable(shop, who)
    assert (offer.template_id, offer.kind, offer.min_spend, offer.public) == (
        template.id, "amount", Decimal("100.00"), False)
    assert offer.scope["sku_ids"] == [4] and offer.stacking["priority"] == 5
    first, second = orders(shop, who, 2)
    redeem(shop, who, offer, first, "19.99")
    with pytest.raises(Conflict):
        redeem(shop, who, offer, second)
    assert usable(shop, who) == []
    give_back(shop, first)
    [again] = usable(shop, who)
    redeem(shop, who, again, second)
    give_back(shop, first)  # a second call for the first order changes nothing
    give_back(shop, second, ended=None)  # nor a call for an order that did not end
    assert usable(shop, who) == [] and mine(shop, who, "used").items[0].id == offer.coupon_id
    with shop.transaction(MARKETER) as tx:
        report = tx.coupons.report(template.id)
    assert (report.used, report.discount_given, report.orders) == (1, Decimal("20.00"), 1)


def test_an_expired_coupon_is_not_redeemed_and_not_given_back(shop, clock):
    template = new_template(shop, valid_days=1)
    [who] = shoppers(shop, 1)
    grant(shop, template.id, who)
    [offer] = usable(shop, who)
    first, second = orders(shop, who, 2)
    redeem(shop, who, offer, first)
    clock.advance(timedelta(days=2))
    give_back(shop, first)
    assert [c.state for c in mine(shop, who, "used").items] == ["used"]
    with shop.transaction(shop.system_actor("tests")) as tx:
        [returned_at] = tx._session.scalars(select(DiscountUse.returned_at))
    assert returned_at == clock.now()
    with shop.transaction(MARKETER) as tx:
        report = tx.coupons.report(template.id)
    assert (report.used, report.discount_given, report.orders) == (1, Decimal("0.00"), 0)
    grant(shop, template.id, who)
    [fresh] = usable(shop, who)
    clock.advance(timedelta(days=2))
    with pytest.raises(Conflict):
        redeem(shop, who, fresh, second)


def test_a_public_code_is_used_once_per_shopper_and_found_again_when_given_back(shop):
    template = new_template(shop, public_code="SPRING20", total_quantity=2)
    first, second, third = shoppers(shop, 3)

    def find(who, code="spring-20"):
        with shop.transaction(who) as tx:
            return tx.coupons.find_public(code, who.id)

    offer = find(first)
    assert (offer.public, offer.code, offer.template_id) == (True, "SPRING20", template.id)
    assert find(first, "SPRING21") is None
    one, two = orders(shop, first, 2)
    redeem(shop, first, offer, one)
    assert find(first) is None
    with pytest.raises(Conflict):
        redeem(shop, first, offer, two)
    give_back(shop, one, "cancelled")
    back = find(first)
    assert not back.public and usable(shop, first) == [back]
    redeem(shop, first, back, two)
    [other] = orders(shop, second)
    redeem(shop, second, find(second), other)
    assert find(third) is None  # both of its two uses are taken
    with shop.transaction(MARKETER) as tx:
        tx.coupons.deactivate_template(template.id)
    give_back(shop, other)
    assert find(second) is None  # the code no longer runs; the use given back is theirs
    assert [o.coupon_id for o in usable(shop, second)] == [c.id for c in mine(shop, second).items]


def test_the_registration_gift_is_granted_once_per_account(shop):
    gift = new_template(shop, on_registration=True)
    retired = new_template(shop, on_registration=True)
    with shop.transaction(MARKETER) as tx:
        tx.coupons.deactivate_template(retired.id)
    [who] = shoppers(shop, 1)
    for _ in range(2):
        with shop.transaction(shop.system_actor("events")) as tx:
            tx.rewards.on_registered(who.id)
    assert [c.terms.template_id for c in mine(shop, who).items] == [gift.id]
    with shop.transaction(who) as tx, pytest.raises(Forbidden):
        tx.coupons.on_registered(who.id)
