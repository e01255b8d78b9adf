"""The audit log (操作记录): every staff and system write through the application tier."""
