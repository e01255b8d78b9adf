"""The back office's headline numbers, counted where they live."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.data.models import Customer, Product, Staff


class DashboardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count_products(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Product)) or 0

    def count_customers(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Customer)) or 0

    def count_staff(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Staff)) or 0
