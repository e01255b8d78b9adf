"""The product import's file format (批量导入商品): reading a CSV or XLSX file into rows.

One row per SKU, under a header row naming the columns (any order; names as in ``COLUMNS``).
The rows of one product share its ``product_slug``; its product columns are read from its first
row and may be left empty on its other rows (when given there, they must say the same)::

    product_slug,name_zh,name_en,category,brand,description,is_published,product_values,
    sku_code,price,list_price,stock_on_hand,weight_grams,barcode,sku_values
    linen-shirt,亚麻衬衫,Linen shirt,shirts,acme,<p>Cool</p>,true,fit:slim,LS-RED-M,199.00,
    259.00,40,300,6901234567892,color:red|size:m

A file is recognised by its first bytes, never by its name: an XLSX workbook (a zip; its first
sheet is read, with openpyxl's read-only reader, so a large sheet is streamed) or text, read as
CSV (comma-separated, or tab-separated when the header has tabs and no commas), in UTF-8 with or
without a byte-order mark, or else in GB18030 (what Excel on a Chinese Windows saves as "CSV").
Anything else is refused before a row is read, as is a file over the size limit or a header
that lacks a required column or names an unknown one.

A row's "line" is where a person finds it: the spreadsheet's row number, the header being 1
(in a CSV file with line breaks inside quoted cells, the line the row starts on).
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.text_files import decode_text_file

#: The columns, in the template's order; a product's columns, then its SKU's.
PRODUCT_COLUMNS = ("product_slug", "name_zh", "name_en", "category", "brand", "description",
                   "is_published", "product_values")
SKU_COLUMNS = ("sku_code", "price", "list_price", "stock_on_hand", "weight_grams", "barcode",
               "sku_values")
COLUMNS = PRODUCT_COLUMNS + SKU_COLUMNS
REQUIRED = ("product_slug", "name_zh", "category", "sku_code", "price")
#: The largest file the web form takes (the admin's upload body limit is 5 MiB and a little).
MAX_BYTES = 5 * 1024 * 1024
#: Data rows in one file at most: what one transaction writes stays bounded.
MAX_ROWS = 50_000
#: Lines read at most, blank ones included (a small XLSX can declare a million empty rows).
MAX_LINES = 2 * MAX_ROWS
#: Columns of a spreadsheet row read at most: the rest is ignored.
MAX_COLUMNS = 64
#: What an XLSX file's parts may unpack to in all (20 × ``MAX_BYTES``: 100 MB). A workbook's
#: XML packs about 5 to 20 to 1, so a real workbook under the size limit unpacks to far less;
#: checked before openpyxl reads it, which holds the shared strings in memory.
MAX_UNPACKED = 20 * MAX_BYTES
#: The tightest packing (unpacked / packed) a part above ``RATIO_FLOOR`` bytes may have: real
#: sheets pack below 100 to 1, a run of zeros about 1,000 to 1.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
#: Values in a list cell ("color:red|size:m") are separated by this.
LIST_SEPARATOR = "|"
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否", "f"})
_ZIP = b"PK\x03\x04"

TEMPLATE_ROWS = (
    COLUMNS,
    ("linen-shirt", "亚麻衬衫", "Linen shirt", "shirts", "acme", "<p>Cool linen.</p>", "true",
     "fit:slim", "LS-RED-M", "199.00", "259.00", "40", "300", "6901234567892",
     "color:red|size:m"),
    ("linen-shirt", "", "", "", "", "", "", "", "LS-RED-L", "199.00", "259.00", "25", "320",
     "", "color:red|size:l"),
)


@dataclass(frozen=True)
class SourceRow:
    """One data row: its line and its cells by column name, stripped; an empty cell is ""."""

    line: int
    cells: Mapping[str, str]


@dataclass(frozen=True)
class SourceFile:
    name: str
    #: "csv" or "xlsx".
    kind: str
    rows: tuple[SourceRow, ...]
    #: The columns the header names (a subset of ``COLUMNS``).
    columns: tuple[str, ...]


def template_csv() -> bytes:
    """The header row and an example product of two SKUs, as a UTF-8 CSV with a byte-order
    mark (so that Excel opens it as UTF-8)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(TEMPLATE_ROWS)
    return out.getvalue().encode("utf-8-sig")


def read_file(stream: BinaryIO, name: str, max_bytes: int = MAX_BYTES) -> SourceFile:
    """The file's rows; ``Invalid`` at ``file`` (naming the file) when it is empty, too large,
    neither CSV nor XLSX, or its header is wrong."""
    label = name or "file"
    content = stream.read(max_bytes + 1)
    if not content:
        raise Invalid({"file": _("${file} is empty", mapping={"file": label})})
    if len(content) > max_bytes:
        raise Invalid({"file": _("${file} is larger than ${size} MB: split it into several "
                                 "files", mapping={"file": label,
                                                   "size": f"{max_bytes / 1024 / 1024:g}"})})
    if content.startswith(_ZIP):
        kind, table = "xlsx", _xlsx_rows(content, label)
    else:
        kind, table = "csv", _csv_rows(_text(content, label))
    _line, header = next(table, (0, None))
    if header is None:
        raise Invalid({"file": _("${file} has no header row", mapping={"file": label})})
    columns = _columns(header, label)
    rows: list[SourceRow] = []
    for line, cells in table:
        if line > MAX_LINES:
            raise Invalid({"file": _("${file} has more than ${rows} rows: split it into several "
                                     "files", mapping={"file": label, "rows": MAX_ROWS})})
        if not any(cells):
            continue  # a blank line between products
        if len(rows) >= MAX_ROWS:
            raise Invalid({"file": _("${file} has more than ${rows} rows: split it into several "
                                     "files", mapping={"file": label, "rows": MAX_ROWS})})
        values = {column: (cells[i].strip() if i < len(cells) else "")
                  for i, column in enumerate(columns) if column}
        extra = [c for c in cells[len(columns):] if c.strip()]
        if extra:
            values["_extra"] = extra[0]
        rows.append(SourceRow(line, values))
    return SourceFile(name, kind, tuple(rows), tuple(c for c in columns if c))


