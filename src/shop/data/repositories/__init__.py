"""Queries per aggregate: the only place that builds SQL expressions."""
