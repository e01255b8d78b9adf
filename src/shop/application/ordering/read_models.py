"""What the checkout page, the order center and the library read: plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from shop.application.ordering.payment_methods import ONLINE
from shop.application.ordering.pricing import Breakdown
from shop.application.ordering.states import AWAITING_PAYMENT
from shop.application.promotions.read_models import AppliedView, CouponChoice, PromotionSummary

if TYPE_CHECKING:
    from shop.application.addresses.service import AddressView
    from shop.application.invoicing.service import InvoiceDetails
    from shop.application.ordering.payment_methods import PaymentChoice
    from shop.application.shipments.read_models import ShipmentView


@dataclass(frozen=True)
class ItemView:
    """A line to buy or bought: at checkout today's price, on an order the price paid."""

    sku_code: str
    product_slug: str
    name: str
    variant: str
    image_url: str | None
    unit_price: Decimal
    quantity: int
    line_total: Decimal
    #: At checkout: fewer can be bought than asked for (0 when sold out or withdrawn).
    available: int | None = None
    discount_share: Decimal = Decimal("0.00")

    @property
    def short(self) -> bool:
        return self.available is not None and self.available < self.quantity


@dataclass(frozen=True)
class ShippingChoice:
    code: str
    name: str
    fee: Decimal
    free: bool


@dataclass(frozen=True)
class CheckoutView:
    items: tuple[ItemView, ...]
    addresses: tuple[AddressView, ...]
    #: The address chosen (the default one unless another was asked for); None without any.
    address_id: int | None
    shipping: tuple[ShippingChoice, ...]
    #: The method chosen: the cheapest eligible unless another was asked for.
    shipping_method: str | None
    payment_methods: tuple[PaymentChoice, ...]
    payment_method: str | None
    breakdown: Breakdown
    #: The form's one-time key: submitting it twice places one order.
    idempotency_key: str
    #: What applied and what nearly did; the shopper's coupons and the one chosen ("": none).
    promotions: PromotionSummary = field(default_factory=PromotionSummary)
    coupons: tuple[CouponChoice, ...] = ()
    coupon: str = ""

    @property
    def can_place(self) -> bool:
        return (bool(self.items) and not any(item.short for item in self.items)
                and self.address_id is not None and self.shipping_method is not None
                and self.payment_method is not None)


def payable_online(state: str, payment_method: str) -> bool:
    """Whether the shopper pays the order now, on its payment page (not on delivery)."""
    return state == AWAITING_PAYMENT and payment_method == ONLINE


@dataclass(frozen=True)
class PlacedOrder:
    number: str
    state: str
    payment_method: str
    payable: Decimal
    pay_by: datetime | None

    @property
    def can_pay(self) -> bool:
        return payable_online(self.state, self.payment_method)


@dataclass(frozen=True)
class StepView:
    """One step of the order's timeline."""

    state: str
    label: str
    actor: str
    note: str
    occurred_at: datetime


@dataclass(frozen=True)
class DeliveryView:
    recipient: str
    mobile: str
    region_names: tuple[str, ...]
    street: str
    postcode: str | None
    shipping_method: str


@dataclass(frozen=True)
class OrderSummary:
    number: str
    state: str
    state_label: str
    placed_at: datetime
    payable: Decimal
    payment_method: str
    items: tuple[ItemView, ...]
    can_cancel: bool

    @property
    def quantity(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def awaiting_payment(self) -> bool:
        return self.state == AWAITING_PAYMENT

    @property
    def can_pay(self) -> bool:
        return payable_online(self.state, self.payment_method)


@dataclass(frozen=True)
class OrderDetail(OrderSummary):
    breakdown: Breakdown
    #: The campaigns and the coupon that made up ``breakdown.discount_total``.
    promotions: tuple[AppliedView, ...]
    delivery: DeliveryView
    invoice: InvoiceDetails | None
    remarks: str
    pay_by: datetime | None
    timeline: tuple[StepView, ...]
    shipments: tuple[ShipmentView, ...]
    can_change: bool


@dataclass(frozen=True)
class TabView:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class OrderPage:
    tab: str
    tabs: tuple[TabView, ...]
    orders: tuple[OrderSummary, ...]
    #: Pass as ``before`` for the next (older) page; None on the last one.
    next_before: str | None
