"""The application tier as a library: the ``Shop`` facade.

Views, console scripts, jobs and integrators all go through it::

    shop = Shop.from_settings({"sqlalchemy.url": "sqlite:///var/shop.sqlite"})
    with shop.transaction(actor=shop.system_actor("nightly-import")) as tx:
        tx.catalog.create_category(...)

A unit of work joins the ``transaction`` package, exactly as pyramid_tm does for a request, so a
service behaves the same in a request, a script and a test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from typing import Any, TypeVar

import transaction as transaction_package

from shop.application.accounts.customer_desk import (
    CustomerDesk,
    CustomerDetail,
    CustomerPage,
    CustomerRow,
)
from shop.application.accounts.read_models import AccountBadge, CodeSent, ProfileView, SignedIn
from shop.application.accounts.service import AccountService
from shop.application.actors import ANONYMOUS, Actor, Permission, system_actor
from shop.application.addresses.service import AddressService
from shop.application.audit.browse import AuditBrowser
from shop.application.audit.service import AuditService
from shop.application.cart.service import CartService
from shop.application.catalog.attributes import (
    AttributeDetail,
    AttributeRow,
    AttributeService,
    AttributeValueRow,
)
from shop.application.catalog.brands import BrandRow, BrandService
from shop.application.catalog.categories import CategoryRow, CategoryService
from shop.application.catalog.media import MediaStore, Upload
from shop.application.catalog.product_import import (
    ImportReport,
    ProductImportService,
    RowError,
)
from shop.application.catalog.product_list import ProductListPage, ProductListRow
from shop.application.catalog.products import (
    ImageRow,
    ProductAdminService,
    ProductEditor,
    SkuRow,
    ValueChoice,
)
from shop.application.catalog.service import CatalogService
from shop.application.clock import Clock, ManualClock, SystemClock
from shop.application.dashboard.read_models import Comparison, DayFigures, Overview, Todo
from shop.application.dashboard.service import DashboardService
from shop.application.demo.service import DemoService
from shop.application.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PastLastPage,
    ShopError,
)
from shop.application.events.handlers import HandlerRegistry
from shop.application.events.registry import default_registry
from shop.application.events.service import EventService
from shop.application.inventory.service import InventoryService
from shop.application.inventory.stock import StockKeeper
from shop.application.invoicing.service import InvoiceService
from shop.application.jobs.catalog import find_job
from shop.application.jobs.dead_letters import DeadLetterService
from shop.application.locales import normalize_locale
from shop.application.messaging.service import OutboxService
from shop.application.oauth.service import OAuthService
from shop.application.ordering.checkout import CheckoutService
from shop.application.ordering.desk import DeskDetail, DeskPage, DeskRow, OrderDesk
from shop.application.ordering.entry import OrderEntryService
from shop.application.ordering.pricing import Breakdown
from shop.application.ordering.read_models import (
    CheckoutView,
    OrderDetail,
    OrderPage,
    OrderSummary,
    PlacedOrder,
)
from shop.application.ordering.review import OrderReview, ReviewRules
from shop.application.ordering.service import OrderService
from shop.application.payments.gateways.http import Transport
from shop.application.payments.gateways.port import Gateway
from shop.application.payments.gateways.registry import gateways_from_settings
from shop.application.payments.giftcards import GiftCardService
from shop.application.payments.service import PaymentService
from shop.application.payments.wallet import WalletService
from shop.application.promotions.campaigns import CampaignService
from shop.application.promotions.coupons import CouponService
from shop.application.promotions.flash.desk import FlashSaleDesk
from shop.application.promotions.flash.lane import BurstLane
from shop.application.promotions.flash.settings import lane_from_settings
from shop.application.promotions.pricing import PromotionPricer
from shop.application.promotions.showcase import Showcase
from shop.application.public_url import MissingPublicUrl, absolute_link, public_url_from_settings
from shop.application.reference import ReferenceCache, ReferenceReader
from shop.application.regions.service import RegionService
from shop.application.rewards.service import RewardsService
from shop.application.rma.service import RmaService
from shop.application.sales_channels import WEB
from shop.application.sales_channels import checked as checked_channel
from shop.application.security.passwords import Passwords, hasher_from_settings
from shop.application.security.throttle import Throttled
from shop.application.sessions.service import SessionGrant, SessionPrincipal, SessionService
from shop.application.settings.service import SettingsService
from shop.application.shipments.read_models import ShipmentView, TrackingEventView
from shop.application.shipments.service import ShipmentService
from shop.application.shipments.settings import TrackingSettings
from shop.application.shipping.read_models import ShippingMethodView, ShippingQuote
from shop.application.shipping.service import ShippingService
from shop.application.staff.read_models import (
    Dashboard,
    PermissionChoice,
    PermissionGroup,
    RoleRef,
    RoleSaved,
    RoleView,
    StaffPage,
    StaffSaved,
    StaffSignedIn,
    StaffView,
)
from shop.application.staff.roles import RoleService
from shop.application.staff.service import StaffService
from shop.application.visits.service import VisitService, flush_visits
from shop.application.visits.tally import VisitTally
from shop.data import commits_apart, make_engine, make_session_factory, open_session
from shop.data import migrations as data_migrations

#: What an integrator may import from here: the facade, the errors to catch, and the read
#: models the services return (the README lists them).
__all__ = [
    "ANONYMOUS",
    "AccountBadge",
    "Actor",
    "AttributeDetail",
    "AttributeRow",
    "AttributeValueRow",
    "BrandRow",
    "Breakdown",
    "CategoryRow",
    "CheckoutView",
    "Clock",
    "CodeSent",
    "Comparison",
    "Conflict",
    "CustomerDesk",
    "CustomerDetail",
    "CustomerPage",
    "CustomerRow",
    "Dashboard",
    "DayFigures",
    "DeskDetail",
    "DeskPage",
    "DeskRow",
    "Forbidden",
    "ImageRow",
    "ImportReport",
    "Invalid",
    "ManualClock",
    "MissingPublicUrl",
    "NotFound",
    "OrderDesk",
    "OrderDetail",
    "OrderPage",
    "OrderReview",
    "OrderSummary",
    "Overview",
    "PastLastPage",
    "Permission",
    "PermissionChoice",
    "PermissionGroup",
    "PlacedOrder",
    "ProductEditor",
    "ProductListPage",
    "ProductListRow",
    "ProfileView",
    "ReviewRules",
    "RoleRef",
    "RoleSaved",
    "RoleView",
    "RowError",
    "SessionGrant",
    "SessionPrincipal",
    "ShipmentView",
    "ShippingMethodView",
    "ShippingQuote",
    "Shop",
    "ShopError",
    "SignedIn",
    "SkuRow",
    "StaffPage",
    "StaffSaved",
    "StaffSignedIn",
    "StaffView",
    "Throttled",
    "Todo",
    "TrackingEventView",
    "UnitOfWork",
    "Upload",
    "ValueChoice",
]


T = TypeVar("T")


class Shop:
    """One per process: owns the engine and makes units of work."""

    def __init__(self, bind: Any, settings: Mapping[str, Any] | None = None, *,
                 clock: Clock | None = None, handlers: HandlerRegistry | None = None,
                 gateway_transports: Mapping[str, Transport] | None = None) -> None:
        self.settings = dict(settings or {})
        #: The one source of "now" for every service and every stamped row.
        self.clock: Clock = clock or SystemClock()
        #: Who reacts to which domain event (every domain's ``handlers.py``).
        self.event_handlers = handlers or default_registry()
        self._bind = bind
        self._sessions = make_session_factory(bind)
        self.default_locale = normalize_locale(self.settings.get("shop.default_locale"))
        #: ``shop.public_url``: where links in emails and SMS point (never the request's host).
        self.public_url = public_url_from_settings(self.settings)
        self.passwords = Passwords(hasher_from_settings(self.settings))
        #: Which carrier tracker the tracking job asks (checked now: a shop set to ask
        #: 快递100 without its credentials refuses to start).
        self.tracking = TrackingSettings.from_settings(self.settings)
        self.references = ReferenceCache()
        self._gateways: dict[str, Gateway] | None = None
        self._gateway_transports = dict(gateway_transports or {})
        #: Whether a write may commit on a connection of its own beside an open unit of work
        #: (PostgreSQL through an engine): how a counted failure outlives a rollback.
        self.commits_apart = commits_apart(bind)
        #: The flash-sale burst lane (``shop.flash_sales.redis_url``), or None: flash sales
        #: sell through the database alone. A test or an integrator may set another.
        self.flash_lane: BurstLane | None = lane_from_settings(self.settings)
        #: Storefront visitors counted in this process, added to the database in batches.
        self.visit_tally = VisitTally()
        #: Where product images are stored and what an upload must be (``shop.media.*``).
        self.media = MediaStore.from_settings(self.settings)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, clock: Clock | None = None,
                      gateway_transports: Mapping[str, Transport] | None = None) -> Shop:
        url = settings.get("sqlalchemy.url")
        if not url:
            raise Invalid({"sqlalchemy.url": "the database URL is required"})
        options = {key.removeprefix("sqlalchemy."): int(value)
                   for key, value in settings.items()
                   if key in ("sqlalchemy.pool_size", "sqlalchemy.max_overflow")}
        return cls(make_engine(url, **options), settings, clock=clock,
                   gateway_transports=gateway_transports)

    system_actor = staticmethod(system_actor)

    @property
    def gateways(self) -> dict[str, Gateway]:
        """The payment gateways by name ("alipay", "wechat", "unionpay"): those the settings
        name (``shop.payments.gateways``), built on first use (their key files read and
        checked then; ``Invalid`` names a wrong setting). A test or an integrator may add to
        the dict."""
        if self._gateways is None:
            self._gateways = gateways_from_settings(self.settings, self.clock,
                                                    self._gateway_transports)
        return self._gateways

    def link(self, path: str) -> str:
        """An absolute link to ``path`` for a message; raises ``MissingPublicUrl`` when the
        shop was not given its public address."""
        return absolute_link(self.public_url, path)

    def bind(
        self,
        transaction_manager: transaction_package.TransactionManager,
        actor: Actor | None = None,
        *,
        session_token: str | None = None,
        locale: str | None = None,
        writes: bool = True,
        client_ip: str | None = None,
        channel: str = WEB,
    ) -> UnitOfWork:
        """Services for one unit of work whose commit belongs to ``transaction_manager``.

        The actor is given (scripts, tests) or found from a login session's token (requests).
        """
        session = open_session(self._sessions, transaction_manager, now=self.clock.now,
                               writes=writes)
        uow = UnitOfWork(self, session, actor or ANONYMOUS,
                         normalize_locale(locale, self.default_locale), client_ip,
                         checked_channel(channel))
        if actor is None and session_token:
            uow.actor = uow.identify(session_token)
        return uow

    @contextmanager
    def transaction(
        self, actor: Actor | None = None, *, locale: str | None = None, writes: bool = True,
        client_ip: str | None = None, channel: str = WEB,
    ) -> Iterator[UnitOfWork]:
        """Commit when the block ends, abort if it raises.

        ``client_ip`` is the address of the visitor the work is for (an integrator's own API
        serving a login, say): the per-address rate limits count it, as for a request.
        ``channel`` is where the visitor shops from (``web``, ``mobile``, ``app``,
        ``mini_program``): campaigns limited to a channel apply only there.
        """
        manager = transaction_package.TransactionManager(explicit=True)
        with manager:
            yield self.bind(manager, actor or ANONYMOUS, locale=locale, writes=writes,
                            client_ip=client_ip, channel=channel)

    def retrying(
        self, work: Callable[[UnitOfWork], T], actor: Actor | None = None, *,
        attempts: int = 3, locale: str | None = None, client_ip: str | None = None,
    ) -> T:
        """``work(uow)`` in a unit of work that commits, run again (``attempts`` times in all)
        when the database calls the transaction off for a transient reason: a deadlock or a
        serialization failure on PostgreSQL. What pyramid_retry does for a request, for scripts
        and integrators; any other error propagates at once, after the abort."""
        manager = transaction_package.TransactionManager(explicit=True)
        for attempt in manager.attempts(attempts):
            with attempt:
                result = work(self.bind(manager, actor or ANONYMOUS, locale=locale,
                                        client_ip=client_ip))
        return result

    def run_job(self, name: str) -> dict[str, Any]:
        """Run one of the shop's jobs now, as the job engines do (``shop-admin INI jobs list``
        names them: ``deliver-messages``, ``dispatch-events``, ``purge-expired``,
        ``track-shipments``); its counts."""
        return find_job(name).run(self)

    def flush_visits(self, *, force: bool = False) -> int:
        """Add the visitors this process counted to the database when due (``force``: now);
        how many. The web tier calls it after a response; see ``shop.application.visits``."""
        return flush_visits(self, force=force)

    def upgrade_database(self, revision: str = "heads") -> None:
        data_migrations.upgrade(self._bind, revision)

    def database_revision(self) -> tuple[str, str]:
        """(current, head): equal when the database is up to date."""
        return data_migrations.current_revision(self._bind), data_migrations.head_revision()

    def dispose(self) -> None:
        dispose = getattr(self._bind, "dispose", None)
        if dispose is not None:
            dispose()


class UnitOfWork:
    """The services of one transaction, for one actor, in one language.

    Its public members are what an integrator may use (see the README's library section).
    Members whose names start with ``_`` are the application tier's own steps: the database
    session, the audit trail, the outbox, domain events, the reference-data reader and the stock
    keeper (reserve, release, deduct). Services
    use them; a caller that reached for them would skip the rules the services enforce.
    """

    def __init__(self, shop: Shop, session: Any, actor: Actor, locale: str,
                 client_ip: str | None = None, channel: str = WEB) -> None:
        self.shop = shop
        self.clock = shop.clock
        self._session = session
        self.actor = actor
        self.locale = locale
        #: The visitor's address when the work comes from a request (for audit and throttling).
        self.client_ip = client_ip
        #: Where the visitor shops from (``shop.application.sales_channels``).
        self.channel = channel

    def acting_as(self, actor: Actor, locale: str | None = None,
                  channel: str | None = None) -> UnitOfWork:
        """The same unit of work for another actor: a job step doing what a shopper asked
        for (a queued flash-sale buy) under that shopper's rules, language and channel."""
        return UnitOfWork(self.shop, self._session, actor,
                          normalize_locale(locale, self.locale), self.client_ip,
                          checked_channel(channel or self.channel))

    def identify(self, session_token: str) -> Actor:
        """The actor behind a login session, or anonymous when it has ended or never was."""
        principal = self.sessions.principal(session_token)
        if principal is None:
            return ANONYMOUS
        if principal.kind == "customer":
            return self.accounts.actor_for(principal.id)
        if principal.kind == "staff":
            return self.staff.actor_for(principal.id)
        return ANONYMOUS

    # -- the application tier's own steps ---------------------------------------------------

    @cached_property
    def _reference(self) -> ReferenceReader:
        """The category tree, brands, facet attributes and base settings, shared by the process."""
        return ReferenceReader(self.shop.references, self._session)

    @cached_property
    def _audit(self) -> AuditService:
        return AuditService(self)

    @cached_property
    def _outbox(self) -> OutboxService:
        return OutboxService(self)

    @cached_property
    def _events(self) -> EventService:
        return EventService(self)

    @cached_property
    def _stock(self) -> StockKeeper:
        return StockKeeper(self)

    # -- the services ------------------------------------------------------------------------

    @cached_property
    def sessions(self) -> SessionService:
        return SessionService(self)

    @cached_property
    def accounts(self) -> AccountService:
        return AccountService(self)

    @cached_property
    def dead_letters(self) -> DeadLetterService:
        return DeadLetterService(self)

    @cached_property
    def catalog(self) -> CatalogService:
        return CatalogService(self)

    @cached_property
    def attributes(self) -> AttributeService:
        """Attributes and their values as staff keep them
        (``shop.application.catalog.attributes``)."""
        return AttributeService(self)

    @cached_property
    def brands(self) -> BrandService:
        """Brands as staff keep them (``shop.application.catalog.brands``)."""
        return BrandService(self)

    @cached_property
    def categories(self) -> CategoryService:
        """The category tree as staff shape it (``shop.application.catalog.categories``)."""
        return CategoryService(self)

    @cached_property
    def products(self) -> ProductAdminService:
        """Products as the back office edits them (``shop.application.catalog.products``)."""
        return ProductAdminService(self)

    @cached_property
    def product_import(self) -> ProductImportService:
        """Products and SKUs from a CSV or XLSX file, all or nothing
        (``shop.application.catalog.product_import``)."""
        return ProductImportService(self)

    @cached_property
    def inventory(self) -> InventoryService:
        return InventoryService(self)

    @cached_property
    def cart(self) -> CartService:
        return CartService(self)

    @cached_property
    def checkout(self) -> CheckoutService:
        return CheckoutService(self)

    @cached_property
    def orders(self) -> OrderService:
        return OrderService(self)

    @cached_property
    def order_desk(self) -> OrderDesk:
        """The back office's orders: list, export, detail, flags, notes, shipping
        (``shop.application.ordering.desk``)."""
        return OrderDesk(self)

    @cached_property
    def customer_desk(self) -> CustomerDesk:
        """The back office's customers: list, export, detail
        (``shop.application.accounts.customer_desk``)."""
        return CustomerDesk(self)

    @cached_property
    def order_entry(self) -> OrderEntryService:
        """Orders staff enter: phone orders, group-buy imports, zero-amount orders and their
        approval (``shop.application.ordering.entry``)."""
        return OrderEntryService(self)

    @cached_property
    def order_review(self) -> OrderReview:
        """Order review (订单审核): the rules, the queue's decisions
        (``shop.application.ordering.review``)."""
        return OrderReview(self)

    @cached_property
    def demo(self) -> DemoService:
        return DemoService(self)

    @cached_property
    def addresses(self) -> AddressService:
        return AddressService(self)

    @cached_property
    def invoices(self) -> InvoiceService:
        return InvoiceService(self)

    @cached_property
    def payments(self) -> PaymentService:
        return PaymentService(self)

    @cached_property
    def gift_cards(self) -> GiftCardService:
        return GiftCardService(self)

    @cached_property
    def coupons(self) -> CouponService:
        return CouponService(self)

    @cached_property
    def wallet(self) -> WalletService:
        return WalletService(self)

    @cached_property
    def regions(self) -> RegionService:
        return RegionService(self)

    @cached_property
    def rewards(self) -> RewardsService:
        return RewardsService(self)

    @cached_property
    def rma(self) -> RmaService:
        """The service center and the RMA desk (``shop.application.rma``)."""
        return RmaService(self)

    @cached_property
    def oauth(self) -> OAuthService:
        return OAuthService(self)

    @cached_property
    def shipments(self) -> ShipmentService:
        return ShipmentService(self)

    @cached_property
    def promotions(self) -> CampaignService:
        return CampaignService(self)

    @cached_property
    def showcase(self) -> Showcase:
        return Showcase(self)

    @cached_property
    def flash_sales(self) -> FlashSaleDesk:
        return FlashSaleDesk(self)

    @cached_property
    def _pricer(self) -> PromotionPricer:
        return PromotionPricer(self)

    @cached_property
    def staff(self) -> StaffService:
        return StaffService(self)

    @cached_property
    def roles(self) -> RoleService:
        return RoleService(self)

    @cached_property
    def settings(self) -> SettingsService:
        return SettingsService(self)

    @cached_property
    def shipping(self) -> ShippingService:
        return ShippingService(self)

    @cached_property
    def dashboard(self) -> DashboardService:
        return DashboardService(self)

    @cached_property
    def visits(self) -> VisitService:
        return VisitService(self)

    @cached_property
    def audit_log(self) -> AuditBrowser:
        return AuditBrowser(self)
