"""Why a login with a provider could not finish, in words a shopper can act on."""

from __future__ import annotations

from shop.application.errors import ShopError


class OAuthFailed(ShopError):
    """The login round trip failed; ``message`` is a translation string for the shopper.

    ``detail`` says what exactly went wrong, for the log only: a provider's error text is not
    shown to the shopper (it can be long, English, or leak configuration).
    """

    def __init__(self, message: object, detail: str = "") -> None:
        super().__init__(detail or str(message))
        self.message = message
        self.detail = detail
