"""Plain HTML forms backed by the application's colander schemas: what was posted, and the
application's complaints translated and keyed by the form field they concern."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request

from shop.application import Invalid
from shop.application.validation import entity_key
from shop.presentation.untrusted import echoed


def posted(request: Request, fields: Iterable[str], lists: Iterable[str] = (),
           flags: Iterable[str] = ()) -> dict[str, Any]:
    """The named fields of the POST body; ``lists`` as lists (checkbox groups), ``flags`` as
    booleans (a checkbox is absent when unticked). Anything else posted is ignored."""
    data: dict[str, Any] = {name: request.POST[name] for name in fields if name in request.POST}
    data.update({name: request.POST.getall(name) for name in lists})
    data.update({name: name in request.POST for name in flags})
    return data


def refused_filters(request: Request, params: Mapping[str, str],
                    exc: Invalid) -> dict[str, Any]:
    """A list page for filters the application refused, the response made a 400: no rows,
    the filters as given (escaped), each error at its field and the next link's ``after``
    (which the form has no field for) at the top."""
    request.response.status_int = 400
    errors = form_errors(request, exc)
    if "after" in errors:
        errors["_"] = errors.pop("after")
    return {"page": None, "filters": echoed(params), "errors": errors}


def form_errors(request: Request, exc: Invalid, *, nested: bool = False,
                under: str = "") -> dict[str, str]:
    """``{"roles": "Unknown roles: x"}``; "permissions.2" is shown at "permissions".

    A form whose inputs are named by dotted paths ("rule.tiers") passes ``nested`` to keep
    each path whole; ``under`` is a prefix the application adds that the form's names lack
    ("preset." of a template's "preset.rule.tiers")."""
    translate = request.localizer.translate
    errors: dict[str, str] = {}
    for path, message in exc.errors.items():
        path = path.removeprefix(under)
        errors.setdefault(path if nested else path.split(".")[0], translate(message))
    return errors


def message(request: Request, exc: Exception) -> str:
    """The translated text of an application error raised with a translation string."""
    return request.localizer.translate(exc.args[0]) if exc.args else ""


def failed(request: Request, status: int, **values: Any) -> dict[str, Any]:
    request.response.status_int = status
    return values


def see_other(request: Request, route_name: str, **kw: Any) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.route_path(route_name, **kw))


def given_key(value: str | None) -> int | None:
    """A database key given in the request (``?before=``), None when not given; a value that
    is no key is a page that does not exist (404)."""
    key = entity_key(value)
    if value is not None and key is None:
        raise HTTPNotFound()
    return key
