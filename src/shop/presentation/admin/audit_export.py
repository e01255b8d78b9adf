"""The audit log as CSV, streamed: the response's body is written while the rows are read, in
a read-only unit of work of its own (the request's transaction ends when the view returns,
before a streamed body is sent), a batch at a time, so an export of a long log holds one batch
in memory and never the whole file.

The file is UTF-8 with a byte-order mark, so Excel opens Chinese text correctly; a cell that a
spreadsheet would take for a formula (it starts with = + - @) is prefixed with an apostrophe,
since shoppers write some of what the log records (names, addresses).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.response import Response

from shop.presentation.i18n import _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Rows written to the response at a time.
CHUNK_ROWS = 200


def csv_response(request: Request, filters: Mapping[str, str]) -> Response:
    now = request.shop.clock.now().astimezone(request.shop.settings.current().zone)
    response = Response(content_type="text/csv", charset="utf-8")
    response.content_disposition = (
        f'attachment; filename="audit-{now.strftime("%Y%m%d-%H%M%S")}.csv"')
    response.app_iter = _lines(request, dict(filters))
    return response


def _lines(request: Request, filters: dict[str, str]) -> Iterator[bytes]:
    shop, actor, locale = request.registry.shop, request.actor, request.locale_name
    translate = request.localizer.translate

    def text(value: object) -> str:
        return str(translate(value)) if isinstance(value, TranslationString) else str(value)

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([translate(label) for label in (
        _("When"), _("Who"), _("Action"), _("Action code"), _("Entity"), _("Entity id"),
        _("Changes"), _("IP address"))])
    yield "\ufeff".encode() + _take(buffer)
    with shop.transaction(actor=actor, locale=locale, writes=False) as tx:
        for count, row in enumerate(tx.audit_log.export_rows(filters), start=1):
            entry = row.entry
            changes = "; ".join(
                f"{text(c.label)}: {text(c.before_shown)} → {text(c.after_shown)}"
                for c in row.changes)
            writer.writerow([_safe(cell) for cell in (
                row.at_local.strftime("%Y-%m-%d %H:%M:%S"), entry.actor_name,
                text(row.action_label), entry.action, text(row.entity_label),
                entry.entity_id or "", changes, entry.ip or "")])
            if count % CHUNK_ROWS == 0:
                yield _take(buffer)
    yield _take(buffer)


def _take(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def _safe(cell: str) -> str:
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell
