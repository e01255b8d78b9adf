"""Logging in, signing up and linking accounts through a provider.

A round trip has two halves. ``begin`` stores the attempt server-side (the state's hash, the
PKCE verifier, the nonce) and hands the browser a random binding token for a short-lived cookie;
``callback.finish`` accepts the provider's callback only with that state, from that browser, once,
within ten minutes. A callback link sent to someone else therefore logs nobody in (login CSRF).

Who the person is follows one rule: a provider identity already linked logs its account in; a
provider-verified email that belongs to an existing account is never taken over (the shopper
must sign in with their password and link the provider themselves); anything else makes a new
account without a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shop.application.accounts.customers import CustomerAccounts
from shop.application.actors import Permission
from shop.application.errors import Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.oauth.config import provider_configs
from shop.application.oauth.errors import OAuthFailed
from shop.application.oauth.http import HttpClient
from shop.application.oauth.pkce import new_verifier, random_token, s256_challenge, sha256_hex
from shop.application.oauth.providers import Provider, ProviderIdentity, provider_for
from shop.application.security.throttle import Limit, Rule, Throttle
from shop.application.sessions.service import LoginSessions, SessionGrant
from shop.data.models import Customer, OAuthAttempt, OAuthIdentity
from shop.data.repositories.accounts import CustomerRepository
from shop.data.repositories.oauth import OAuthAttemptRepository, OAuthIdentityRepository

if TYPE_CHECKING:
    from shop.application import Shop, UnitOfWork

ATTEMPT_LIFETIME = timedelta(minutes=10)
#: Logins started within an attempt's lifetime from one address (several people behind one NAT),
#: and under way from one browser (a few tabs): the attempts table stays bounded, however often
#: a start link is hit.
STARTS_PER_ADDRESS = Limit(count=20, window=ATTEMPT_LIFETIME)
ATTEMPTS_PER_BROWSER = 5
LOGIN, LINK = "login", "link"
#: The outcomes of ``finish``.
LOGGED_IN, LINKED, EMAIL_TAKEN = "logged_in", "linked", "email_taken"

RETRY = _("The sign-in did not complete or has expired. Please try again.")


@dataclass(frozen=True)
class ProviderChoice:
    name: str
    label: Any  # a translation string, or the configured label


@dataclass(frozen=True)
class AuthorizationStart:
    """Where to send the browser, and the token its binding cookie holds."""

    url: str
    browser_token: str


@dataclass(frozen=True)
class TakenAttempt:
    """What a used-up attempt told the callback, as plain values that outlive its transaction."""

    provider: str
    purpose: str  # LOGIN or LINK
    customer_id: int | None  # for LINK: the shopper who began it
    redirect_uri: str
    code_verifier: str
    nonce: str


@dataclass(frozen=True)
class OAuthOutcome:
    kind: str  # LOGGED_IN, LINKED or EMAIL_TAKEN
    provider: ProviderChoice
    grant: SessionGrant | None = None  # for LOGGED_IN: the new login session
    created: bool = False  # for LOGGED_IN: a new account was made
    email: str | None = None  # for EMAIL_TAKEN: the address that belongs to an account


@dataclass(frozen=True)
class LinkedIdentity:
    provider: ProviderChoice
    display_name: str | None
    email: str | None
    created_at: datetime  # in the shop's time zone


@dataclass(frozen=True)
class LinksPage:
    linked: list[LinkedIdentity]
    available: list[ProviderChoice]
    #: Unlinking would leave the account with no way in (no password, no other provider).
    unlink_blocked: bool


class OAuthService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.identities = OAuthIdentityRepository(uow._session)
        self.attempts = OAuthAttemptRepository(uow._session)
        self.customers = CustomerRepository(uow._session)
        self.http = HttpClient()

    def enabled_providers(self) -> list[ProviderChoice]:
        """The providers the login page offers, in the order the settings list them."""
        return [ProviderChoice(name, self._provider(name).label)
                for name in provider_configs(self.uow.shop.settings)]

    def begin(self, provider_name: str, *, redirect_uri: str, link: bool = False,
              browser_token: str | None = None) -> AuthorizationStart:
        """Start a login (or, with ``link``, add a provider to the signed-in shopper's account).

        ``browser_token`` is the binding cookie's value when the browser has one already, so
        two tabs can each start a login (the browser's oldest attempts beyond
        ``ATTEMPTS_PER_BROWSER`` are dropped). Raises ``Throttled`` when the visitor's address
        started ``STARTS_PER_ADDRESS`` logins already.
        """
        provider = self._provider(provider_name)
        customer_id = self._shopper_id() if link else None
        throttle = Throttle(self.uow)
        rules = ([Rule(f"oauth-start:ip:{self.uow.client_ip}", STARTS_PER_ADDRESS, "ip")]
                 if self.uow.client_ip else [])
        throttle.refuse_if_reached(rules)
        throttle.count(rules)
        if not browser_token or len(browser_token) > 100:
            browser_token = random_token()
        else:
            self.attempts.keep_newest_of_browser(sha256_hex(browser_token),
                                                 ATTEMPTS_PER_BROWSER - 1)
        state, verifier, nonce = random_token(), new_verifier(), random_token(24)
        now = self.uow.clock.now()
        self.attempts.delete_expired(now)
        self.attempts.add(OAuthAttempt(
            state_hash=sha256_hex(state), browser_hash=sha256_hex(browser_token),
            provider=provider_name, purpose=LINK if link else LOGIN, customer_id=customer_id,
            code_verifier=verifier, nonce=nonce, redirect_uri=redirect_uri,
            created_at=now, expires_at=now + ATTEMPT_LIFETIME))
        url = provider.authorization_url(redirect_uri=redirect_uri, state=state,
                                         code_challenge=s256_challenge(verifier), nonce=nonce)
        return AuthorizationStart(url, browser_token)

    def links(self) -> LinksPage:
        """The signed-in shopper's linked providers and the ones they could link."""
        customer = self._shopper()
        linked = self.identities.for_customer(customer.id)
        enabled = provider_configs(self.uow.shop.settings)
        zone = self.uow.settings.current().zone  # times are shown in the shop's time zone
        views = [LinkedIdentity(self._choice(i.provider), i.display_name, i.email,
                                i.created_at.astimezone(zone)) for i in linked]
        taken = {i.provider for i in linked}
        available = [self._choice(name) for name in enabled if name not in taken]
        return LinksPage(views, available, not customer.password_hash and len(linked) <= 1)

    def unlink(self, provider_name: str) -> None:
        customer = self._shopper()
        linked = self.identities.for_customer(customer.id)
        identity = next((i for i in linked if i.provider == provider_name), None)
        if identity is None:
            raise NotFound(f"no {provider_name} link")
        if not customer.password_hash and len(linked) <= 1:
            raise Invalid({"provider": _("Set a password first: without it or another linked "
                                         "account you could not sign in any more.")})
        self.identities.delete(identity)
        self.uow._audit.record("oauth.identity.unlink", "customer", customer.id,
                              before={"provider": provider_name, "subject": identity.subject})

    # -- the steps of ``callback.finish``: before and after the provider's answer ----------

    def _take_attempt(self, provider_name: str, state: str | None,
                      browser_token: str | None) -> TakenAttempt:
        """Use up the attempt ``state`` names, if it is this browser's, for this provider and
        still fresh; OAuthFailed otherwise. The caller commits at once: a state works once,
        whatever happens next."""
        if not state or not browser_token or len(state) > 200:
            raise OAuthFailed(RETRY, "callback without state or binding cookie")
        attempt = self.attempts.take(sha256_hex(state))
        if (attempt is None or attempt.provider != provider_name
                or attempt.browser_hash != sha256_hex(browser_token)
                or attempt.expires_at <= self.uow.clock.now()):
            raise OAuthFailed(RETRY, "unknown, expired, foreign or replayed state")
        return TakenAttempt(attempt.provider, attempt.purpose, attempt.customer_id,
                            attempt.redirect_uri, attempt.code_verifier, attempt.nonce)

    def _complete(self, attempt: TakenAttempt, identity: ProviderIdentity, *,
                  session_token: str | None, user_agent: str | None) -> OAuthOutcome:
        """Log in, sign up or link with the identity the provider confirmed for ``attempt``."""
        choice = self._choice(attempt.provider)
        if attempt.purpose == LINK:
            self._link(choice, identity, attempt.customer_id)
            return OAuthOutcome(LINKED, choice)
        return self._login(choice, identity, session_token, user_agent)

    def _link(self, choice: ProviderChoice, identity: ProviderIdentity,
              customer_id: int | None) -> None:
        actor = self.uow.actor
        if actor.kind != "shopper" or actor.id is None or actor.id != customer_id:
            raise OAuthFailed(_("Sign in again, then link the account."),
                              "link finished by another actor than the one who began it")
        existing = self.identities.find(choice.name, identity.subject)
        if existing is not None:
            if existing.customer_id != customer_id:
                raise OAuthFailed(_("This ${provider} account is already linked to another "
                                    "account of this shop.", mapping={"provider": choice.label}),
                                  "subject linked elsewhere")
            return
        if any(i.provider == choice.name for i in self.identities.for_customer(customer_id)):
            raise OAuthFailed(_("Your account is linked to another ${provider} account; unlink "
                                "it first.", mapping={"provider": choice.label}),
                              "a different subject of this provider is linked")
        self._add_identity(choice.name, identity, customer_id)

    def _login(self, choice: ProviderChoice, identity: ProviderIdentity,
               session_token: str | None, user_agent: str | None) -> OAuthOutcome:
        created = False
        linked = self.identities.find(choice.name, identity.subject)
        if linked is not None:
            customer = self.customers.get(linked.customer_id)
        else:
            email = _usable_email(identity)
            if email is not None and self.customers.by_email(email) is not None:
                return OAuthOutcome(EMAIL_TAKEN, choice, email=email)
            customer = self._new_customer(choice, identity, email)
            created = True
        if customer is None or not customer.is_active:
            raise OAuthFailed(_("This account is closed. Please contact customer service."),
                              "linked account missing or inactive")
        # A new session at every login (no fixation): the browser's earlier token ends.
        grant = LoginSessions(self.uow).begin("customer", customer.id, user_agent=user_agent,
                                              replacing=session_token)
        return OAuthOutcome(LOGGED_IN, choice, grant=grant, created=created)

    def _new_customer(self, choice: ProviderChoice, identity: ProviderIdentity,
                      email: str | None) -> Customer:
        accounts = CustomerAccounts(self.uow)
        customer = accounts.new_customer(email=email, name=(identity.name or "")[:60])
        if email is not None:
            customer.email_verified_at = self.uow.clock.now()  # the provider verified it
        self._add_identity(choice.name, identity, customer.id)
        accounts.registered(customer)
        return customer

    def _add_identity(self, provider_name: str, identity: ProviderIdentity,
                      customer_id: int) -> None:
        self.identities.add(OAuthIdentity(
            provider=provider_name, subject=identity.subject[:255], customer_id=customer_id,
            email=(identity.email or "")[:254] or None,
            display_name=(identity.name or "")[:60] or None))
        self.uow._audit.record("oauth.identity.link", "customer", customer_id,
                              after={"provider": provider_name, "subject": identity.subject})

    # -- helpers ---------------------------------------------------------------------------

    def _provider(self, name: str) -> Provider:
        return enabled_provider(self.uow.shop, name, self.http)

    def _choice(self, name: str) -> ProviderChoice:
        try:
            return ProviderChoice(name, self._provider(name).label)
        except NotFound:
            return ProviderChoice(name, name)  # linked once, since disabled: still unlinkable

    def _shopper_id(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("linking belongs to a signed-in shopper")
        return actor.id

    def _shopper(self) -> Customer:
        customer = self.customers.get(self._shopper_id())
        if customer is None:
            raise Forbidden("linking belongs to a signed-in shopper")
        return customer


def enabled_provider(shop: Shop, name: str, http: HttpClient) -> Provider:
    """The provider ``name`` as the settings configure it; NotFound when it is not enabled."""
    config = provider_configs(shop.settings).get(name)
    if config is None:
        raise NotFound(f"no enabled OAuth provider {name!r}")
    return provider_for(config, http, shop.clock)


def _usable_email(identity: ProviderIdentity) -> str | None:
    """The provider's email, lower-cased, when the provider verified it; else None."""
    email = (identity.email or "").strip().lower()
    if not identity.email_verified or not email or len(email) > 254 or "@" not in email:
        return None
    return email
