"""Inventory owns stock: levels per SKU and warehouse, reservations, and the movement log."""
