"""Logging in with another site's account (QQ, WeChat, Weibo, an OpenID Connect provider).

``OAuthIdentity`` links a provider's subject to a shop account. ``OAuthAttempt`` keeps a login
that was started and not yet finished: the ``state`` (hashed), the PKCE verifier and the nonce
stay server-side, and the browser that started it holds only a random binding token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class OAuthIdentity(Base):
    __tablename__ = "oauth_identity"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_oauth_identity_provider_subject"),
        # One account of each provider per shop account: linking another replaces nothing.
        UniqueConstraint("customer_id", "provider", name="uq_oauth_identity_customer_provider"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The configured provider name ("wechat", "qq", "weibo", "oidc" …).
    provider: Mapped[str] = mapped_column(String(20))
    #: The provider's stable id for the person (OIDC ``sub``, WeChat/QQ ``openid``, Weibo uid).
    subject: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    #: The email the provider reported when the link was made, for customer service.
    email: Mapped[str | None] = mapped_column(String(254))
    #: The name the provider showed, so the shopper recognizes the link on the account page.
    display_name: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = stamped()


class OAuthAttempt(Base):
    __tablename__ = "oauth_attempt"

    #: SHA-256 of the ``state`` sent to the provider.
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: SHA-256 of the token in the starting browser's cookie: a callback from elsewhere fails.
    browser_hash: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(20))
    #: "login", or "link" for a signed-in shopper adding a provider to ``customer_id``.
    purpose: Mapped[str] = mapped_column(String(10))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"))
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = stamped()
    expires_at: Mapped[datetime] = mapped_column(index=True)
