"""Reading and changing the base settings.

``current()`` is what the rest of the shop reads (the storefront header's shop name, the time
zone dates are shown in); it returns defaults for keys nobody has set. ``update`` needs
``SETTINGS_MANAGE`` and records the changed keys before and after in the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import colander

from shop.application.accounts.levels import DEFAULT_THRESHOLDS, LEVELS
from shop.application.actors import Permission
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.settings.schemas import BaseSettingsSchema
from shop.application.validation import validate
from shop.data.repositories.settings import SettingsRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

DEFAULT_TIME_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class BaseSettings:
    """The base settings in force. An empty shop name means "use the translated default"."""

    shop_name_zh: str = ""
    shop_name_en: str = ""
    default_locale: str = "zh_CN"
    currency: str = "CNY"
    time_zone: str = DEFAULT_TIME_ZONE
    contact_email: str = ""
    contact_phone: str = ""
    contact_address: str = ""
    #: Member levels' spending thresholds in yuan (``shop.application.accounts.levels``).
    member_level_silver: str = DEFAULT_THRESHOLDS["silver"]
    member_level_gold: str = DEFAULT_THRESHOLDS["gold"]
    member_level_platinum: str = DEFAULT_THRESHOLDS["platinum"]

    def shop_name(self, locale: str) -> str:
        """The name in ``locale``, else in the other language, else ""."""
        return pick(locale, self.shop_name_zh, self.shop_name_en)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def level_thresholds(self) -> dict[str, Decimal]:
        return {level: Decimal(getattr(self, f"member_level_{level}")) for level in LEVELS}


KEYS = tuple(f.name for f in fields(BaseSettings))


class SettingsService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = SettingsRepository(uow._session)

    def current(self) -> BaseSettings:
        """The settings in force, shared by the process until they change (every page asks)."""
        return self.uow._reference.get("settings", self._load)

    def _load(self) -> BaseSettings:
        stored = self.repo.values()
        defaults = BaseSettings(default_locale=self.uow.shop.default_locale)
        known = {key: stored[key] for key in KEYS if isinstance(stored.get(key), str)}
        return _checked(defaults, known)

    def update(self, data: Mapping[str, Any]) -> BaseSettings:
        """Change the given keys; the others keep their values."""
        self.uow.actor.require(Permission.SETTINGS_MANAGE)
        values = {key: str(value) if isinstance(value, Decimal) else value
                  for key, value in validate(BaseSettingsSchema(), data).items()}
        before = asdict(self.current())
        _levels_rise({**before, **values})
        changed = {key: value for key, value in values.items() if before[key] != value}
        for key, value in changed.items():
            self.repo.put(key, value, self.uow.actor.name)
        if changed:
            self.uow._reference.changed("settings")
            self.uow._audit.record("settings.update", "settings", "base",
                                  before={k: before[k] for k in changed}, after=changed)
        return self.current()


def _levels_rise(values: Mapping[str, Any]) -> None:
    """Each member level asks for more than the one below it."""
    previous: tuple[str, Decimal] | None = None
    for level in LEVELS:
        key = f"member_level_{level}"
        amount = Decimal(str(values[key]))
        if previous is not None and amount <= previous[1]:
            raise Invalid({key: _("More than the level below it (¥${amount})",
                                  mapping={"amount": previous[1]})})
        previous = (key, amount)


def _checked(defaults: BaseSettings, stored: dict[str, str]) -> BaseSettings:
    """Stored values that still pass the schema (a time zone the system no longer knows, say,
    falls back to its default rather than breaking every page)."""
    schema = BaseSettingsSchema()
    good = {}
    for key, value in stored.items():
        try:
            good.update({name: str(found) if isinstance(found, Decimal) else found
                         for name, found in schema.deserialize({key: value}).items()})
        except colander.Invalid:
            continue
    return BaseSettings(**{**asdict(defaults), **good})
