"""The languages the shop speaks, and picking the right one of a pair of translated columns."""

from __future__ import annotations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


def normalize_locale(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map "zh", "zh-CN", "zh_Hans_CN", "en-US" … onto a locale the shop has; else ``default``."""
    if not value:
        return default
    language = value.replace("-", "_").split("_")[0].lower()
    return {"zh": "zh_CN", "en": "en"}.get(language, default)


def pick(locale: str, zh: str, en: str) -> str:
    """The text for ``locale``, falling back to the other language when a translation is empty."""
    if locale == "en":
        return en or zh
    return zh or en
