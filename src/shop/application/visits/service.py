"""``uow.visits``: whether a storefront page view is a new visitor of the day, and adding the
process's counts to the database (see ``tally`` for why counting works this way).

A visitor is their visitor cookie: a random token and the day (in the shop's time zone) it was
last counted, ``<token>.<yyyymmdd>``. A view whose cookie names today costs nothing; any other
is counted once and handed a cookie naming today. A browser without the cookie is known, until
it keeps one, by a digest of what the caller says identifies it (its address and user agent).
Nothing about a visitor is stored: only the number per day.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import date
from typing import TYPE_CHECKING

from shop.application.actors import system_actor
from shop.data.repositories.visits import VisitRepository

if TYPE_CHECKING:
    from shop.application import Shop, UnitOfWork

log = logging.getLogger(__name__)
DAY_FORMAT = "%Y%m%d"
#: What the shop's own tokens look like; anything else in the cookie is not a visitor of ours.
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


class VisitService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def today(self) -> date:
        return self.uow.clock.now().astimezone(self.uow.settings.current().zone).date()

    def note(self, cookie: str | None, *, browser: str) -> str | None:
        """Count this page view's visitor if it is their first of the day: the cookie value to
        hand back, or None when the cookie already names today (nothing to do)."""
        today = self.today()
        token, _sep, day = (cookie or "").partition(".")
        if token and day == today.strftime(DAY_FORMAT):
            return None
        known = token if TOKEN.fullmatch(token) else None
        key = _digest(f"token:{known}" if known else f"browser:{browser}")
        self.uow.shop.visit_tally.note(key, today)
        return f"{known or secrets.token_urlsafe(16)}.{today.strftime(DAY_FORMAT)}"

    def pending(self, day: date) -> int:
        """Visitors of ``day`` this process counted and has not yet added to the database."""
        return self.uow.shop.visit_tally.pending(day)


def flush_visits(shop: Shop, *, force: bool = False) -> int:
    """Add the process's counted visitors to ``visit_day`` when due (or ``force``), in a
    transaction of its own; how many were added. A failure puts the counts back for the next
    try: a page was already sent, and counting is never worth an error."""
    tally = shop.visit_tally
    now = shop.clock.now()
    if not (force or tally.due(now)):
        return 0
    counts = tally.take(now)
    if not counts:
        return 0
    try:
        with shop.transaction(actor=system_actor("visits")) as tx:
            VisitRepository(tx._session).add_visitors(counts)
    except Exception:
        log.exception("visitor counts could not be added; keeping them for the next try")
        tally.give_back(counts)
        return 0
    return sum(counts.values())
