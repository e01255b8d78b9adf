"""Storing uploaded images: checked by what they are, not by what they say they are.

An upload's type is read from its first bytes (JPEG, PNG, WebP), never from its file name or
the browser's content type, so a script renamed ``photo.jpg`` is refused. Each file is written
under a random name (``secrets``) in ``shop.media.directory`` — never under the name it came
with — so one upload cannot overwrite another or climb out of the directory, and names do not
reveal each other. ``shop.media.max_bytes`` bounds a file (5 MiB by default).

Files are written when the service accepts them, inside the unit of work: a transaction that
aborts afterwards leaves an orphan file (never a row pointing at a missing one).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _

DEFAULT_DIRECTORY = "var/media"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: What a stored name looks like: 32 hex digits and a known extension.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png|webp)")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
CONTENT_TYPES = {extension: kind for kind, extension in EXTENSIONS.items()}


def sniff_image(head: bytes) -> str | None:
    """The image type the bytes start with, or None when they are none of the accepted ones."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class StoredFile:
    name: str
    content_type: str
    size: int


class MediaStore:
    def __init__(self, directory: str | os.PathLike[str],
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> MediaStore:
        return cls(settings.get("shop.media.directory") or DEFAULT_DIRECTORY,
                   int(settings.get("shop.media.max_bytes") or DEFAULT_MAX_BYTES))

    def save_image(self, data: bytes, field: str = "photos") -> StoredFile:
        """Keep ``data`` if it is a JPEG, PNG or WebP image within the size limit; ``Invalid``
        naming ``field`` otherwise."""
        if not data:
            raise Invalid({field: _("The file is empty")})
        if len(data) > self.max_bytes:
            raise Invalid({field: _("A photo may be at most ${size} MB",
                                    mapping={"size": self.max_bytes // (1024 * 1024) or 1})})
        content_type = sniff_image(data[:16])
        if content_type is None:
            raise Invalid({field: _("Upload a JPEG, PNG or WebP image")})
        name = f"{secrets.token_hex(16)}.{EXTENSIONS[content_type]}"
        self.directory.mkdir(parents=True, exist_ok=True)
        # "x": never replace a file, even on the astronomically unlikely repeat of a name.
        with open(self.directory / name, "xb") as out:
            out.write(data)
        return StoredFile(name, content_type, len(data))

    def path(self, name: str) -> Path:
        """Where a stored file is; ``NotFound`` for a name this store never made."""
        if not isinstance(name, str) or not STORED_NAME.fullmatch(name):
            raise NotFound("no such file")
        found = self.directory / name
        if not found.is_file():
            raise NotFound("no such file")
        return found
