"""Scopes as staff type them — category, brand and product slugs, SKU codes — turned into the
id lists that campaigns' and coupons' scope documents hold.

Both back-office forms take codes because nobody knows a product's database key; one place
looks them up (a query per kind of code, whatever the number of fields) and names the field of
a code that nothing has, so each form shows the message at the input it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.promotions.campaign_schemas import words
from shop.data.repositories.promotions import PromotionRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Each id list of a scope document, and the kind of code that names its entries.
ID_LISTS = {"category_ids": "category", "brand_ids": "brand", "product_ids": "product",
            "sku_ids": "sku", "excluded_product_ids": "product", "excluded_sku_ids": "sku"}
#: The lists that narrow a scope (the excluded ones only take away).
NARROWING = ("category_ids", "brand_ids", "product_ids", "sku_ids")
#: More codes in one field than any scope document holds: refused before any lookup, so a huge
#: paste never becomes a statement with more parameters than the database takes.
MAX_CODES = 2000


def scope_ids(uow: UnitOfWork, texts: Mapping[str, object],
              fields: Mapping[str, str]) -> dict[str, list[int]]:
    """``{"category_ids": [3, 5], …}`` for ``texts`` such as ``{"categories": "shirts,
    dresses"}``, where ``fields`` says which id list each field fills (``{"categories":
    "category_ids", …}``). ``Invalid`` at ``scope.<field>`` names the first unknown code."""
    typed = {field: words(text) if isinstance(text := texts.get(field), str) else []
             for field in fields}
    errors = {f"scope.{field}": _("At most ${max} codes", mapping={"max": MAX_CODES})
              for field, codes in typed.items() if len(codes) > MAX_CODES}
    if errors:
        raise Invalid(errors)
    wanted: dict[str, list[str]] = {}
    for field, id_list in fields.items():
        wanted.setdefault(ID_LISTS[id_list], []).extend(typed[field])
    reference, repo = uow.catalog.reference(), PromotionRepository(uow._session)
    known = {"category": {c.slug: c.id for c in reference.categories.values()},
             "brand": {b.slug: b.id for b in reference.brands.values()},
             "product": repo.product_ids(wanted.get("product", [])),
             "sku": repo.sku_ids(wanted.get("sku", []))}
    ids: dict[str, list[int]] = {}
    for field, id_list in fields.items():
        found = known[ID_LISTS[id_list]]
        unknown = [code for code in typed[field] if code not in found]
        if unknown:
            errors[f"scope.{field}"] = _("Unknown: ${code}", mapping={"code": unknown[0]})
        ids[id_list] = sorted(found[code] for code in typed[field] if code in found)
    if errors:
        raise Invalid(errors)
    return ids
