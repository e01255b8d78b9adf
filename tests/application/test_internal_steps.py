"""The steps use cases are made of are not offered by any unit of work.

Creating an account row takes any email it is given, asking whether an address is taken tells
who is registered, starting a session for a principal signs anyone in as anyone: each is a step
of a use case that checks something first, never a use case of its own.
"""

from __future__ import annotations


def test_an_anonymous_unit_of_work_offers_no_internal_step(shop):
    with shop.transaction() as tx:
        for name in ("new_customer", "address_taken", "start_session", "repo"):
            assert not hasattr(tx.accounts, name), name
        for name in ("view_of", "repo", "role_repo"):
            assert not hasattr(tx.staff, name), name
        for name in ("start", "rotate", "end_all", "repo"):
            assert not hasattr(tx.sessions, name), name
