"""Finishing a login with a provider without holding a database transaction open meanwhile.

The callback asks the provider's servers who the person is: a token exchange, then the userinfo
or the signing keys, each allowed ten seconds. A transaction open over those calls would hold
SQLite's single write lock (every writer in the shop would wait, then fail with "database is
locked") or a pooled PostgreSQL connection. So ``finish`` runs as the jobs do:

1. Take: one short transaction uses up the attempt the callback's state names, and commits. A
   state works once even when what follows fails (the provider refuses, the shop crashes).
2. Ask the provider, with no transaction open.
3. Record: a second short transaction logs the person in, signs them up or links the provider.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

import transaction as transaction_package

from shop.application.i18n import _
from shop.application.oauth.errors import OAuthFailed
from shop.application.oauth.http import HttpClient, ProviderError
from shop.application.oauth.providers import Provider, ProviderIdentity
from shop.application.oauth.service import OAuthOutcome, TakenAttempt, enabled_provider

if TYPE_CHECKING:
    from shop.application import Shop, UnitOfWork


def finish(shop: Shop, provider_name: str, params: Mapping[str, str], *,
           browser_token: str | None, session_token: str | None = None,
           user_agent: str | None = None, client_ip: str | None = None,
           locale: str | None = None) -> OAuthOutcome:
    """Handle the provider's callback for the visitor behind ``session_token`` (the actor who
    links, and the login session a new login replaces); OAuthFailed with a message for the
    shopper if it cannot finish, NotFound for a provider that is not enabled.

    Call it with no transaction of the caller's open: it commits its own.
    """
    provider = enabled_provider(shop, provider_name, HttpClient())
    with _work(shop, client_ip=client_ip, locale=locale) as tx:
        attempt = tx.oauth._take_attempt(provider_name, params.get("state"), browser_token)
    code = params.get("code")
    if params.get("error") or not code:
        raise OAuthFailed(_("${provider} did not sign you in: it was cancelled or refused.",
                            mapping={"provider": provider.label}),
                          f"{provider_name} callback: {params.get('error')!r}")
    identity = _identity(provider, attempt, code)
    with _work(shop, session_token=session_token, client_ip=client_ip, locale=locale) as tx:
        return tx.oauth._complete(attempt, identity, session_token=session_token,
                                  user_agent=user_agent)


def _identity(provider: Provider, attempt: TakenAttempt, code: str) -> ProviderIdentity:
    try:
        return provider.identity(code=code, redirect_uri=attempt.redirect_uri,
                                 code_verifier=attempt.code_verifier, nonce=attempt.nonce)
    except ProviderError as exc:
        raise OAuthFailed(_("${provider} could not confirm who you are. Please try again.",
                            mapping={"provider": provider.label}), str(exc)) from exc


@contextmanager
def _work(shop: Shop, *, session_token: str | None = None, client_ip: str | None = None,
          locale: str | None = None) -> Iterator[UnitOfWork]:
    """One short writing transaction for the visitor (found from ``session_token``): commits
    when the block ends, aborts if it raises."""
    manager = transaction_package.TransactionManager(explicit=True)
    with manager:
        yield shop.bind(manager, session_token=session_token, client_ip=client_ip,
                        locale=locale)
