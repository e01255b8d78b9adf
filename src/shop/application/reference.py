"""Reference data shared by a process's units of work: read once per change, not per page.

Every storefront page needs the category tree, the brands, the facet attributes and the base
settings; staff change them rarely. Each kind has a revision token in the database that every
write to it replaces in the same transaction. A unit of work reads all tokens in one statement
the first time it needs reference data, then takes the process's copy built under the same
token, or builds one and leaves it for the others. Several processes (or hosts) stay correct:
each compares tokens with the database on every unit of work.

Tokens are random, so a copy built inside a transaction that then rolled back is never taken
for committed data. The copies are immutable; a dict assignment is atomic under the GIL, so two
threads that build the same copy at once both get a correct one and the last one stays.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar, cast

from shop.data.repositories.reference import ReferenceRevisionRepository

T = TypeVar("T")


class ReferenceCache:
    """One per ``Shop``: kind → (token it was built under, the immutable copy)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, Any]] = {}

    def get(self, name: str, token: str) -> tuple[bool, Any]:
        entry = self._entries.get(name)
        if entry is not None and entry[0] == token:
            return True, entry[1]
        return False, None

    def put(self, name: str, token: str, value: Any) -> None:
        self._entries[name] = (token, value)


class ReferenceReader:
    """A unit of work's view of the reference data: consistent with its own transaction."""

    def __init__(self, cache: ReferenceCache, session: Any) -> None:
        self._cache = cache
        self._repo = ReferenceRevisionRepository(session)
        self._tokens: dict[str, str] | None = None
        self._read: dict[str, Any] = {}
        #: Kinds this unit of work wrote: the process copy is not its truth any more.
        self._changed: set[str] = set()

    def get(self, name: str, load: Callable[[], T]) -> T:
        """The copy of ``name`` current in this transaction; ``load`` reads it from the database."""
        if name in self._read:
            return self._read[name]  # type: ignore[no-any-return]
        if self._tokens is None:
            self._tokens = self._repo.tokens()
        token = None if name in self._changed else self._tokens.get(name)
        found, value = self._cache.get(name, token) if token else (False, None)
        if not found:
            value = load()
            if token:
                self._cache.put(name, token, value)
        self._read[name] = value
        return cast(T, value)

    def changed(self, name: str) -> None:
        """Every write to ``name`` calls this in its transaction; later reads here reload."""
        self._repo.replace(name, secrets.token_hex(16))
        self._changed.add(name)
        self._read.pop(name, None)
