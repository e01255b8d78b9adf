"""The audit log as CSV: every entry the filters match, in words, written by the shared
exporter (``shop.presentation.admin.table_export``: byte-order mark, chunks, formula guard —
shoppers write some of what the log records), read a batch at a time by
``uow.audit_log.export_rows``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pyramid.request import Request
from pyramid.response import Response

from shop.presentation.admin.table_export import Reading, RowReader, Table, export_response
from shop.presentation.i18n import _

TABLE = Table("audit", (_("When"), _("Who"), _("Action"), _("Action code"), _("Entity"),
                        _("Entity id"), _("Changes"), _("IP address")))


def csv_response(request: Request, filters: Mapping[str, str]) -> Response:
    return export_response(request, "csv", TABLE, _reader(dict(filters)))


def _reader(filters: dict[str, str]) -> RowReader:
    def read(reading: Reading) -> Iterator[list[object]]:
        text = reading.text
        for row in reading.tx.audit_log.export_rows(filters):
            entry = row.entry
            changes = "; ".join(
                f"{text(c.label)}: {text(c.before_shown)} → {text(c.after_shown)}"
                for c in row.changes)
            yield [row.at_local.strftime("%Y-%m-%d %H:%M:%S"), entry.actor_name,
                   text(row.action_label), entry.action, text(row.entity_label),
                   entry.entity_id or "", changes, entry.ip or ""]
    return read
