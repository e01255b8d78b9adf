"""Where product images live, and what an upload must be to become one.

    shop.media.directory = %(here)s/var/media   # product images in its products/ folder
    shop.media.max_bytes = 5242880              # 5 MiB (default), as for after-sales photos

The rules are the media store's (``shop.application.media.store``): an upload is accepted by
what its first bytes say it is (JPEG, PNG or WebP), never by its name or the type the browser
claimed, and only up to the size limit (read no further than that); it is stored under a
random name with the extension of its real type. Product images go in their own folder,
``products/`` of the media directory, the only one the web tier serves to everyone (at
``/media/products/``): after-sales photos beside it stay private.

A product image's file is written only after everything was checked, and deleted again if
its transaction aborts; a file whose image was removed is deleted after the removal commits.
No file is left behind by a refusal.
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
from shop.application.media.store import EXTENSIONS, sniff_image
from shop.application.media.store import MediaStore as _Store

log = logging.getLogger(__name__)

#: The path product images are served under (the web tier's static view) and their folder.
URL_PREFIX = "/media/products"
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
    kind = sniff_image(head)
    return EXTENSIONS[kind] if kind else None


@dataclass(frozen=True)
class MediaStore:
    """Product images: ``directory`` is the media directory's ``products/`` folder."""

    directory: Path
    max_image_bytes: int

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> MediaStore:
        try:
            store = _Store.from_settings(settings)
        except (TypeError, ValueError):
            store = None
        if store is None or store.max_bytes < 1:
            raise Invalid({"shop.media.max_bytes": "a positive number of bytes, not "
                                                   f"{settings.get('shop.media.max_bytes')!r}"})
        return cls(Path(store.directory).resolve() / SUBDIRECTORY, store.max_bytes)

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
        folder = self.directory
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
        return folder / name, f"{URL_PREFIX}/{name}"

    def file_of(self, url: str) -> Path | None:
        """The stored file behind an image URL this store made, or None for any other URL
        (an imported image elsewhere)."""
        name = url.removeprefix(f"{URL_PREFIX}/")
        if not url.startswith(f"{URL_PREFIX}/") or "/" in name or name.startswith("."):
            return None
        return self.directory / name


def remove_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:  # a file left over is harmless; a failed request over it is not
        log.warning("could not delete %s", path, exc_info=True)
