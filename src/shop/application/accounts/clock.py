"""The accounts' "now", in one place so that tests can move time (code expiry, lockouts).

Services call ``clock.now()`` through the module, never a copy of the function, so
``monkeypatch.setattr(clock, "now", ...)`` reaches all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
