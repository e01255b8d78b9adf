"""Shopper accounts: lookups by id and by any of the names a shopper logs in with."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import Customer


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, customer_id: int) -> Customer | None:
        return self.session.get(Customer, customer_id)

    def by_login(self, identifier: str) -> Customer | None:
        """The account whose username, email or mobile is ``identifier`` (already normalized)."""
        return self.session.scalars(
            select(Customer).where(or_(Customer.username == identifier,
                                       Customer.email == identifier,
                                       Customer.mobile == identifier))
        ).first()

    def by_email(self, email: str) -> Customer | None:
        return self.session.scalars(select(Customer).where(Customer.email == email)).first()

    def by_mobile(self, mobile: str) -> Customer | None:
        return self.session.scalars(select(Customer).where(Customer.mobile == mobile)).first()

    def by_referral_code(self, code: str) -> Customer | None:
        return self.session.scalars(
            select(Customer).where(Customer.referral_code == code)).first()

    def add(self, customer: Customer) -> None:
        self.session.add(customer)
        # Flushed now: the caller needs the id, and a taken email surfaces here, not at commit.
        self.session.flush()

    def add_unless_taken(self, customer: Customer) -> bool:
        """Insert ``customer``; False (nothing written) when a unique name was taken meanwhile."""
        try:
            # A savepoint, so that losing the race leaves the transaction usable.
            with self.session.begin_nested():
                self.session.add(customer)
        except IntegrityError:
            return False
        return True

    def change_unless_taken(self, customer: Customer, **values: object) -> bool:
        """Set unique names (email, mobile …) and write them now; False (nothing changed) when
        one is taken."""
        try:
            with self.session.begin_nested():
                for name, value in values.items():
                    setattr(customer, name, value)
        except IntegrityError:
            return False
        return True
