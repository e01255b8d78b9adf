"""Typed declarative models: one module per domain, one shared ``Base``."""

from shop.data.models.accounts import Customer, OneTimeCode
from shop.data.models.addresses import Address
from shop.data.models.audit import AuditEntry
from shop.data.models.base import Base
from shop.data.models.cart import Cart, CartLine
from shop.data.models.catalog import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Listing,
    ListingFacetCount,
    Product,
    ProductAttributeValue,
    ProductImage,
    Sku,
    SkuAttributeValue,
)
from shop.data.models.events import DomainEvent, EventDelivery
from shop.data.models.giftcards import GiftCard, GiftCardBatch
from shop.data.models.inventory import (
    StockLevel,
    StockMovement,
    StockReservation,
    StockShortfall,
    Warehouse,
)
from shop.data.models.invoicing import InvoiceTitle
from shop.data.models.ledger import LedgerAccount, LedgerEntry
from shop.data.models.messaging import OutboxMessage
from shop.data.models.oauth import OAuthAttempt, OAuthIdentity
from shop.data.models.ordering import (
    Order,
    OrderEntry,
    OrderFlag,
    OrderInvoice,
    OrderLine,
    OrderNote,
    OrderTransition,
)
from shop.data.models.payments import GatewayEvent, Payment, PaymentAlert, PaymentRefund
from shop.data.models.promotions import (
    Coupon,
    CouponBatch,
    CouponTemplate,
    DiscountUse,
    FlashSaleItem,
    Promotion,
    PromotionTemplate,
)
from shop.data.models.reference import ReferenceRevision
from shop.data.models.rma import (
    ReturnPolicy,
    RmaLine,
    RmaPhoto,
    RmaRequest,
    RmaTransition,
    ServiceTicket,
)
from shop.data.models.sessions import WebSession
from shop.data.models.settings import ShopSetting
from shop.data.models.shipments import Shipment, TrackingEvent
from shop.data.models.shipping import ShippingExclusion, ShippingFeeRule, ShippingMethod
from shop.data.models.staff import Role, RolePermission, Staff, StaffRole
from shop.data.models.throttle import ThrottleEvent
from shop.data.models.visits import VisitDay

__all__ = [
    "Address",
    "Attribute",
    "AttributeValue",
    "AuditEntry",
    "Base",
    "Brand",
    "Cart",
    "CartLine",
    "Category",
    "Coupon",
    "CouponBatch",
    "CouponTemplate",
    "Customer",
    "DiscountUse",
    "DomainEvent",
    "EventDelivery",
    "FlashSaleItem",
    "GatewayEvent",
    "GiftCard",
    "GiftCardBatch",
    "InvoiceTitle",
    "LedgerAccount",
    "LedgerEntry",
    "Listing",
    "ListingFacetCount",
    "OAuthAttempt",
    "OAuthIdentity",
    "OneTimeCode",
    "Order",
    "OrderEntry",
    "OrderFlag",
    "OrderInvoice",
    "OrderLine",
    "OrderNote",
    "OrderTransition",
    "OutboxMessage",
    "Payment",
    "PaymentAlert",
    "PaymentRefund",
    "Product",
    "ProductAttributeValue",
    "ProductImage",
    "Promotion",
    "PromotionTemplate",
    "ReferenceRevision",
    "ReturnPolicy",
    "RmaLine",
    "RmaPhoto",
    "RmaRequest",
    "RmaTransition",
    "Role",
    "RolePermission",
    "ServiceTicket",
    "Shipment",
    "ShippingExclusion",
    "ShippingFeeRule",
    "ShippingMethod",
    "ShopSetting",
    "Sku",
    "SkuAttributeValue",
    "Staff",
    "StaffRole",
    "StockLevel",
    "StockMovement",
    "StockReservation",
    "StockShortfall",
    "ThrottleEvent",
    "TrackingEvent",
    "VisitDay",
    "Warehouse",
    "WebSession",
]
