"""Random sequences of everything that moves a shopper's money, against a model of where it
should be: top-ups, points, gift cards, orders paid by random split tender through the three
gateway simulators, notifications delivered late, twice or re-sent, the shopper's return first,
cancellations before and after payment, orders closed unpaid, partial refunds by staff, and the
jobs that earn points and send gateway refunds after the commit.

After every step the shop must agree with the model to the fen: each shopper's balance, points
and gift cards, each order's state and tenders, each refund, each order's ledger account; the
ledger balances per unit; nothing that may not go negative is negative; and each simulator has
refunded exactly what the shop sent it. Each example runs on a database of its own, copied from
one migrated template (a SQLite file, or a PostgreSQL ``TEMPLATE``).
"""

from __future__ import annotations

import itertools
import os
import shutil
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, make_url, select, text

from shop.application import Conflict, Invalid, Shop
from shop.application.clock import ManualClock
from shop.application.payments.calls import check_payment
from shop.application.payments.gateways.port import HttpRequest
from shop.data import make_engine
from shop.data.migrations import upgrade
from shop.data.models import GiftCard, LedgerAccount, Order, Payment, PaymentAlert, PaymentRefund
from shop.simulators.alipay import Refusal
from tests.databases import TEST_DATABASE_VARIABLE, new_database
from tests.gateway_support import NAMES, Gateways, Sent, install
from tests.ordering_support import Buyer, buyer, place, prepare_shop, sku_codes
from tests.payments_support import (
    assert_books_balance,
)

POSTGRES = bool(os.environ.get(TEST_DATABASE_VARIABLE))
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
SETTINGS = {"shop.default_locale": "zh_CN", "shop.public_url": "https://shop.example",
            "shop.argon2.memory_kib": "19456", "shop.argon2.time_cost": "2",
            "shop.argon2.parallelism": "1"}
#: + 12.00 express below 199.00: payables of odd fen, and some with free shipping.
PRICES = ("33.33", "57.01", "188.87")
SHOPPERS = 3
ZERO = Decimal("0.00")
FEN = Decimal("0.01")
#: Where a refund goes first (the documented order), newest tender first within a kind.
REFUND_ORDER = ("alipay", "wechat", "unionpay", "balance", "gift_card", "points")
INTERNAL = ("gift_card", "points", "balance")
EXPECTED_ALERTS = {"late_payment_completed", "late_payment_refunded", "unknown_refund"}
#: WeChat Pay's notifications are refused five minutes after they were signed.
WECHAT_FRESH = timedelta(minutes=4)
#: Top-ups, points granted and gift cards issued in one example, at most (beside the first).
DEPOSITS = 6
#: Orders in one example, at most (then the jobs can always run: the machine never gets stuck).
ORDERS = 10
AMOUNTS = st.integers(1, 30000).map(lambda fen: Decimal(fen) / 100)
LINES = st.dictionaries(st.integers(0, len(PRICES) - 1), st.integers(1, 3), min_size=1,
                        max_size=2)


# -- the model ---------------------------------------------------------------------------------

@dataclass(eq=False)
class Tender:
    method: str
    amount: Decimal
    state: str  # held, captured, released (internal); pending, closed, captured (gateway)
    points: int = 0
    card: int | None = None
    number: str = ""
    refunded: Decimal = ZERO
    created: datetime = START
    paid_at_gateway: bool = False
    back: HttpRequest | None = None  # the browser's way back from the gateway
    late: bool = False  # paid when the order no longer needed it: refunded in full


@dataclass(eq=False)
class Refund:
    tender: Tender
    amount: Decimal
    points: int
    state: str  # succeeded, pending
    from_sales: bool
    number: str = ""
    sent: bool = False  # the gateway has it


@dataclass(eq=False)
class ModelOrder:
    number: str
    who: int
    payable: Decimal
    pay_by: datetime
    state: str = "awaiting_payment"
    tenders: list[Tender] = field(default_factory=list)
    sales: int = 0  # how often the payable went to sales
    refunded: Decimal = ZERO  # refunded by staff since it was last paid
    paid_events: int = 0  # order.paid events not dispatched yet
    earned: int | None = None  # the points it earned (None: not yet)
    unearned: bool = False

    def covered(self) -> Decimal:
        return sum((t.amount - t.refunded for t in self.tenders
                    if t.state in ("held", "captured")), ZERO)


@dataclass(eq=False)
class Card:
    id: int
    code: str
    pin: str
    balance: Decimal
    owner: int | None = None


