"""Logging in with another site's account: OpenID Connect, WeChat, QQ and Weibo (open-id登陆)."""
