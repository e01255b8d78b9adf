"""Shopper accounts (用户中心): registration, login, profile, recovery."""
