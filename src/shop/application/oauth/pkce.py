"""Random values of one login round trip, and the PKCE challenge (RFC 7636, method S256)."""

from __future__ import annotations

import base64
import hashlib
import secrets


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_verifier() -> str:
    """86 characters from the unreserved set: within RFC 7636's 43 to 128."""
    return secrets.token_urlsafe(64)


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