def _text(content: bytes, label: str) -> str:
    """CSV text (``decode_text_file``); a binary file is refused, naming it."""
    text = decode_text_file(content)
    if text is None:
        raise Invalid({"file": _("${file} is neither a CSV nor an XLSX file (only CSV in UTF-8 "
                                 "or GB18030 and Excel XLSX workbooks are accepted)",
                                 mapping={"file": label})})
    return text


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise Invalid({"file": _("Line ${line} cannot be read as CSV: ${reason}",
                                 mapping={"line": start, "reason": str(exc)})}) from None


def _xlsx_rows(content: bytes, label: str) -> Iterator[tuple[int, list[str]]]:
    # openpyxl is imported here: only an XLSX upload pays for loading it.
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    not_xlsx = Invalid({"file": _("${file} is not an XLSX workbook Excel or WPS saved (an old "
                                  ".xls? save it as .xlsx or CSV)", mapping={"file": label})})
    _refuse_bombs(content, label, not_xlsx)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _UNREADABLE:
        raise not_xlsx from None
    line = 0
    try:
        # The first sheet with cells: a chart sheet (or a dialog sheet) before it is passed by.
        sheet = next((s for s in workbook.worksheets if hasattr(s, "iter_rows")), None)
        if sheet is None:
            raise Invalid({"file": _("${file} has no worksheet with rows, only charts: put the "
                                     "products on the first worksheet", mapping={"file": label})})
        try:
            rows = iter(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS))
            while True:
                values = next(rows, None)
                if values is None:
                    return
                line += 1
                cells = [_cell_text(v) for v in values]
                yield line, cells
        except _UNREADABLE:
            raise Invalid({"file": _("${file} cannot be read past row ${line} (a damaged "
                                     "workbook?): save it again as .xlsx or CSV",
                                     mapping={"file": label, "line": line})}) from None
    finally:
        workbook.close()


#: What reading a damaged or hostile workbook raises: zip and zlib errors, a missing or wrong
#: part (KeyError, ValueError, TypeError, AttributeError, IndexError), a bad XML document
#: (ElementTree's ``ParseError`` and lxml's ``XMLSyntaxError`` are ``SyntaxError``s;
#: defusedxml's refusals are ``ValueError``s), a truncated stream (EOFError, OSError).
_UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, KeyError, ValueError,
               TypeError, AttributeError, IndexError, SyntaxError, EOFError, OSError)


def _refuse_bombs(content: bytes, label: str, not_xlsx: Invalid) -> None:
    """Refuse a workbook that would unpack to more than ``MAX_UNPACKED`` bytes, or with a part
    packed more tightly than ``MAX_RATIO`` to 1, before openpyxl reads any of it: a 5 MB zip
    of zeros can claim gigabytes. Python's zipfile never unpacks a member past the size its
    directory entry declares (and fails the CRC check when the data runs on), so the declared
    sizes read here bound what reading the workbook can take."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except _UNREADABLE:
        raise not_xlsx from None
    size = f"{MAX_UNPACKED / 1024 / 1024:g}"
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise Invalid({"file": _("${file} would unpack to more than ${size} MB: split it into "
                                 "several files", mapping={"file": label, "size": size})})
    if any(m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1)
           for m in members):
        raise Invalid({"file": _("${file} is packed implausibly tightly (a zip bomb?): save it "
                                 "again as .xlsx or CSV", mapping={"file": label})})


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV cell would hold: 12.0 is "12", 19.9 "19.9"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(repr(value)))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _columns(header: list[str], label: str) -> list[str]:
    """The header's column names, in place; "" for a trailing empty header cell."""
    names = [cell.strip().lower().lstrip("\ufeff") for cell in header]
    while names and not names[-1]:
        names.pop()
    unknown = [n or "(empty)" for n in names if n not in COLUMNS]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    missing = [c for c in REQUIRED if c not in names]
    problems = []
    if unknown:
        problems.append(_("unknown columns: ${names}", mapping={"names": ", ".join(unknown)}))
    if repeated:
        problems.append(_("columns named twice: ${names}", mapping={"names": ", ".join(repeated)}))
    if missing:
        problems.append(_("missing columns: ${names}", mapping={"names": ", ".join(missing)}))
    if problems:
        raise Invalid({"file": _("The header row of ${file} is wrong (${problems}); the template "
                                 "shows the columns", mapping={
                                     "file": label,
                                     "problems": "; ".join(p.interpolate() for p in problems)})})
    return names


def flag(text: str) -> bool | None:
    """A yes/no cell: True, False, or None when it is neither."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def value_list(text: str) -> list[str]:
    """``"color:red | size:m"`` → ``["color:red", "size:m"]``."""
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
