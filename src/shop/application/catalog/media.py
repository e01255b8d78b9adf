"""Where product images live, and what an upload must be to become one.

    shop.media.directory = %(here)s/var/media   # served at /media/ (default: ./var/media)
    shop.media.max_image_bytes = 5242880        # 5 MiB (default)

An upload is accepted by what its first bytes say it is (JPEG, PNG or WebP), never by its
name or the type the browser claimed, and only up to the size limit (read no further than
that). It is stored under a random name with the extension of its real type, so a file name
never comes from outside, and its file is written only after everything was checked. A file
written in a transaction that then aborts is deleted again; a file whose image was removed is
deleted after the removal commits. No file is left behind by a refusal.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from shop.application.errors import Invalid
from shop.application.i18n import _

log = logging.getLogger(__name__)

DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: The path images are served under (the web tier's static view has this name).
URL_PREFIX = "/media"
SUBDIRECTORY = "products"


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the web tier (or a script) hands it over: its content as a binary
    stream; its name is kept for nothing but messages."""

    stream: BinaryIO
    filename: str = ""


def image_kind(head: bytes) -> str | None:
    """The extension for what ``head`` (a file's first bytes) is: "jpg", "png", "webp" or
    None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(frozen=True)
class MediaStore:
    directory: Path
    max_image_bytes: int

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> MediaStore:
        directory = Path(str(settings.get("shop.media.directory") or Path("var") / "media"))
        raw = settings.get("shop.media.max_image_bytes", DEFAULT_MAX_IMAGE_BYTES)
        try:
            limit = int(raw)
        except (TypeError, ValueError):
            limit = 0
        if limit < 1:
            raise Invalid({"shop.media.max_image_bytes":
                           f"a positive number of bytes, not {raw!r}"})
        return cls(directory.resolve(), limit)

    def checked_image(self, upload: Upload | None, field: str = "image") -> tuple[bytes, str]:
        """The upload's content and extension; ``Invalid`` at ``field`` when it is missing,
        empty, too large or not a JPEG, PNG or WebP image."""
        if upload is None:
            raise Invalid({field: _("Choose an image file")})
        content = upload.stream.read(self.max_image_bytes + 1)
        if not content:
            raise Invalid({field: _("Choose an image file")})
        if len(content) > self.max_image_bytes:
            raise Invalid({field: _("The image is larger than ${size} MB", mapping={
                "size": f"{self.max_image_bytes / (1024 * 1024):g}"})})
        kind = image_kind(content[:16])
        if kind is None:
            raise Invalid({field: _("Only JPEG, PNG and WebP images are accepted")})
        return content, kind

    def write(self, content: bytes, kind: str) -> tuple[Path, str]:
        """Store ``content`` under a new random name; (its file, its URL). Written whole or
        not at all: to a temporary file first, then renamed."""
        folder = self.directory / SUBDIRECTORY
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(16)}.{kind}"
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.chmod(temporary, 0o644)
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return folder / name, f"{URL_PREFIX}/{SUBDIRECTORY}/{name}"

    def file_of(self, url: str) -> Path | None:
        """The stored file behind an image URL this store made, or None for any other URL
        (an imported image elsewhere)."""
        prefix = f"{URL_PREFIX}/{SUBDIRECTORY}/"
        name = url.removeprefix(prefix)
        if not url.startswith(prefix) or "/" in name or name.startswith("."):
            return None
        return self.directory / SUBDIRECTORY / name


def remove_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:  # a file left over is harmless; a failed request over it is not
        log.warning("could not delete %s", path, exc_info=True)
