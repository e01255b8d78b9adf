"""The application's own exceptions. Presentation maps each to a response in one place."""

from __future__ import annotations

from collections.abc import Mapping


class ShopError(Exception):
    """Base of every error a service raises on purpose."""


class NotFound(ShopError):
    """The thing asked for does not exist, or this actor may not know that it does."""


class PastLastPage(NotFound):
    """A listing page beyond its last. ``last`` is the query of the last page, to show instead;
    None when the listing has nothing at all, so no page of it exists but the first."""

    def __init__(self, last: tuple[tuple[str, str], ...] | None) -> None:
        super().__init__("past the last page")
        self.last = last


class Forbidden(ShopError):
    """The actor is known but lacks the permission the service needs."""


class Conflict(ShopError):
    """The request fights the current state (a key taken, a state that moved on)."""


class Invalid(ShopError):
    """Input failed validation; ``errors`` maps each field name to a message."""

    def __init__(self, errors: Mapping[str, str], message: str = "Invalid input") -> None:
        super().__init__(message)
        self.errors = dict(errors)

    def __str__(self) -> str:
        details = "; ".join(f"{field}: {_interpolate(msg)}" for field, msg in self.errors.items())
        return f"{self.args[0]} ({details})" if details else str(self.args[0])


def _interpolate(message: object) -> str:
    """English text of a translation string (what a log or a script shows)."""
    interpolate = getattr(message, "interpolate", None)
    return interpolate() if interpolate else str(message)
