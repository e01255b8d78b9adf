"""Promotions: which offers apply to a cart, how they combine, and what each one saves."""