@dataclass
class Wallet:
    balance: Decimal = ZERO
    points: int = 0


# -- the template database ---------------------------------------------------------------------

@dataclass
class Template:
    url: str
    directory: Path
    buyers: list[Buyer]
    skus: list[str]
    serial: Iterator[int] = field(default_factory=itertools.count)

    @contextmanager
    def copy(self) -> Iterator[str]:
        """A database of the example's own with the template's rows."""
        if not POSTGRES:
            source = Path(make_url(self.url).database or "")
            target = self.directory / f"example-{next(self.serial)}.sqlite"
            shutil.copyfile(source, target)
            try:
                yield f"sqlite:///{target}"
            finally:
                for path in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                    path.unlink(missing_ok=True)
            return
        template = make_url(self.url)
        name = f"{template.database}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(template.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(
                    f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
            try:
                yield template.set(database=name).render_as_string(hide_password=False)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """A migrated database with a catalog, shipping methods and the shoppers, made once."""
    directory = tmp_path_factory.mktemp("stateful")
    with new_database(directory, "payments_template") as url:
        engine = make_engine(url)
        upgrade(engine)
        shop = Shop(engine, SETTINGS, clock=ManualClock(START))
        with shop.transaction(shop.system_actor("tests"), locale="en") as tx:
            prepare_shop(tx)
            skus = [sku_codes(tx, stock=1000, price=price)[0] for price in PRICES]
        buyers = [buyer(shop) for _ in range(SHOPPERS)]
        engine.dispose()
        yield Template(url, directory, buyers, skus)


# -- the machine -------------------------------------------------------------------------------

def _signed_at(sent: Sent) -> datetime:
    """When the WeChat Pay simulator signed a notification (its ``Wechatpay-Timestamp``)."""
    stamp = next(value for name, value in sent.headers.items()
                 if name.lower() == "wechatpay-timestamp")
    return datetime.fromtimestamp(int(stamp), UTC)


