"""Any back-office list as CSV or XLSX: one exporter for orders, customers, RMAs and the audit
log, so the guards below hold for all of them.

The caller says what the file is (a ``Table``: its filename stem, translated headings, which
columns are amounts or counts) and how to read its rows (``read(reading)``: an iterable of rows,
each a sequence of cells). The rows are read in a read-only unit of work of the exporter's own
(the request's transaction ends when the view returns, before a streamed body is sent), and the
caller's iterator reads them a batch at a time, so memory holds one batch however many match.

- CSV is streamed as it is written: UTF-8 with a byte-order mark so Excel reads Chinese text,
  in chunks of ``CHUNK_ROWS`` rows.
- XLSX is a zip, whose directory comes last: openpyxl's write-only mode writes each row to a
  temporary file as it comes (never a sheet in memory), then the finished file is sent from
  disk in chunks. Amounts and counts are numbers there (a spreadsheet adds them up), all else
  text.

Shoppers wrote some of what a list holds (names, addresses, remarks): a cell a spreadsheet
would take for a formula (it starts with = + - @ …) gets an apostrophe in front, and in XLSX
every text cell is written as a string, never a formula.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.response import Response

if TYPE_CHECKING:
    from shop.application import UnitOfWork

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Rows written to a CSV response at a time.
CHUNK_ROWS = 200
#: Bytes sent per chunk of a finished XLSX file.
FILE_CHUNK = 64 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Table:
    """What an exported file is: ``stem`` names it (``orders-20261202-153000.csv``) and its
    XLSX sheet; ``headings`` are translation strings; ``amounts`` and ``numbers`` are the
    indexes of the columns that are money (two decimals) and whole numbers."""

    stem: str
    headings: Sequence[Any]
    amounts: frozenset[int] = frozenset()
    numbers: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Reading:
    """What a row reader gets: the export's own read-only unit of work, a way to put an
    application label into words, and the shop's time zone."""

    tx: UnitOfWork
    translate: Callable[[Any], str]
    zone: tzinfo

    def text(self, value: object) -> str:
        """A label translated, anything else as it is (recorded data is never a message id)."""
        return str(self.translate(value)) if isinstance(value, TranslationString) \
            else str(value)

    def when(self, moment: datetime | None) -> str:
        """A moment in the shop's time zone, to the second; blank for none."""
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


#: Reads the rows: each a sequence of cells (text, ``Decimal`` amounts, ``int`` counts).
RowReader = Callable[[Reading], Iterable[Sequence[object]]]


def export_response(request: Request, fmt: str, table: Table, read: RowReader) -> Response:
    """The file in ``fmt`` (``csv`` or ``xlsx``), its body written while the rows are read."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    now = request.shop.clock.now().astimezone(request.shop.settings.current().zone)
    if fmt == "csv":
        response = Response(content_type="text/csv", charset="utf-8")
        response.app_iter = _csv_lines(request, table, read)
    else:
        response = Response(content_type=XLSX_TYPE)
        response.app_iter = _xlsx_chunks(request, table, read)
    response.content_disposition = (
        f'attachment; filename="{table.stem}-{now.strftime("%Y%m%d-%H%M%S")}.{fmt}"')
    return response


def _rows(request: Request, table: Table, read: RowReader) -> Iterator[list[object]]:
    """The heading, then each row, read in a unit of work of its own."""
    shop, actor, locale = request.registry.shop, request.actor, request.locale_name
    translate = request.localizer.translate
    yield [translate(heading) for heading in table.headings]
    # The request's unit of work has ended by now: everything is read in this one.
    with shop.transaction(actor=actor, locale=locale, writes=False) as tx:
        reading = Reading(tx, translate, tx.settings.current().zone)
        for row in read(reading):
            yield list(row)


def _text(cell: object) -> str:
    if isinstance(cell, Decimal):
        return f"{cell:.2f}"
    return safe("" if cell is None else str(cell))


def _csv_lines(request: Request, table: Table, read: RowReader) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = _rows(request, table, read)
    writer.writerow(next(rows))
    yield "\ufeff".encode() + _take(buffer)
    for count, cells in enumerate(rows, start=1):
        writer.writerow([_text(cell) for cell in cells])
        if count % CHUNK_ROWS == 0:
            yield _take(buffer)
    yield _take(buffer)


def _xlsx_chunks(request: Request, table: Table, read: RowReader) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.stem[:31])
    rows = _rows(request, table, read)
    sheet.append([_string_cell(sheet, str(cell)) for cell in next(rows)])
    for cells in rows:
        sheet.append([_amount_cell(sheet, cell) if n in table.amounts
                      else _number_cell(sheet, cell) if n in table.numbers
                      else _string_cell(sheet, _text(cell)) for n, cell in enumerate(cells)])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        yield from _chunks(file)


def _string_cell(sheet: Any, value: str) -> WriteOnlyCell:
    """A cell that is text whatever it starts with (openpyxl takes "=…" for a formula), without
    the control characters an XLSX file cannot hold."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _amount_cell(sheet: Any, value: object) -> WriteOnlyCell:
    """An amount (a ``Decimal``, or the text of one the shop wrote) as a number a spreadsheet
    can add up; an empty cell for none (a SKU without a list price)."""
    cell = WriteOnlyCell(sheet, value=None if value is None else Decimal(str(value)))
    cell.number_format = "0.00"
    return cell


def _number_cell(sheet: Any, value: object) -> WriteOnlyCell:
    return WriteOnlyCell(sheet, value=int(str(value)))


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    while chunk := file.read(FILE_CHUNK):
        yield chunk


def _take(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def safe(cell: str) -> str:
    """Text a spreadsheet shows as text: an apostrophe before what it would take for a
    formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell
