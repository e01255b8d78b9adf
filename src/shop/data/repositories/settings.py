"""Base settings rows: read all at once (a page needs several), write one key at a time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.data.models import ShopSetting


class SettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def values(self) -> dict[str, Any]:
        return {key: value for key, value in self.session.execute(
            select(ShopSetting.key, ShopSetting.value)).all()}

    def put(self, key: str, value: Any, updated_by: str) -> None:
        row = self.session.get(ShopSetting, key)
        if row is None:
            self.session.add(ShopSetting(key=key, value=value, updated_by=updated_by))
        else:
            row.value = value
            row.updated_by = updated_by
