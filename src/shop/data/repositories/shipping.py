"""Shipping methods with their fee rules and excluded regions.

A quote reads every method that may deliver to an address in one statement, whatever the number
of methods: each active method joined to its rule for the province and its default rule, minus
the methods excluding the province or the city. The join goes from a method to its rules by
(method, region), which the unique key indexes; exclusions are found by their primary key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models.shipping import (
    EVERYWHERE_ELSE,
    ShippingExclusion,
    ShippingFeeRule,
    ShippingMethod,
)


@dataclass(frozen=True, slots=True)
class RuleRecord:
    method_id: int
    region: str
    first_weight_grams: int
    first_fee: Decimal
    additional_weight_grams: int
    additional_fee: Decimal


@dataclass(frozen=True, slots=True)
class OfferRecord:
    """An active method that serves the address, with one of its rules that applies there
    (the province's own or the default one: a method may come with both)."""

    code: str
    name_zh: str
    name_en: str
    position: int
    free_above: Decimal | None
    rule: RuleRecord


_RULE_COLUMNS = (ShippingFeeRule.method_id, ShippingFeeRule.region,
                 ShippingFeeRule.first_weight_grams, ShippingFeeRule.first_fee,
                 ShippingFeeRule.additional_weight_grams, ShippingFeeRule.additional_fee)


class ShippingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- for checkout -----------------------------------------------------------------------

    def offers(self, province: str, city: str, code: str | None = None) -> list[OfferRecord]:
        """The active methods (or only ``code``) that do not exclude ``province`` or ``city``,
        each with its rules for ``province`` and everywhere else: one statement."""
        excluded = exists().where(ShippingExclusion.method_id == ShippingMethod.id,
                                  ShippingExclusion.region.in_((province, city)))
        query = (
            select(ShippingMethod.code, ShippingMethod.name_zh, ShippingMethod.name_en,
                   ShippingMethod.position, ShippingMethod.free_above, *_RULE_COLUMNS)
            .join(ShippingFeeRule, (ShippingFeeRule.method_id == ShippingMethod.id)
                  & ShippingFeeRule.region.in_((province, EVERYWHERE_ELSE)))
            .where(ShippingMethod.is_active, ~excluded)
            .order_by(ShippingMethod.position, ShippingMethod.id))
        if code is not None:
            query = query.where(ShippingMethod.code == code)
        return [OfferRecord(row.code, row.name_zh, row.name_en, row.position, row.free_above,
                            RuleRecord(row.method_id, row.region, row.first_weight_grams,
                                       row.first_fee, row.additional_weight_grams,
                                       row.additional_fee))
                for row in self.session.execute(query)]

    # -- for staff --------------------------------------------------------------------------

    def all(self) -> Sequence[ShippingMethod]:
        return self.session.scalars(
            select(ShippingMethod).order_by(ShippingMethod.position, ShippingMethod.id)).all()

    def by_code(self, code: str) -> ShippingMethod | None:
        return self.session.scalars(
            select(ShippingMethod).where(ShippingMethod.code == code)).first()

    def codes(self) -> set[str]:
        return set(self.session.scalars(select(ShippingMethod.code)))

    def rules_of(self, method_ids: Iterable[int]) -> dict[int, list[RuleRecord]]:
        """Each method's rules, the default one first, then by region code: one statement."""
        rows = self.session.execute(
            select(*_RULE_COLUMNS).where(ShippingFeeRule.method_id.in_(list(method_ids)))
            .order_by(ShippingFeeRule.method_id, ShippingFeeRule.region))
        found: dict[int, list[RuleRecord]] = {}
        for row in rows:
            found.setdefault(row.method_id, []).append(RuleRecord(**row._mapping))
        return found

    def exclusions_of(self, method_ids: Iterable[int]) -> dict[int, list[str]]:
        rows = self.session.execute(
            select(ShippingExclusion.method_id, ShippingExclusion.region)
            .where(ShippingExclusion.method_id.in_(list(method_ids)))
            .order_by(ShippingExclusion.method_id, ShippingExclusion.region))
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(row.method_id, []).append(row.region)
        return found

    def add(self, method: ShippingMethod) -> bool:
        """Insert ``method``; False (and nothing written) when its code is taken meanwhile."""
        try:
            # A savepoint, so that losing a race for the code leaves the transaction usable.
            with self.session.begin_nested():
                self.session.add(method)
        except IntegrityError:
            return False
        return True

    def replace_rules(self, method_id: int, rules: Iterable[dict[str, object]]) -> None:
        self.session.execute(delete(ShippingFeeRule)
                             .where(ShippingFeeRule.method_id == method_id))
        self.session.add_all(ShippingFeeRule(method_id=method_id, **rule) for rule in rules)
        # Flushed now: the read model that follows reads the rules back.
        self.session.flush()

    def replace_exclusions(self, method_id: int, regions: Iterable[str]) -> None:
        self.session.execute(delete(ShippingExclusion)
                             .where(ShippingExclusion.method_id == method_id))
        self.session.add_all(ShippingExclusion(method_id=method_id, region=region)
                             for region in regions)
        self.session.flush()
