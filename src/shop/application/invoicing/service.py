"""Invoices asked for at checkout, and the invoice titles a shopper keeps.

``resolve`` is what the order service calls with the checkout form's fields: it validates them,
takes a saved title when one was chosen, keeps the title when asked to, and returns plain
``InvoiceDetails`` for the order to store (the order tables are the ordering domain's).

Every query names the acting shopper's customer id, so a title id that belongs to someone else
is simply not found: 404 on the account page, a field message at checkout, never a hint that
it exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from shop.application.actors import Permission
from shop.application.errors import Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.invoicing.schemas import (
    COMPANY_FIELDS,
    TITLE_FIELDS,
    deserialize_invoice,
    deserialize_title,
    field_text,
)
from shop.application.validation import entity_key
from shop.data.models import InvoiceTitle
from shop.data.repositories.invoicing import InvoiceTitleRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Enough for oneself, an employer and a few clients; a longer list is unusable at checkout.
MAX_TITLES = 20


KIND_LABELS: dict[str, str] = {"none": _("No invoice"), "plain": _("Plain invoice"),
                               "vat": _("VAT special invoice")}


@dataclass(frozen=True)
class InvoiceDetails:
    """What an order stores of the invoice asked for; "" in every field its kind does not use.

    ``kind``: "none", "plain" (普通发票) or "vat" (增值税专用发票); ``title_kind``: "personal"
    or "company" ("" when no invoice).
    """

    kind: str
    title_kind: str
    title: str
    tax_code: str
    bank_name: str
    bank_account: str
    company_address: str
    company_phone: str

    #: No invoice (set below, once the class exists).
    NONE: ClassVar[InvoiceDetails]

    @property
    def wanted(self) -> bool:
        return self.kind != "none"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


InvoiceDetails.NONE = InvoiceDetails("none", "", "", "", "", "", "", "")


@dataclass(frozen=True)
class InvoiceTitleView:
    """A saved title, for the account page and the checkout page's picker."""

    id: int
    title_kind: str  # "personal" or "company"
    title: str
    tax_code: str  # "" for a person
    bank_name: str
    bank_account: str
    company_address: str
    company_phone: str
    created_at: datetime

    @property
    def has_bank_details(self) -> bool:
        """Whether it serves for a VAT special invoice too."""
        return bool(self.bank_name and self.bank_account and self.company_address
                    and self.company_phone)