class PaymentsMachine(RuleBasedStateMachine):
    def __init__(self, world: Template, gateways: Gateways) -> None:
        super().__init__()
        self.world, self.gateways = world, gateways
        self.resources = ExitStack()
        self.wallets = [Wallet() for _ in world.buyers]
        self.cards: dict[int, Card] = {}
        self.orders: list[ModelOrder] = []
        self.refunds: list[Refund] = []
        self.alerts = {kind: 0 for kind in EXPECTED_ALERTS}
        self.tags: dict[int, tuple[str, str]] = {}  # outbox index -> what a WeChat note says
        self.grants = itertools.count()
        self.deposits = 0

    # -- the shop of this example ---------------------------------------------------------------

    @initialize(point_value=st.sampled_from(["0.01", "0.03", "0.07"]),
                per_yuan=st.sampled_from([1, 3]), late=st.sampled_from(["complete", "refund"]),
                money=st.lists(st.tuples(st.integers(0, SHOPPERS - 1), AMOUNTS,
                                         st.integers(1, 20000)), min_size=1, max_size=SHOPPERS),
                orders=st.lists(st.tuples(st.integers(0, SHOPPERS - 1), LINES), min_size=1,
                                max_size=3))
    def open_shop(self, point_value: str, per_yuan: int, late: str,
                  money: list[tuple[int, Decimal, int]],
                  orders: list[tuple[int, dict[int, int]]]) -> None:
        """The example's own shop, with some money in its shoppers' accounts and some orders
        to pay to start with."""
        url = self.resources.enter_context(self.world.copy())
        engine = make_engine(url)
        self.resources.callback(engine.dispose)
        self.point_value, self.per_yuan, self.late = Decimal(point_value), per_yuan, late
        # The simulators outlive the example (their keys take a while to load): the clock
        # starts again, the queue is emptied, and what they refunded before is counted out.
        self.clock = self.gateways.simulators["alipay"].clock
        self.clock.set(START)
        self.gateways.outbox.clear()
        self.refunded_before = {name: refunded_at(self.gateways.simulators[name])
                                for name in NAMES}
        self.shop = Shop(engine, SETTINGS | {
            "shop.points.value": point_value, "shop.points.per_yuan": str(per_yuan),
            "shop.payments.late_payment": late}, clock=self.clock)
        self.shop.gateways.update(self.gateways.shop.gateways)
        self.gateways.shop = self.shop  # the simulators' shop for this example
        for who, amount, points in money:
            self.top_up(who, amount)
            self.grant_points(who, points)
        for who, lines in orders:
            self.place_order(who, lines)
        self.deposits = 0

    def teardown(self) -> None:
        self.resources.close()

    def system(self) -> Any:
        return self.shop.transaction(self.shop.system_actor("tests"))

    def actor(self, who: int) -> Any:
        return self.world.buyers[who].actor

    # -- money in --------------------------------------------------------------------------------

    @precondition(lambda self: self.deposits < DEPOSITS)
    @rule(who=st.integers(0, SHOPPERS - 1), amount=AMOUNTS)
    def top_up(self, who: int, amount: Decimal) -> None:
        self.clock.advance(seconds=1)  # a top-up of the same amount in the same second is one
        with self.system() as tx:
            tx.wallet.top_up(self.actor(who).id, {"amount": str(amount), "reason": "test"})
        self.wallets[who].balance += amount
        self.deposits += 1

    @precondition(lambda self: self.deposits < DEPOSITS)
    @rule(who=st.integers(0, SHOPPERS - 1), points=st.integers(1, 20000))
    def grant_points(self, who: int, points: int) -> None:
        with self.system() as tx:
            tx.payments._points.grant(self.actor(who).id, points, "registration_gift",
                                      f"stateful-grant:{next(self.grants)}")
        self.wallets[who].points += points
        self.deposits += 1

    @precondition(lambda self: self.deposits < DEPOSITS)
    @rule(value=st.integers(1, 15000).map(lambda fen: Decimal(fen) / 100),
          owner=st.none() | st.integers(0, SHOPPERS - 1))
    def issue_gift_card(self, value: Decimal, owner: int | None) -> None:
        with self.system() as tx:
            [issued] = tx.gift_cards.issue({"name": "Stateful", "value": str(value),
                                            "quantity": "1", "expires_on": "2099-12-31"}).cards
            card_id = tx._session.scalar(select(GiftCard.id).where(GiftCard.code == issued.code))
        card = Card(card_id, issued.code, issued.pin, value)
        if owner is not None:  # added to the account now; otherwise bound when first used
            with self.shop.transaction(self.actor(owner)) as tx:
                tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin})
            card.owner = owner
        self.cards[card.id] = card
        self.deposits += 1

    # -- orders ----------------------------------------------------------------------------------

    @precondition(lambda self: len(self.orders) < ORDERS)
    @rule(who=st.integers(0, SHOPPERS - 1), lines=LINES)
    def place_order(self, who: int, lines: dict[int, int]) -> None:
        placed = place(self.shop, self.world.buyers[who],
                       {self.world.skus[index]: quantity for index, quantity in lines.items()})
        assert placed.pay_by is not None
        self.orders.append(ModelOrder(placed.number, who, placed.payable, placed.pay_by))

    def payable_orders(self) -> list[ModelOrder]:
        return [order for order in self.orders if order.state == "awaiting_payment"
                and order.pay_by > self.clock.now()]

    @precondition(lambda self: self.payable_orders())
    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        """A random split: any of a gift card, points, the balance, within what is due, and
        optionally a gateway for the rest."""
        order = data.draw(st.sampled_from(self.payable_orders()))
        wallet, due = self.wallets[order.who], order.payable - order.covered()
        form: dict[str, Any] = {}
        held: list[Tender] = []
        cards = [card for card in self.cards.values()
                 if card.owner in (None, order.who) and card.balance > 0]
        card = data.draw(st.none() | st.sampled_from(cards)) if cards else None
        if card is not None:
            if card.owner is None or data.draw(st.booleans()):
                form |= {"gift_card_code": card.code, "gift_card_pin": card.pin}
            else:
                form["gift_card"] = str(card.id)
            held.append(Tender("gift_card", min(card.balance, due), "held", card=card.id))
            due -= held[-1].amount
        used = sum((t.amount for t in order.tenders if t.method == "points"
                    and t.state in ("held", "captured")), ZERO)
        cap = (order.payable * Decimal("0.50")).quantize(FEN)
        usable = min(wallet.points, int(((min(cap - used, due)) / self.point_value)
                                        .to_integral_value(rounding=ROUND_FLOOR)))
        points = data.draw(st.integers(0, usable) | st.just(usable)) if usable > 0 else 0
        if points:
            form["points"] = str(points)
            held.append(Tender("points", (self.point_value * points).quantize(FEN), "held",
                               points=points))
            due -= held[-1].amount
        most = int(min(wallet.balance, due) * 100)
        balance = Decimal(data.draw(st.integers(0, most) | st.just(most))) / 100 \
            if most > 0 else ZERO
        if balance:
            form["balance"] = str(balance)
            held.append(Tender("balance", balance, "held"))
            due -= balance
        gateway = data.draw(st.sampled_from(NAMES) if not held else
                            st.none() | st.sampled_from(NAMES))
        if gateway:
            form["gateway"] = gateway
        now = self.clock.now()
        reused = [t for t in order.tenders if t.state == "pending" and t.method == gateway
                  and t.amount == due and t.created > now - timedelta(minutes=30)]
        with self.shop.transaction(self.actor(order.who)) as tx:
            result = tx.payments.pay(order.number, form)
        assert result.paid == (due == 0), (result, due)
        if held:
            self.close_pending(order)
        for tender in held:
            self.take(order.who, tender)
            order.tenders.append(tender)
        if due == 0:
            self.complete(order)
            return
        if not gateway:
            return
        if reused and not held:
            trade = reused[-1]
            assert result.payment_number == trade.number
        else:
            self.close_pending(order)
            trade = Tender(gateway, due, "pending", number=result.payment_number, created=now)
            order.tenders.append(trade)
        assert result.payment_number
        if trade.paid_at_gateway and gateway == "wechat":
            # WeChat Pay will not open a trade paid already (its notification is on its way)
            with pytest.raises(Conflict):
                self.gateways.open_cashier(self.actor(order.who), result.payment_number)
            return
        self.gateways.open_cashier(self.actor(order.who), result.payment_number)
        if not trade.paid_at_gateway and data.draw(st.booleans()):  # and pays there at once
            self.pay_at_gateway(trade)

    def gateway_trades(self) -> list[Tender]:
        return [t for order in self.orders for t in order.tenders
                if t.method in NAMES and not t.paid_at_gateway]

    @precondition(lambda self: self.gateway_trades())
    @rule(data=st.data())
    def shopper_pays_at_the_gateway(self, data: st.DataObject) -> None:
        """The shopper pays a trade at the gateway, whatever the shop thinks of it now (the
        gateway refuses one it closed or that expired)."""
        self.pay_at_gateway(data.draw(st.sampled_from(self.gateway_trades())))

    def pay_at_gateway(self, trade: Tender) -> None:
        simulator = self.gateways.simulators[trade.method]
        before = len(self.gateways.outbox)
        try:
            back = simulator.pay(trade.number)
        except (Refusal, ValueError):
            return
        trade.paid_at_gateway = True
        if trade.method == "alipay":
            trade.back = HttpRequest({}, b"", dict(urllib.parse.parse_qsl(
                urllib.parse.urlsplit(back).query)))
        elif trade.method == "wechat":
            trade.back = HttpRequest({}, b"", {"out_trade_no": trade.number})
        for index in range(before, len(self.gateways.outbox)):
            self.tags[index] = ("paid", trade.number)

    def deliverable(self) -> list[int]:
        # A WeChat note's age is its signed timestamp's: one sent before a rule moved the clock
        # on is already that much older when this is next asked.
        now = self.clock.now()
        return [index for index, sent in enumerate(self.gateways.outbox)
                if sent.gateway != "wechat" or now - _signed_at(sent) < WECHAT_FRESH]

    @precondition(lambda self: self.deliverable())
    @rule(data=st.data())
    def deliver_notification(self, data: st.DataObject) -> None:
        """A queued notification reaches the shop: for the first time, or once more."""
        index = data.draw(st.sampled_from(self.deliverable()))
        sent = self.gateways.outbox[index]
        self.notified(sent.gateway, sent.headers, sent.body, self.tags.get(index))

    def resendable(self) -> list[Any]:
        return [t for order in self.orders for t in order.tenders if t.paid_at_gateway] + [
            r for r in self.refunds if r.sent and r.tender.method in ("wechat", "unionpay")]

    @precondition(lambda self: self.resendable())
    @rule(data=st.data())
    def gateway_sends_again(self, data: st.DataObject) -> None:
        """The gateway sends a notification again, signed afresh (as its retries are)."""
        what = data.draw(st.sampled_from(self.resendable()))
        gateway = what.method if isinstance(what, Tender) else what.tender.method
        simulator = self.gateways.simulators[gateway]
        tag = None  # Alipay's and UnionPay's say what they are about
        if isinstance(what, Refund) and gateway == "wechat":
            headers, body = simulator.refund_notification(what.number)
            tag = ("refunded", what.number)
        else:
            headers, body = simulator.notification(what.number)
            if gateway == "wechat":
                tag = ("paid", what.number)
        self.notified(gateway, headers, body, tag)

    def returnable(self) -> list[Tender]:
        return [t for order in self.orders for t in order.tenders if t.paid_at_gateway]

    @precondition(lambda self: self.returnable())
    @rule(data=st.data())
    def shopper_comes_back(self, data: st.DataObject) -> None:
        """The shopper's browser returns from the gateway, perhaps before the notification:
        the shop asks the gateway about a payment still pending."""
        trade = data.draw(st.sampled_from(self.returnable()))
        request = trade.back
        if trade.method == "unionpay":  # the front notification the browser posts
            headers, body = self.gateways.simulators["unionpay"].notification(trade.number)
            request = HttpRequest(headers, body)
        assert request is not None
        order = self.order_of(trade)
        with self.shop.transaction(self.actor(order.who)) as tx:
            back = tx.payments.returned(trade.method, request)
        assert back.order_number == order.number
        check_payment(self.shop, back.payment_number, self.actor(order.who))
        if trade.state == "pending":
            self.captured(trade)

    # -- orders ending -------------------------------------------------------------------------

    @precondition(lambda self: self.cancellable())
    @rule(data=st.data())
    def shopper_cancels(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.cancellable()))
        with self.shop.transaction(self.actor(order.who)) as tx:
            tx.orders.cancel(order.number)
        order.state = "cancelled"
        self.ended(order)

    def cancellable(self) -> list[ModelOrder]:
        return [order for order in self.orders
                if order.state in ("awaiting_payment", "awaiting_shipment")]

    @precondition(lambda self: any(o.state == "awaiting_payment" for o in self.orders))
    @rule(minutes=st.sampled_from([1, 5, 10, 20, 31]))
    def time_passes_and_unpaid_orders_close(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        closed = self.shop.run_job("close-unpaid-orders")["closed"]
        due = [order for order in self.orders if order.state == "awaiting_payment"
               and order.pay_by <= self.clock.now()]
        assert closed == len(due)
        for order in due:
            order.state = "closed"
            self.ended(order)

    # -- refunds -------------------------------------------------------------------------------

    def refundable(self) -> list[ModelOrder]:
        return [order for order in self.orders if order.state == "awaiting_shipment"
                and self.left(order) > 0]

    @precondition(lambda self: self.refundable())
    @rule(data=st.data())
    def staff_refund(self, data: st.DataObject) -> None:
        """A partial refund of an amount that may end exactly on, or one fen either side of,
        where one means ends and the next begins; or one fen more than is left (refused)."""
        order = data.draw(st.sampled_from(self.refundable()))
        left = self.left(order)
        edges = list(itertools.accumulate(t.amount - t.refunded for t in self.ranked(order)))
        near = sorted({edge + step for edge in edges for step in (-FEN, ZERO, FEN)
                       if FEN <= edge + step <= left + FEN})
        amount = data.draw(st.sampled_from(near) | st.integers(1, int(left * 100)).map(
            lambda fen: Decimal(fen) / 100))
        with self.system() as tx:
            if amount > left:
                with pytest.raises(Invalid):
                    tx.payments.refund(order.number, {"amount": str(amount), "reason": "RMA"})
                return
            tx.payments.refund(order.number, {"amount": str(amount), "reason": "RMA"})
        self.refund(order, amount)
        order.refunded += amount

    @precondition(lambda self: len(self.orders) >= ORDERS or any(
        o.paid_events for o in self.orders))
    @rule()
    def dispatch_events(self) -> None:
        self.shop.run_job("dispatch-events")
        for order in self.orders:
            for _ in range(order.paid_events):
                if order.state == "awaiting_shipment" and not order.earned:
                    paid = sum((t.amount for t in order.tenders if t.state == "captured"
                                and t.method != "points" and not t.late), ZERO)
                    order.earned = int(paid) * self.per_yuan
                    self.wallets[order.who].points += order.earned
            order.paid_events = 0

    @precondition(lambda self: any(r.state == "pending" for r in self.refunds))
    @rule()
    def send_refunds(self) -> None:
        self.shop.run_job("send-refunds")
        for refund in self.refunds:
            self.sent(refund)

    @precondition(lambda self: any(r.state == "pending" for r in self.refunds))
    @rule()
    def everything_settles(self) -> None:
        """Every refund sent and confirmed: then the simulators have refunded exactly what the
        shop recorded as refunded."""
        self.dispatch_events()
        self.send_refunds()
        self.send_refunds()  # UnionPay's: the second asks what became of the first
        assert all(r.state == "succeeded" for r in self.refunds)
        with self.system() as tx:
            succeeded = self.refunded_by_shop(tx)
        assert succeeded == {name: self.at_gateway(name) for name in NAMES}

    # -- what the shop should do (the model's steps) -------------------------------------------

    def take(self, who: int, tender: Tender) -> None:
        if tender.method == "gift_card":
            assert tender.card is not None
            card = self.cards[tender.card]
            card.balance -= tender.amount
            card.owner = who
        elif tender.method == "points":
            self.wallets[who].points -= tender.points
        else:
            self.wallets[who].balance -= tender.amount
        assert self.wallets[who].balance >= 0 and self.wallets[who].points >= 0

    def can_take(self, who: int, tenders: list[Tender]) -> bool:
        wallet = self.wallets[who]
        points = sum(t.points for t in tenders if t.method == "points")
        balance = sum((t.amount for t in tenders if t.method == "balance"), ZERO)
        cards = all(self.cards[card].balance >= sum(
            (t.amount for t in tenders if t.card == card), ZERO)
            for card in {t.card for t in tenders if t.card is not None})
        return cards and wallet.points >= points and wallet.balance >= balance

    def give(self, who: int, tender: Tender, amount: Decimal, points: int) -> None:
        if tender.method == "gift_card":
            assert tender.card is not None
            self.cards[tender.card].balance += amount
        elif tender.method == "points":
            self.wallets[who].points += points
            self.wallets[who].balance += amount - self.point_value * points
        else:
            self.wallets[who].balance += amount

    def close_pending(self, order: ModelOrder) -> None:
        for tender in order.tenders:
            if tender.state == "pending":
                tender.state = "closed"

    def complete(self, order: ModelOrder) -> None:
        for tender in order.tenders:
            if tender.state == "held":
                tender.state = "captured"
        order.state, order.sales, order.refunded = "awaiting_shipment", order.sales + 1, ZERO
        order.paid_events += 1

    def ended(self, order: ModelOrder) -> None:
        """Cancelled or closed: holds back, pending trades closed, what was paid refunded, and
        the points it earned taken back as far as they are left."""
        for tender in order.tenders:
            if tender.state == "held":
                tender.state = "released"
                self.give(order.who, tender, tender.amount, tender.points)
        self.close_pending(order)
        if order.sales:
            self.refund(order, self.left(order))
            if order.earned and not order.unearned:
                wallet = self.wallets[order.who]
                wallet.points -= min(order.earned, wallet.points)
                order.unearned = True

    def left(self, order: ModelOrder) -> Decimal:
        return sum((t.amount - t.refunded for t in order.tenders if t.state == "captured"), ZERO)

    def ranked(self, order: ModelOrder) -> list[Tender]:
        captured = [(index, t) for index, t in enumerate(order.tenders)
                    if t.state == "captured" and t.amount > t.refunded]
        return [t for _index, t in sorted(
            captured, key=lambda pair: (REFUND_ORDER.index(pair[1].method), -pair[0]))]

    def refund(self, order: ModelOrder, amount: Decimal) -> None:
        rest = amount
        for tender in self.ranked(order):
            if rest == 0:
                break
            take = min(rest, tender.amount - tender.refunded)
            rest -= take
            tender.refunded += take
            points = int((take / self.point_value).to_integral_value(rounding=ROUND_FLOOR)) \
                if tender.method == "points" else 0
            internal = tender.method in INTERNAL
            self.refunds.append(Refund(tender, take, points,
                                       "succeeded" if internal else "pending", True))
            if internal:
                self.give(order.who, tender, take, points)

    def captured(self, trade: Tender) -> None:
        """The gateway's money for ``trade`` reached the shop (the first time)."""
        order = self.order_of(trade)
        trade.state = "captured"
        if order.state == "awaiting_payment" and order.covered() <= order.payable:
            if order.covered() == order.payable:
                self.complete(order)
            return
        released = [t for t in order.tenders if t.state == "released"]
        again = [Tender(t.method, t.amount, "captured", t.points, t.card) for t in released]
        # Only an order never paid is completed by a late payment; one paid once is refunded.
        if order.state in ("closed", "cancelled") and self.late == "complete" \
                and not order.sales and self.can_take(order.who, again) \
                and order.covered() + sum((t.amount for t in again), ZERO) == order.payable:
            for tender in again:
                self.take(order.who, tender)
                order.tenders.append(tender)
            self.complete(order)
            self.alerts["late_payment_completed"] += 1
            return
        trade.refunded, trade.late = trade.amount, True
        self.refunds.append(Refund(trade, trade.amount, 0, "pending", False))
        self.alerts["late_payment_refunded"] += 1

    def sent(self, refund: Refund) -> None:
        """What sending a refund does (the ``send-refunds`` job): Alipay and WeChat Pay
        refund at once; UnionPay accepts, and says it was done when asked again."""
        if refund.state != "pending":
            return
        if refund.sent or refund.tender.method != "unionpay":
            refund.state = "succeeded"
        refund.sent = True

    def notified(self, gateway: str, headers: Any, body: bytes,
                 tag: tuple[str, str] | None) -> None:
        with self.shop.transaction() as tx:
            answer = tx.payments.notify(gateway, HttpRequest(dict(headers), body))
        kind, number = tag or about(Sent(gateway, dict(headers), body))
        accepted = answer.status < 300 and answer.body not in (b"failure", b"fail")
        assert accepted, (gateway, answer, kind, number)
        if kind == "paid":
            trade = self.trade(number)
            if trade.state != "captured":
                self.captured(trade)
        elif kind == "closed":
            trade = self.trade(number)
            if trade.state == "pending":
                trade.state = "closed"
        else:
            found = [r for r in self.refunds if r.number == number]
            if found and found[0].state == "pending":
                found[0].state = "succeeded"

    def order_of(self, tender: Tender) -> ModelOrder:
        return next(order for order in self.orders if tender in order.tenders)

    def trade(self, number: str) -> Tender:
        return next(t for order in self.orders for t in order.tenders if t.number == number)

    def at_gateway(self, name: str) -> Decimal:
        """What the model says the gateway was asked to refund and did."""
        return sum((r.amount for r in self.refunds if r.tender.method == name and r.sent),
                   ZERO)

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def the_books_balance(self) -> None:
        if hasattr(self, "shop"):
            assert_books_balance(self.shop)

    @invariant()
    def the_shop_agrees_with_the_model(self) -> None:
        if not hasattr(self, "shop"):
            return
        with self.system() as tx:
            session = tx._session
            accounts = {code: (balance, negative) for code, balance, negative in session.execute(
                select(LedgerAccount.code, LedgerAccount.balance, LedgerAccount.may_go_negative))}
            assert not [code for code, (balance, negative) in accounts.items()
                        if not negative and balance < 0]
            self.check_wallets(session, accounts)
            self.check_orders(session, accounts)
            self.check_refunds(session)
            alerts = list(session.scalars(select(PaymentAlert.kind)))
            assert {kind: alerts.count(kind) for kind in set(alerts) | EXPECTED_ALERTS} \
                == self.alerts
            succeeded = self.refunded_by_shop(tx)
        for name in NAMES:
            at_gateway = refunded_at(self.gateways.simulators[name]) - self.refunded_before[name]
            assert at_gateway == self.at_gateway(name), name
            assert succeeded[name] <= at_gateway, name

    def check_wallets(self, session: Any, accounts: dict[str, tuple[Decimal, bool]]) -> None:
        for who, model in enumerate(self.wallets):
            customer = self.actor(who).id
            got = (accounts.get(f"customer:{customer}:balance", (ZERO,))[0],
                   int(accounts.get(f"customer:{customer}:points", (ZERO,))[0]))
            assert got == (model.balance, model.points), (who, got, model)
        cards = {card_id: (balance, owner) for card_id, balance, owner in session.execute(
            select(GiftCard.id, LedgerAccount.balance, GiftCard.customer_id)
            .join(LedgerAccount, LedgerAccount.id == GiftCard.account_id))}
        owners = {self.actor(who).id: who for who in range(SHOPPERS)}
        assert {card_id: (balance, owners.get(owner)) for card_id, (balance, owner)
                in cards.items()} == {card.id: (card.balance, card.owner)
                                      for card in self.cards.values()}

    def check_orders(self, session: Any, accounts: dict[str, tuple[Decimal, bool]]) -> None:
        states = {number: state for number, state
                  in session.execute(select(Order.number, Order.state))}
        rows: dict[str, list[Any]] = {}
        for row in session.execute(
                select(Order.number.label("order"), Payment.number, Payment.method,
                       Payment.amount, Payment.points, Payment.state, Payment.refunded)
                .join(Order, Order.id == Payment.order_id).order_by(Payment.id)):
            rows.setdefault(row.order, []).append(row)
        for order in self.orders:
            assert states[order.number] == order.state, order.number
            got = rows.get(order.number, [])
            assert [(r.method, r.amount, r.points, r.state, r.refunded) for r in got] == [
                (t.method, t.amount, t.points, t.state, t.refunded) for t in order.tenders], \
                order.number
            for tender, row in zip(order.tenders, got, strict=True):
                assert tender.number in ("", row.number)
                tender.number = row.number
            captured = [t for t in order.tenders if t.state == "captured"]
            if order.state == "awaiting_shipment":
                assert sum((t.amount - t.refunded for t in captured), ZERO) \
                    == order.payable - order.refunded
            if order.state in ("cancelled", "closed"):  # nothing of the shopper's kept
                assert all(t.state == "released" or t.refunded == t.amount
                           for t in order.tenders if t.method in INTERNAL)
            own = [r for r in self.refunds if r.tender in order.tenders]
            expected = sum((t.amount for t in order.tenders if t.state in ("held", "captured")),
                           ZERO) - order.payable * order.sales + sum(
                (r.amount for r in own if r.from_sales), ZERO) - sum(
                (r.amount for r in own if r.state == "succeeded"), ZERO)
            got_balance = accounts.get(f"order:{order.number}", (ZERO,))[0]
            assert got_balance == expected, (order.number, got_balance, expected)

    def check_refunds(self, session: Any) -> None:
        got = session.execute(
            select(PaymentRefund.number, Payment.number.label("payment"), PaymentRefund.amount,
                   PaymentRefund.points, PaymentRefund.state)
            .join(Payment, Payment.id == PaymentRefund.payment_id)
            .order_by(PaymentRefund.id)).all()
        assert [(r.payment, r.amount, r.points, r.state) for r in got] == [
            (r.tender.number, r.amount, r.points, r.state) for r in self.refunds]
        for refund, row in zip(self.refunds, got, strict=True):
            refund.number = row.number

    def refunded_by_shop(self, tx: Any) -> dict[str, Decimal]:
        rows = tx._session.execute(
            select(Payment.method, PaymentRefund.amount)
            .join(Payment, Payment.id == PaymentRefund.payment_id)
            .where(PaymentRefund.state == "succeeded"))
        totals = dict.fromkeys(NAMES, ZERO)
        for method, amount in rows:
            if method in totals:
                totals[method] += amount
        return totals


def about(sent: Sent) -> tuple[str, str]:
    """What an Alipay or UnionPay notification is about: ("paid" | "closed", payment number)
    or ("refunded", refund number)."""
    fields = dict(urllib.parse.parse_qsl(sent.body.decode()))
    if sent.gateway == "unionpay":
        return ("refunded" if fields["txnType"] == "04" else "paid"), fields["orderId"]
    if fields.get("out_biz_no"):
        return "refunded", fields["out_biz_no"]
    if fields["trade_status"] == "TRADE_CLOSED":
        return "closed", fields["out_trade_no"]
    return "paid", fields["out_trade_no"]


def refunded_at(simulator: Any) -> Decimal:
    """What a simulator says it refunded, in yuan."""
    refunds = simulator.refunds
    if isinstance(refunds, list):  # UnionPay: transactions in fen
        return sum((Decimal(t.amount) / 100 for t in refunds if t.state == "paid"), ZERO)
    if hasattr(simulator, "misstate"):  # WeChat Pay: refunds in fen
        return sum((Decimal(r.refund) / 100 for r in refunds.values()
                    if r.status == "SUCCESS"), ZERO)
    return sum((r.amount for r in refunds.values() if r.done), ZERO)


@pytest.fixture(scope="module")
def gateways(gateway_keys: Path) -> Iterator[Gateways]:
    """The three simulators and their adapters, made once (in a shop with no database, whose
    adapters each example's shop takes)."""
    engine = make_engine("sqlite://")
    yield install(Shop(engine, SETTINGS), ManualClock(START), gateway_keys)
    engine.dispose()


def test_payments_keep_every_fen_where_it_belongs(template: Template,
                                                  gateways: Gateways) -> None:
    # About 2 s an example on SQLite; on PostgreSQL each example also makes a database.
    run_state_machine_as_test(
        lambda: PaymentsMachine(template, gateways),
        settings=settings(max_examples=6 if POSTGRES else 16, stateful_step_count=50,
                          deadline=None, suppress_health_check=[HealthCheck.too_slow]))

