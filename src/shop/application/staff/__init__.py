"""Staff accounts, roles and staff login (系统设置 · 权限设置)."""
