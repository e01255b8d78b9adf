"""Storefront visitors per day (访客数), counted cheaply: see ``tally`` and ``service``."""
