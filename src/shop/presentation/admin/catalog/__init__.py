"""The catalog's back office (商品管理): products and their SKUs, categories, brands,
attributes and their values.

Every form here is a ``SchemaForm`` around the application's own schema: the page validates
with the same rules a script or a CSV import meets, and the application checks them again.
Reading needs ``catalog:product:view``; every page or button that changes something needs
``catalog:product:write`` (and the application checks it again).
"""

from __future__ import annotations

from pyramid.config import Configurator

from shop.application import Permission
from shop.presentation.i18n import _

VIEW = Permission.CATALOG_VIEW
WRITE = Permission.CATALOG_WRITE


def includeme(config: Configurator) -> None:
    config.add_translation_dirs("deform:locale")
    config.include(".categories")
    config.include(".brands")
    config.include(".attributes")
    config.include(".products")
    config.include(".product_import")
    config.add_admin_area("admin_catalog_products", _("Products"), VIEW, order=90,
                          module="catalog")
    config.add_admin_area("admin_catalog_categories", _("Categories"), VIEW, order=100)
    config.add_admin_area("admin_catalog_brands", _("Brands"), VIEW, order=110)
    config.add_admin_area("admin_catalog_attributes", _("Attributes"), VIEW, order=120)
