"""Managing one's own addresses.

Every query names the acting shopper's customer id, so an id typed into a URL that belongs to
someone else is simply not found (404, never 403: an id must not reveal that it exists).
The account keeps exactly one default address while it has any. Every change is audited
(``address.create``, ``address.update``, ``address.default``, ``address.delete``) with the
values before and after, like any staff write: customer service answering "I never changed
that address" reads it in the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.addresses.schemas import deserialize_address
from shop.application.errors import Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.mobile import display_mobile
from shop.application.regions.table import address_names
from shop.application.validation import entity_key
from shop.data.models import Address
from shop.data.repositories.addresses import AddressRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Enough for home, work, parents and friends; a longer list is unusable at checkout.
MAX_ADDRESSES = 20


@dataclass(frozen=True)
class AddressView:
    id: int
    recipient: str
    mobile: str  # E.164
    mobile_display: str
    province_code: str
    city_code: str
    district_code: str | None
    region_names: tuple[str, ...]  # province, city and district names, for display
    street: str
    postcode: str | None
    is_default: bool

    @property
    def form_values(self) -> dict[str, Any]:
        """The fields as the address form posts them, to prefill an edit."""
        return {"recipient": self.recipient, "mobile": self.mobile_display,
                "province": self.province_code, "city": self.city_code,
                "district": self.district_code or "", "street": self.street,
                "postcode": self.postcode or "", "is_default": self.is_default}


class AddressService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = AddressRepository(uow._session)

    def list(self) -> list[AddressView]:
        """The shopper's addresses, default first; one query, names from the in-memory table."""
        return [self._view(a) for a in self.repo.list_for(self._customer_id())]

    def get(self, address_id: int | str) -> AddressView:
        return self._view(self._owned(self._customer_id(), address_id))

    def add(self, data: Mapping[str, Any]) -> AddressView:
        customer_id = self._customer_id()
        values = deserialize_address(data)
        self.repo.lock_owner(customer_id)
        count = self.repo.count_for(customer_id)
        if count >= MAX_ADDRESSES:
            raise Invalid({"_": _("You can keep at most ${max} addresses; delete one first.",
                                  mapping={"max": MAX_ADDRESSES})})
        make_default = values.pop("is_default") or count == 0
        if make_default:
            self.repo.clear_default(customer_id, self.uow.clock.now())
        address = Address(customer_id=customer_id, is_default=make_default, **_columns(values))
        self.repo.add(address)
        self.uow._audit.record("address.create", "address", address.id, after=_audited(address))
        return self._view(address)

    def update(self, address_id: int | str, data: Mapping[str, Any]) -> AddressView:
        """Change the fields; ticking "default" makes it the default, unticking changes nothing
        (another address becomes the default by choosing it)."""
        customer_id = self._customer_id()
        self.repo.lock_owner(customer_id)
        address = self._owned(customer_id, address_id)
        values = deserialize_address(data)
        before = _audited(address)
        if values.pop("is_default") and not address.is_default:
            self.repo.clear_default(customer_id, self.uow.clock.now())
            address.is_default = True
        for name, value in _columns(values).items():
            setattr(address, name, value)
        after = _audited(address)
        if before != after:
            self.uow._audit.record("address.update", "address", address.id, before=before,
                                   after=after)
        return self._view(address)

    def make_default(self, address_id: int | str) -> AddressView:
        customer_id = self._customer_id()
        self.repo.lock_owner(customer_id)
        address = self._owned(customer_id, address_id)
        if not address.is_default:
            self.repo.clear_default(customer_id, self.uow.clock.now())
            address.is_default = True
            self.uow._audit.record("address.default", "address", address.id,
                                   before={"is_default": False}, after={"is_default": True})
        return self._view(address)

    def delete(self, address_id: int | str) -> None:
        """Remove it; when it was the default, the most recently added one left takes over."""
        customer_id = self._customer_id()
        self.repo.lock_owner(customer_id)
        address = self._owned(customer_id, address_id)
        was_default = address.is_default
        self.uow._audit.record("address.delete", "address", address.id,
                               before=_audited(address))
        self.repo.delete(address)
        if was_default:
            successor = self.repo.newest_for(customer_id)
            if successor is not None:
                successor.is_default = True

    def _customer_id(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("an address book belongs to a signed-in shopper")
        return actor.id

    def _owned(self, customer_id: int, address_id: Any) -> Address:
        key = entity_key(address_id)
        address = self.repo.owned(customer_id, key) if key is not None else None
        if address is None:
            raise NotFound("no such address")
        return address

    def _view(self, address: Address) -> AddressView:
        codes = (address.province_code, address.city_code, address.district_code)
        names = address_names(codes, self.uow.locale)
        return AddressView(
            address.id, address.recipient, address.mobile, display_mobile(address.mobile),
            address.province_code, address.city_code, address.district_code, names,
            address.street, address.postcode, address.is_default)


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's field names as the table's column names."""
    regions = {"province": "province_code", "city": "city_code", "district": "district_code"}
    return {regions.get(name, name): value for name, value in values.items()}


def _audited(address: Address) -> dict[str, Any]:
    """What the audit log keeps of an address: every field a shopper can change."""
    return {"recipient": address.recipient, "mobile": address.mobile,
            "province_code": address.province_code, "city_code": address.city_code,
            "district_code": address.district_code, "street": address.street,
            "postcode": address.postcode, "is_default": address.is_default}
