"""Domain events: what happened, recorded with the change; handlers in other domains react
after commit, from the outbox (``dispatch.py``), each at most once per event."""
