"""Fee rules as staff type them: one rule per line, so a form needs no JavaScript.

    # region   first g   first fee   additional g   additional fee
    *          1000      12.00       1000           2.00
    650000     1000      20.00       1000           8.00    # 新疆

Values are separated by spaces or commas; ``#`` starts a comment. Each line becomes the mapping
``ShippingMethodSchema`` checks, and each complaint the schema makes comes back naming its line,
so that staff find the mistake in a long list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.shipping.read_models import FeeRuleView
from shop.application.shipping.schemas import DUPLICATE_REGION, MAX_RULES
from shop.data.models.shipping import EVERYWHERE_ELSE

FIELD = "rules_text"
COLUMNS = ("region", "first_weight_grams", "first_fee", "additional_weight_grams",
           "additional_fee")
#: More than MAX_RULES lines of rules with their comments: a longer text is no list of rules.
MAX_TEXT = 100 * MAX_RULES
_SEPARATORS = re.compile(r"[\s,，]+")

_SHAPE = _("Line ${line}: write five values: region, first weight in grams, first fee, "
           "additional weight in grams, additional fee")
_COLUMN_MESSAGES = {
    "region": _("Line ${line}: the region is a province code such as 650000, "
                "or * for everywhere else"),
    "first_weight_grams": _("Line ${line}: the first weight is a whole number of grams "
                            "from 1 to 100000000"),
    "first_fee": _("Line ${line}: the first fee is an amount from 0 to 9999.99, such as 12.00"),
    "additional_weight_grams": _("Line ${line}: the additional weight is a whole number of "
                                 "grams from 1 to 100000000"),
    "additional_fee": _("Line ${line}: the additional fee is an amount from 0 to 9999.99, "
                        "such as 2.00"),
}
_DUPLICATE = _("Line ${line}: another line already sets the fee for this region")


def parse(text: object) -> tuple[list[dict[str, str]], list[int]]:
    """The rules the text holds, and the line number of each."""
    if not isinstance(text, str):
        raise Invalid({FIELD: _("Write one fee rule per line")})
    if len(text) > MAX_TEXT:
        raise Invalid({FIELD: _("At most ${max} fee rules", mapping={"max": MAX_RULES})})
    rules, numbers = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        values = [v for v in _SEPARATORS.split(line.split("#", 1)[0]) if v]
        if not values:
            continue
        if len(values) != len(COLUMNS):
            raise Invalid({FIELD: _SHAPE % {"line": number}})
        rules.append(dict(zip(COLUMNS, values, strict=True)))
        numbers.append(number)
    return rules, numbers


def line_errors(errors: Mapping[str, Any], numbers: Sequence[int]) -> dict[str, Any]:
    """The schema's complaints about ``rules.N.column`` as one message naming N's line."""
    found: dict[str, Any] = {}
    for path, message in errors.items():
        parts = path.split(".")
        if parts[0] != "rules":
            found[path] = message
        elif len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(numbers):
            template = _DUPLICATE if message == DUPLICATE_REGION else _COLUMN_MESSAGES[parts[2]]
            found.setdefault(FIELD, template % {"line": numbers[int(parts[1])]})
        else:
            found.setdefault(FIELD, message)
    return found


def format_rules(rules: Sequence[FeeRuleView]) -> str:
    """The rules as the form shows them, each province named in a comment (the default rule's
    ``*`` is explained by the form)."""
    return "\n".join(
        f"{rule.region} {rule.first_weight_grams} {rule.first_fee} "
        f"{rule.additional_weight_grams} {rule.additional_fee}"
        + (f"  # {rule.region_name}" if rule.region != EVERYWHERE_ELSE else "")
        for rule in rules)
