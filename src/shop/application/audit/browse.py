"""The audit-log browser (操作记录): filters as people type them, pages older and older.

People filter by who acted ("alice" or "staff:alice" for a staff member, "system",
"shopper:42"), an action prefix ("staff." for every staff change), an entity, and a date range
in the shop's time zone, or a preset one (today, the last 7 or 30 days, today included). Pages
are keyset-paged by id: the "older" link carries the last id shown, so a page costs the same
however deep it is and never skips or repeats an entry written meanwhile. An export walks the
same way in batches, so it holds one batch in memory however long the log.

Rows carry the words a person reads (``labels``): the action, entity and field names translated,
values shown as "—", Yes/No or plain text rather than JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import colander

from shop.application.actors import Permission
from shop.application.audit.labels import action_label, entity_label, field_label, shown
from shop.application.audit.service import AuditView
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.validation import MAX_KEY, entity_key, validate
from shop.data.repositories.staff import StaffRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

PAGE_SIZE = 50
#: Entries an export reads per query.
EXPORT_BATCH = 500
#: The date presets: how many days back from today, today included.
PRESETS = {"today": 1, "7d": 7, "30d": 30}
ACTOR_KINDS = ("staff", "system", "shopper", "anonymous")
#: Dates a filter may name: a day after the last one still has a start in the calendar.
DAYS = colander.Range(date(1970, 1, 1), date(9998, 12, 31),
                      min_err=_("Give a date from ${min}"), max_err=_("Give a date up to ${max}"))


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _text(max_length: int) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                               validator=colander.Length(max=max_length))


class AuditQuerySchema(colander.MappingSchema):
    actor = _text(120)
    action = _text(60)
    entity_type = _text(40)
    entity_id = _text(40)
    since = colander.SchemaNode(colander.Date(), missing=None, validator=DAYS)
    until = colander.SchemaNode(colander.Date(), missing=None, validator=DAYS)
    preset = colander.SchemaNode(colander.String(), missing="", preparer=_strip,
                                 validator=colander.OneOf(["", *PRESETS]))
    before_id = colander.SchemaNode(colander.Int(), missing=None,
                                    validator=colander.Range(min=1, max=MAX_KEY))


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # JSON text, None when the field had no value on that side
    after: str | None
    #: For people: the field's label, and each side as shown ("—" for no value).
    label: object = ""
    before_shown: object = ""
    after_shown: object = ""


@dataclass(frozen=True)
class AuditRow:
    entry: AuditView
    at_local: datetime
    changes: tuple[Change, ...]
    #: The action and the entity type in words (translation strings, or the recorded name
    #: when no label exists).
    action_label: object = ""
    entity_label: object = ""


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    #: The cleaned filters as query-string values, for the form and the "older" link.
    filters: dict[str, str]
    #: ``before_id`` of the next, older page; None on the last page.
    older_before_id: int | None


class AuditBrowser:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def page(self, params: Mapping[str, Any]) -> AuditPage:
        self.uow.actor.require(Permission.AUDIT_VIEW)
        query, filters = self._filters(params)
        # One more than shown tells whether an older page exists.
        entries = self.uow._audit.entries(limit=PAGE_SIZE + 1, before_id=query["before_id"],
                                         **filters)
        shown_entries = entries[:PAGE_SIZE]
        older = shown_entries[-1].id if len(entries) > PAGE_SIZE else None
        return AuditPage(tuple(self._row(e) for e in shown_entries), _echo(query), older)

    def begin_export(self, params: Mapping[str, Any]) -> dict[str, str]:
        """Check the filters of an export and record in the log that it was made (the log
        leaving the shop is itself worth a line); the cleaned filters for ``export_rows``."""
        self.uow.actor.require(Permission.AUDIT_VIEW)
        query, _filters = self._filters(params)
        echo = _echo(query)
        self.uow._audit.record("audit.export", "audit", None, after={"filters": echo})
        return echo

    def export_rows(self, params: Mapping[str, Any]) -> Iterator[AuditRow]:
        """Every entry the filters match, newest first, read ``EXPORT_BATCH`` at a time by
        keyset (memory holds one batch, however many match). Run it in a unit of work of its
        own: a web response streams it after the request's transaction has ended."""
        self.uow.actor.require(Permission.AUDIT_VIEW)
        query, filters = self._filters(params)
        before_id = query["before_id"]
        while True:
            batch = self.uow._audit.entries(limit=EXPORT_BATCH, before_id=before_id,
                                           **filters)
            for entry in batch:
                yield self._row(entry)
            if len(batch) < EXPORT_BATCH:
                return
            before_id = batch[-1].id

    def _filters(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The validated query, and the repository's filters it means."""
        query = validate(AuditQuerySchema(), params)
        if query["preset"]:
            today = self.uow.clock.now().astimezone(self._zone).date()
            query["since"] = today - timedelta(days=PRESETS[query["preset"]] - 1)
            query["until"] = today
        if query["since"] and query["until"] and query["since"] > query["until"]:
            raise Invalid({"until": _("The end date is before the start date")})
        zone = self._zone
        return query, {
            **self._actor_filter(query["actor"]),
            "action_prefix": query["action"] or None,
            "entity_type": query["entity_type"] or None,
            "entity_id": query["entity_id"] or None,
            "since": _start_of(query["since"], zone) if query["since"] else None,
            "until": (_start_of(query["until"] + timedelta(days=1), zone)
                      if query["until"] else None),
        }

    @property
    def _zone(self) -> Any:
        return self.uow.settings.current().zone

    def _row(self, entry: AuditView) -> AuditRow:
        return AuditRow(entry, entry.at.astimezone(self._zone), _changes(entry),
                        action_label(entry.action), entity_label(entry.entity_type))

    def _actor_filter(self, text: str) -> dict[str, Any]:
        """"alice" / "staff:alice" → that staff member; "system", "staff", "anonymous" → every
        actor of the kind; "shopper:42" → that shopper. (A staff member whose username is a
        kind's name is reached as "staff:name".)"""
        if not text:
            return {}
        if ":" in text:
            kind, _sep, rest = text.partition(":")
        elif text.lower() in ACTOR_KINDS:
            kind, rest = text, ""
        else:
            kind, rest = "staff", text
        kind = kind.lower()
        if kind == "customer":
            kind = "shopper"
        if kind not in ACTOR_KINDS:
            raise Invalid({"actor": _("Give a staff username, system, or shopper:ID")})
        if kind == "staff" and rest:
            staff = StaffRepository(self.uow._session).by_username(rest.lower())
            if staff is None:
                raise Invalid({"actor": _("No staff member has that username")})
            return {"actor_kind": "staff", "actor_id": staff.id}
        if kind == "shopper" and rest:
            shopper_id = entity_key(rest)
            if shopper_id is None:
                raise Invalid({"actor": _("Give a staff username, system, or shopper:ID")})
            return {"actor_kind": "shopper", "actor_id": shopper_id}
        return {"actor_kind": kind}


def _start_of(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _echo(query: Mapping[str, Any]) -> dict[str, str]:
    """The filters as query-string values, for the form, the "older" link and the export; a
    preset stands for its dates."""
    skip = {"before_id", *(("since", "until") if query.get("preset") else ())}
    return {key: (value.isoformat() if isinstance(value, date) else str(value))
            for key, value in query.items() if value not in ("", None) and key not in skip}


def _changes(entry: AuditView) -> tuple[Change, ...]:
    before, after = entry.before or {}, entry.after or {}
    fields = list(before) + [k for k in after if k not in before]
    return tuple(Change(f, _json(before, f), _json(after, f), field_label(f),
                        shown(before.get(f)), shown(after.get(f))) for f in fields)


def _json(values: Mapping[str, Any], key: str) -> str | None:
    if key not in values:
        return None
    return json.dumps(values[key], ensure_ascii=False, sort_keys=True)
