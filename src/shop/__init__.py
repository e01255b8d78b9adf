"""The shop: a three-tier B2C e-commerce platform (presentation → application → data)."""
