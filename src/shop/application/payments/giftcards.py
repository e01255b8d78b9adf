"""Gift cards (礼品卡): staff issue batches; shoppers add a card to their account or pay by its
code and PIN.

A code is 16 characters from an alphabet without look-alikes (80 random bits): the code is the
secret that finds a card, the 6-digit PIN the second factor. Wrong codes and PINs count against
the shopper and their address (``GUESSES``), and a wrong PIN answers exactly like an unknown
code, so nobody learns which codes exist. The PIN is kept as a salted scrypt hash: issuing a
thousand cards must not take a thousand argon2 hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import colander

from shop.application.actors import Permission
from shop.application.errors import Conflict, Forbidden, Invalid
from shop.application.i18n import _
from shop.application.money import Money
from shop.application.payments.books import CNY, Books
from shop.application.security.throttle import Limit, Rule, Throttle
from shop.application.validation import validate
from shop.data.repositories.giftcards import BatchRecord, GiftCardRecord, GiftCardRepository
from shop.data.repositories.ledger import LedgerRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
CODE_LENGTH = 16
PIN_DIGITS = 6
MAX_BATCH = 5000
#: Guesses of a code or PIN: 20 wrong within an hour and the 21st is refused for a while.
GUESSES = Limit(20, timedelta(hours=1))
_SCRYPT = {"n": 2 ** 12, "r": 8, "p": 1, "dklen": 32}


def draw_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    return salt.hex() + "$" + hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT).hex()


def pin_matches(stored: str, pin: str) -> bool:
    salt, _sep, digest = stored.partition("$")
    try:
        computed = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), **_SCRYPT).hex()
    except ValueError:
        return False
    return hmac.compare_digest(computed, digest)


def _fingerprint(code: str) -> str:
    """Names a card's ledger account without giving its code away to whoever reads the books."""
    return hashlib.sha256(code.encode()).hexdigest()[:24]


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def mask(code: str) -> str:
    return "•" * 4 + code[-4:]


@dataclass(frozen=True)
class IssuedCard:
    code: str
    pin: str


@dataclass(frozen=True)
class IssuedBatch:
    batch_id: int
    value: Decimal
    expires_at: datetime
    cards: tuple[IssuedCard, ...]  # the only time the PINs are seen


@dataclass(frozen=True)
class GiftCardView:
    id: int
    masked_code: str
    balance: Decimal
    expires_at: datetime
    expired: bool


class BatchSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), validator=colander.Length(1, 100))
    value = colander.SchemaNode(Money(), validator=colander.Range(
        Decimal("0.01"), Decimal("100000.00"), min_err=_("At least ¥0.01"),
        max_err=_("At most ¥100,000 per card")))
    quantity = colander.SchemaNode(colander.Int(), validator=colander.Range(
        1, MAX_BATCH, min_err=_("At least one card"),
        max_err=_("At most ${max} cards per batch")))
    expires_on = colander.SchemaNode(colander.Date())
    #: The issuing form's one-time key: sent twice (a reload), it issues one batch.
    request_key = colander.SchemaNode(colander.String(), missing=None,
                                      validator=colander.Length(1, 64))


class CardSchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), validator=colander.Length(1, 40))
    pin = colander.SchemaNode(colander.String(), validator=colander.Length(1, 12))


