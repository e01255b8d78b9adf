"""Text files people upload (CSV saved by Excel, WPS or a script), read one way everywhere."""

from __future__ import annotations


def decode_text_file(content: bytes) -> str | None:
    """The file's text: UTF-8 (a byte-order mark dropped), else GB18030 (what Excel on a
    Chinese Windows saves as "CSV"); None for what is no text file (UTF-16, an old .xls, an
    image: NUL bytes, or bytes neither encoding reads)."""
    if b"\x00" in content[:8192]:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    return None
