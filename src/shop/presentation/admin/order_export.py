"""Orders as CSV or XLSX, for what the list's filters match.

Both read the orders in a read-only unit of work of their own (the request's transaction ends
when the view returns, before a streamed body is sent), a batch at a time
(``uow.order_desk.export_rows``), so memory holds one batch however many orders match.

- CSV is streamed as it is written: UTF-8 with a byte-order mark so Excel reads Chinese text,
  in chunks of ``CHUNK_ROWS`` rows.
- XLSX is a zip, whose directory comes last: openpyxl's write-only mode writes each row to a
  temporary file as it comes (never a sheet in memory), then the finished file is sent from
  disk in chunks. Amounts are numbers there (a spreadsheet adds them up), all else text.

Shoppers wrote some of what an order holds (names, addresses, remarks): a cell a spreadsheet
would take for a formula (it starts with = + - @ …) gets an apostrophe in front, as the audit
export does, and in XLSX every cell is written as a string, never a formula.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.response import Response

from shop.application import DeskRow
from shop.presentation.admin.audit_export import CHUNK_ROWS, _safe, _take
from shop.presentation.i18n import _

#: Items total, discount, shipping fee, covered, payable: numbers in XLSX, not text.
AMOUNT_COLUMNS = range(5, 10)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Bytes sent per chunk of a finished XLSX file.
FILE_CHUNK = 64 * 1024

HEADINGS = (_("Order number"), _("Placed at"), _("State"), _("Review"), _("Payment method"),
            _("Items total"), _("Discount"), _("Shipping fee"), _("Covered"), _("Payable"),
            _("Recipient"), _("Mobile number"), _("Address"), _("Remarks"), _("Flags"))


def _filename(request: Request, extension: str) -> str:
    now = request.shop.clock.now().astimezone(request.shop.settings.current().zone)
    return f'attachment; filename="orders-{now.strftime("%Y%m%d-%H%M%S")}.{extension}"'


def csv_response(request: Request, filters: Mapping[str, str]) -> Response:
    response = Response(content_type="text/csv", charset="utf-8")
    response.content_disposition = _filename(request, "csv")
    response.app_iter = _csv_lines(request, dict(filters))
    return response


def xlsx_response(request: Request, filters: Mapping[str, str]) -> Response:
    response = Response(content_type=XLSX_TYPE)
    response.content_disposition = _filename(request, "xlsx")
    response.app_iter = _xlsx_chunks(request, dict(filters))
    return response


def _rows(request: Request, filters: dict[str, str]) -> Iterator[list[str]]:
    """The heading, then each order as cells of text, read in a unit of work of its own."""
    shop, actor, locale = request.registry.shop, request.actor, request.locale_name
    translate = request.localizer.translate

    def text(value: object) -> str:
        return str(translate(value)) if isinstance(value, TranslationString) else str(value)

    yield [translate(heading) for heading in HEADINGS]
    # The request's unit of work has ended by now: everything is read in this one.
    with shop.transaction(actor=actor, locale=locale, writes=False) as tx:
        zone = tx.settings.current().zone
        for row in tx.order_desk.export_rows(filters):
            yield [_safe(cell) for cell in _cells(row, text, zone)]


def _cells(row: DeskRow, text: Any, zone: Any) -> list[str]:
    return [row.number, row.placed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            text(row.state_label), text(row.review_label), text(row.payment_label),
            f"{row.items_total:.2f}", f"{row.discount_total:.2f}", f"{row.shipping_fee:.2f}",
            f"{row.covered_total:.2f}", f"{row.payable:.2f}", row.recipient, row.mobile,
            row.address, row.remarks, ", ".join(text(flag.shown) for flag in row.flags)]


def _csv_lines(request: Request, filters: dict[str, str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = _rows(request, filters)
    writer.writerow(next(rows))
    yield "\ufeff".encode() + _take(buffer)
    for count, cells in enumerate(rows, start=1):
        writer.writerow(cells)
        if count % CHUNK_ROWS == 0:
            yield _take(buffer)
    yield _take(buffer)


def _xlsx_chunks(request: Request, filters: dict[str, str]) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="orders")
    rows = _rows(request, filters)
    sheet.append([_string_cell(sheet, cell) for cell in next(rows)])
    for cells in rows:
        sheet.append([_amount_cell(sheet, cell) if n in AMOUNT_COLUMNS
                      else _string_cell(sheet, cell) for n, cell in enumerate(cells)])
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


def _amount_cell(sheet: Any, value: str) -> WriteOnlyCell:
    """An amount the shop wrote ("112.00") as a number a spreadsheet can add up."""
    cell = WriteOnlyCell(sheet, value=Decimal(value))
    cell.number_format = "0.00"
    return cell


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    while chunk := file.read(FILE_CHUNK):
        yield chunk
