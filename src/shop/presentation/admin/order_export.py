"""Orders as CSV or XLSX, for what the list's filters match: the columns of an order, written
by the shared exporter (``shop.presentation.admin.table_export``: byte-order mark, chunks,
formula guard, XLSX amounts as numbers), read a batch at a time by
``uow.order_desk.export_rows``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pyramid.request import Request
from pyramid.response import Response

from shop.application import DeskRow
from shop.presentation.admin.table_export import Reading, RowReader, Table, export_response
from shop.presentation.i18n import _

TABLE = Table(
    "orders",
    (_("Order number"), _("Placed at"), _("State"), _("Review"), _("Payment method"),
     _("Items total"), _("Discount"), _("Shipping fee"), _("Covered"), _("Payable"),
     _("Recipient"), _("Mobile number"), _("Address"), _("Remarks"), _("Flags")),
    # Items total, discount, shipping fee, covered, payable: numbers in XLSX, not text.
    amounts=frozenset(range(5, 10)))


def csv_response(request: Request, filters: Mapping[str, str]) -> Response:
    return export_response(request, "csv", TABLE, _reader(dict(filters)))


def xlsx_response(request: Request, filters: Mapping[str, str]) -> Response:
    return export_response(request, "xlsx", TABLE, _reader(dict(filters)))


def _reader(filters: dict[str, str]) -> RowReader:
    def read(reading: Reading) -> Iterator[list[object]]:
        for row in reading.tx.order_desk.export_rows(filters):
            yield _cells(row, reading)
    return read


def _cells(row: DeskRow, reading: Reading) -> list[object]:
    text = reading.text
    return [row.number, reading.when(row.placed_at), text(row.state_label),
            text(row.review_label), text(row.payment_label), row.items_total,
            row.discount_total, row.shipping_fee, row.covered_total, row.payable,
            row.recipient, row.mobile, row.address, row.remarks,
            ", ".join(text(flag.shown) for flag in row.flags)]
