"""Points for registering (注册有礼) and for bringing a friend (推荐注册)."""
