"""Choosing and naming regions: what the address form's selects and the JSON endpoint show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shop.application.errors import NotFound
from shop.application.regions.table import PROVINCE, Region, region_table

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@dataclass(frozen=True)
class RegionChoices:
    """The options of the three selects for a partly made choice."""

    provinces: list[RegionName]
    cities: list[RegionName]
    districts: list[RegionName]


@dataclass(frozen=True)
class RegionName:
    """One option of a select: the code and its name in the visitor's language."""

    code: str
    name: str


class RegionService:
    """Reads only the in-memory table: no SQL, no permission needed (the table is public)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.table = region_table()

    def provinces(self) -> list[RegionName]:
        return self._names(self.table.children.get(None, ()))

    def children(self, code: str) -> list[RegionName]:
        """The cities of a province or the districts of a city; NotFound for an unknown code."""
        self.lookup(code)
        return self._names(self.table.children.get(code, ()))

    def choices(self, province: str | None, city: str | None) -> RegionChoices:
        """Cities of ``province`` and districts of ``city`` when it lies in it; else empty.

        The address form without JavaScript is filled in steps: each step posts the choice so far
        and the page comes back with the next select's options.
        """
        table = self.table
        chosen_province = table.get(province)
        is_province = chosen_province is not None and chosen_province.level == PROVINCE
        cities = table.children.get(province, ()) if is_province else ()
        chosen_city = table.get(city)
        in_province = is_province and chosen_city is not None and chosen_city.parent == province
        districts = table.children.get(city, ()) if in_province else ()
        return RegionChoices(self.provinces(), self._names(cities), self._names(districts))

    def lookup(self, code: str) -> Region:
        region = self.table.get(code)
        if region is None:
            raise NotFound(f"no region {code!r}")
        return region

    def _names(self, regions: tuple[Region, ...]) -> list[RegionName]:
        return [RegionName(r.code, r.name(self.uow.locale)) for r in regions]