class GiftCardService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = GiftCardRepository(uow._session)
        self.books = Books(uow)

    def issue(self, data: Mapping[str, Any]) -> IssuedBatch:
        """Issue a batch (``name``, ``value``, ``quantity``, ``expires_on``): each card funded
        from ``shop:gift_cards`` in the ledger. Staff with finance:ledger:manage; audited."""
        self.uow.actor.require(Permission.FINANCE_MANAGE)
        values = validate(BatchSchema(), data)
        zone = self.uow.settings.current().zone
        expires = datetime.combine(values["expires_on"], datetime.max.time(), zone)
        if expires <= self.uow.clock.now():
            raise Invalid({"expires_on": _("Choose a day in the future")})
        value, quantity = values["value"], values["quantity"]
        batch_id = self.repo.add_batch(values["name"], value, quantity, expires,
                                       self.uow.actor.name, values["request_key"])
        if batch_id is None:
            raise Conflict(_("This batch was issued already; its codes and PINs were shown "
                             "once, when it was issued"))
        cards = self._draw(quantity)
        source = self.books.shop_account("gift_cards")
        ledger = LedgerRepository(self.uow._session)
        rows = []
        for card in cards:
            account = ledger.open(f"gift_card:{_fingerprint(card.code)}", "gift_card", CNY)
            self.books.move(f"issue:{card.code}", source, account, value, "gift_card_issue",
                            external_ref=card.code[-4:], memo=values["name"])
            rows.append({"batch_id": batch_id, "code": card.code, "pin_hash": hash_pin(card.pin),
                         "account_id": account.id, "expires_at": expires})
        self.repo.add_cards(rows)
        self.uow._audit.record("payments.gift_cards.issue", "gift_card_batch", batch_id, after={
            "name": values["name"], "value": value, "quantity": quantity,
            "expires_at": expires})
        return IssuedBatch(batch_id, value, expires, tuple(cards))

    def batches(self, before: int | None = None, limit: int = 50) -> list[BatchRecord]:
        self.uow.actor.require(Permission.FINANCE_VIEW)
        return self.repo.batches(before, limit)

    def add_to_account(self, data: Mapping[str, Any]) -> GiftCardView:
        """绑定礼品卡: the signed-in shopper adds a card by code and PIN."""
        card = self.unlock(data)
        return self.view(card)

    def mine(self, limit: int = 50) -> list[GiftCardView]:
        return [self.view(card) for card in self.repo.of_customer(self._shopper(), limit)]

    def view(self, card: GiftCardRecord) -> GiftCardView:
        return GiftCardView(card.id, mask(card.code), card.balance, card.expires_at,
                            card.expires_at <= self.uow.clock.now())

    def unlock(self, data: Mapping[str, Any]) -> GiftCardRecord:
        """The card a code and PIN name, bound to the signed-in shopper (on first use); the same
        refusal for an unknown code, a wrong PIN or another shopper's card."""
        customer_id = self._shopper()
        values = validate(CardSchema(), data)
        throttle = Throttle(self.uow)
        rules = [Rule(f"gift-card:customer:{customer_id}", GUESSES, "account")]
        if self.uow.client_ip:
            rules.append(Rule(f"gift-card:ip:{self.uow.client_ip}", GUESSES, "ip"))
        throttle.refuse_if_reached(rules)
        card = self.repo.by_code(normalize_code(values["code"]))
        if card is None or not pin_matches(card.pin_hash, values["pin"].strip()) \
                or card.customer_id not in (None, customer_id) or card.disabled_at is not None:
            throttle.count_failure(rules)
            raise Invalid({"code": _("That code and PIN do not match a gift card you can use")})
        if card.customer_id is None:
            self.repo.bind(card.id, customer_id, self.uow.clock.now())
            self.uow._audit.record("payments.gift_cards.bind", "gift_card", card.id,
                                   after={"customer_id": customer_id})
        found = self.repo.get(card.id)
        assert found is not None
        return found

    def owned(self, card_id: int) -> GiftCardRecord:
        """One of the signed-in shopper's cards, by id."""
        card = self.repo.get(card_id)
        if card is None or card.customer_id != self._shopper():
            raise Invalid({"gift_card": _("Choose one of your gift cards")})
        return card

    def _shopper(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("gift cards belong to a signed-in shopper")
        return actor.id

    def _draw(self, quantity: int) -> list[IssuedCard]:
        codes: set[str] = set()
        while len(codes) < quantity:
            wanted = [draw_code() for _ in range(quantity - len(codes))]
            codes.update(set(wanted) - self.repo.codes_taken(wanted))
        return [IssuedCard(code, "".join(secrets.choice("0123456789")
                                         for _ in range(PIN_DIGITS)))
                for code in sorted(codes)]
