"""Money arithmetic inside SQL statements.

SQLite keeps a NUMERIC column as a binary float, so there 5.05 + 561.56 is 566.6099999999999:
less than 566.61, and a conditional update that must not overdraw would refuse to take 566.61
from it. Every sum a statement compares or stores is rounded to the fen first (PostgreSQL's
numeric is exact, and rounding it changes nothing).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func


def to_fen(expression: Any) -> Any:
    """``expression`` (money) rounded to the fen, in SQL."""
    return func.round(expression, 2)
