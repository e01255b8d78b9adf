"""Choosing a variant: which SKU is selected, and where each attribute value leads from there."""

from __future__ import annotations

from collections.abc import Sequence

from shop.application.catalog.read_models import VariantAxis, VariantOption
from shop.application.locales import pick
from shop.data.repositories.catalog_records import SkuRecord, SkuValueRecord


def variant_axes(
    skus: Sequence[SkuRecord], value_rows: Sequence[SkuValueRecord], sku_code: str | None,
    locale: str,
) -> tuple[SkuRecord, tuple[VariantAxis, ...], dict[int, str]]:
    """(selected SKU, axes, label per SKU id).

    The selected SKU is the one asked for, else the first in stock, else the first. Each option of
    an axis links to the SKU that keeps the other axes as they are; where no such SKU exists, to
    the first SKU with that value. An option is available when its SKU has stock.
    """
    by_code = {s.code: s for s in skus}
    selected = by_code.get(sku_code or "") or next(
        (s for s in skus if s.available > 0), skus[0])
    axes: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    values_of: dict[int, dict[int, int]] = {s.id: {} for s in skus}
    names: dict[int, str] = {}
    for row in value_rows:
        label = pick(locale, row.attribute_name_zh, row.attribute_name_en)
        axis = axes.setdefault(row.attribute_id, (label, []))
        name = pick(locale, row.value_name_zh, row.value_name_en)
        if (row.value_id, name) not in axis[1]:
            axis[1].append((row.value_id, name))
        values_of[row.sku_id][row.attribute_id] = row.value_id
        names[row.value_id] = name
    chosen = values_of[selected.id]
    result = []
    for attribute_id, (label, options) in axes.items():
        rendered = []
        for value_id, name in options:
            wanted = {**chosen, attribute_id: value_id}
            target = next((s for s in skus if values_of[s.id] == wanted), None)
            exact = target is not None
            target = target or next(
                (s for s in skus if values_of[s.id].get(attribute_id) == value_id), None)
            rendered.append(VariantOption(
                name, target.code if target else None, chosen.get(attribute_id) == value_id,
                exact and target is not None and target.available > 0))
        result.append(VariantAxis(label, tuple(rendered)))
    labels = {s.id: " / ".join(names[v] for v in values_of[s.id].values()) for s in skus}
    return selected, tuple(result), labels