class InvoiceService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = InvoiceTitleRepository(uow._session)

    def resolve(self, data: Mapping[str, Any]) -> InvoiceDetails:
        """The invoice a checkout asks for, from the form's fields (``kind``, ``title_kind``,
        ``title``, ``tax_code``, ``bank_name``, ``bank_account``, ``company_address``,
        ``company_phone``, ``saved_title``, ``remember``); Invalid naming each bad field.

        With ``saved_title`` (one of the shopper's titles) its fields replace the typed ones;
        with ``remember`` the title is kept for next time (once: the same title and tax code
        again updates the kept one). Other fields of ``data`` are ignored.
        """
        customer_id = self._customer_id()
        saved_title = _saved_title(data)
        if saved_title and field_text(data, "kind") in ("plain", "vat"):
            values = self._with_saved_title(customer_id, data, saved_title)
        else:
            values = deserialize_invoice(
                {**data, "saved_title": saved_title} if isinstance(data, Mapping) else data)
        if values["kind"] == "none":
            return InvoiceDetails.NONE
        if values["remember"] and not saved_title:
            self._keep(customer_id, values, error_field="remember")
        return InvoiceDetails(values["kind"], *(values[name] for name in TITLE_FIELDS))

    def titles(self) -> list[InvoiceTitleView]:
        """The shopper's saved titles, newest first (at most ``MAX_TITLES``: one query)."""
        return [_view(title) for title in self.repo.list_for(self._customer_id(), MAX_TITLES)]

    def save_title(self, data: Mapping[str, Any]) -> InvoiceTitleView:
        """Keep a title (``title_kind``, ``title``, ``tax_code`` and, optional, the bank
        fields); the same title and tax code again updates the kept one."""
        customer_id = self._customer_id()
        kept = self._keep(customer_id, deserialize_title(data), error_field="_")
        view = _view(kept)
        self.uow._audit.record("invoice_title.save", "invoice_title", kept.id,
                               after=_audited(view))
        return view

    def delete_title(self, title_id: int | str) -> None:
        customer_id = self._customer_id()
        title = self._owned(customer_id, title_id)
        self.uow._audit.record("invoice_title.delete", "invoice_title", title.id,
                               before=_audited(_view(title)))
        self.repo.delete(title)

    def _with_saved_title(self, customer_id: int, data: Mapping[str, Any],
                          saved_title: str) -> dict[str, Any]:
        """The request with the saved title's fields in place of the typed ones; Invalid on
        ``saved_title`` when it is not the shopper's or does not serve this kind of invoice."""
        key = entity_key(saved_title)
        saved = self.repo.owned(customer_id, key) if key is not None else None
        if saved is None:
            raise Invalid({"saved_title": _("Choose one of your saved invoice titles")})
        fields = asdict(_view(saved))
        try:
            return deserialize_invoice({**data, "saved_title": saved_title,
                                        **{name: fields[name] for name in TITLE_FIELDS}})
        except Invalid as exc:
            if not set(exc.errors) & set(TITLE_FIELDS):
                raise
            # Saved titles were valid when kept: only a VAT invoice can ask for more.
            raise Invalid({"saved_title": _(
                "A VAT special invoice needs a company title with its bank account, address "
                "and phone; this saved title lacks them")}) from None

    def _keep(self, customer_id: int, values: Mapping[str, Any], *,
              error_field: str) -> InvoiceTitle:
        """The kept title for ``values``: the same title and tax code updated, or a new one
        while the shopper has fewer than ``MAX_TITLES`` (else Invalid on ``error_field``)."""
        self.repo.lock_owner(customer_id)
        columns = {name: values[name] for name in TITLE_FIELDS if name != "title_kind"}
        kept = self.repo.same(customer_id, values["title"], values["tax_code"])
        if kept is None:
            if self.repo.count_for(customer_id) >= MAX_TITLES:
                raise Invalid({error_field: _(
                    "You can keep at most ${max} invoice titles; delete one in your account "
                    "first.", mapping={"max": MAX_TITLES})})
            kept = InvoiceTitle(customer_id=customer_id, kind=values["title_kind"], **columns)
            self.repo.add(kept)
            return kept
        for name, value in columns.items():
            # Asked without bank details (a plain invoice, a title saved without them), it
            # keeps the ones known.
            if value or name not in COMPANY_FIELDS:
                setattr(kept, name, value)
        return kept

    def _customer_id(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("invoice titles belong to a signed-in shopper")
        return actor.id

    def _owned(self, customer_id: int, title_id: Any) -> InvoiceTitle:
        key = entity_key(title_id)
        title = self.repo.owned(customer_id, key) if key is not None else None
        if title is None:
            raise NotFound("no such invoice title")
        return title


def _saved_title(data: Mapping[str, Any]) -> str:
    """The chosen saved title's id as text ("" when none): a form posts text, an integrator
    may pass the ``InvoiceTitleView.id`` itself."""
    value = data.get("saved_title") if isinstance(data, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _view(title: InvoiceTitle) -> InvoiceTitleView:
    return InvoiceTitleView(title.id, title.kind, title.title, title.tax_code, title.bank_name,
                            title.bank_account, title.company_address, title.company_phone,
                            title.created_at)


def _audited(view: InvoiceTitleView) -> dict[str, Any]:
    """What the audit log keeps of a saved title (a shopper's own change, like an address)."""
    return {name: value for name, value in asdict(view).items()
            if name not in ("id", "created_at")}
