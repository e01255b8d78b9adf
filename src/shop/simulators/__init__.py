"""Local stand-ins for the outside services the shop pays through (Alipay, WeChat Pay, UnionPay).

Each simulator is a WSGI application that speaks its gateway's protocol with keys of its own:
it signs with its own code, never through the shop's adapters (an import-linter contract keeps
``shop.simulators`` away from ``shop.application.payments``), so a test that an adapter
verifies a simulator's signature proves the adapter speaks the protocol. ``make run`` mounts
them under ``/_simulators/`` so a fresh clone can pay with no account anywhere.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey


def rsa_private_key(path: Path) -> RSAPrivateKey:
    """The RSA-2048 key kept at ``path`` (PKCS#8 PEM), made on first use.

    Written to a temporary file and renamed, so a process starting beside another never reads
    half a key; each reads the file back, so both use whichever key landed.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        if not path.exists():
            os.replace(temporary, path)
        else:
            os.unlink(temporary)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return loaded


def public_pem(key: RSAPrivateKey) -> bytes:
    """The public half of ``key`` as SubjectPublicKeyInfo PEM."""
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def write_once(path: Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` unless it already holds it (a public key beside its
    private key, for the shop's settings to point at)."""
    if not path.exists() or path.read_bytes() != content:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pub-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    return path
