"""Back-office forms drawn by deform from the application tier's colander schemas.

The application owns what valid input is (one schema validates the web form, a CSV row and a
library call); a page only adds what a person filling the form needs: titles, widgets, help
text, stable element ids, and the CSRF token every POST carries. ``SchemaForm`` clones the
schema with those, renders deform's (Chameleon) templates into markup the Jinja2 layout
embeds, and on submit:

1. deform parses and validates the posted fields against the schema (field messages at once,
   no service called);
2. the service gets what was posted as plain strings, lists and mappings (a CSV row looks the
   same), validates again and applies its rules;
3. an ``Invalid`` it raises (dotted field paths: "values.0.code") is put back on the fields it
   names, and the form is shown again with what was typed.

Pages render with the shop's CSP (no inline script), so the templates in
``templates/deform`` replace deform's JavaScript-driven ones (sequences).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib.resources import files
from typing import Any, TypeVar

import colander
import deform
import peppercorn
from markupsafe import Markup
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.request import Request
from pyramid.threadlocal import get_current_request

from shop.application import Invalid
from shop.presentation.untrusted import MAX_ECHO_LENGTH

T = TypeVar("T")
CSRF_FIELD = "csrf_token"
#: Widgets that post one value as a group of texts (a date's parts, a password twice).
_PARTS_WIDGETS = (deform.widget.DatePartsWidget, deform.widget.CheckedInputWidget,
                  deform.widget.DateTimeInputWidget)


def _translate(term: Any) -> str:
    """Deform's, colander's and the shop's messages in the current request's language."""
    request = get_current_request()
    if request is None:
        interpolate = getattr(term, "interpolate", None)
        return interpolate() if interpolate else str(term)
    return request.localizer.translate(term)  # type: ignore[no-any-return]


#: One renderer for the process: Chameleon compiles each template once.
RENDERER = deform.ZPTRendererFactory(
    (str(files("shop.presentation") / "templates" / "deform"),
     str(files("deform") / "templates")),
    auto_reload=False, translator=_translate)


class SchemaForm:
    """A deform form around a clone of ``schema``.

    ``titles``, ``widgets`` and ``descriptions`` are keyed by dotted field paths ("parent",
    "values.name_zh" for every item of the ``values`` sequence); ``omit`` leaves top-level
    fields out of the page (the service then applies their defaults); ``focus`` puts the
    cursor in the first field (one form per page should); ``more_buttons`` are (name, label)
    of buttons after the submit one (the view asks ``name in request.POST``).
    """

    def __init__(self, request: Request, schema: colander.SchemaNode, *, formid: str,
                 action: str, submit: Any, omit: Iterable[str] = (),
                 titles: Mapping[str, Any] | None = None,
                 widgets: Mapping[str, Any] | None = None,
                 descriptions: Mapping[str, Any] | None = None, focus: bool = True,
                 more_buttons: Iterable[tuple[str, Any]] = ()) -> None:
        self.request = request
        schema = schema.clone()
        for name in omit:
            del schema[name]
        _dress(schema, "", formid, titles or {}, widgets or {}, descriptions or {})
        schema.add(colander.SchemaNode(
            colander.String(), name=CSRF_FIELD, missing="", default=get_csrf_token(request),
            widget=deform.widget.HiddenWidget(), oid=f"{formid}-{CSRF_FIELD}"))
        self.form = deform.Form(schema, formid=formid, action=action, renderer=RENDERER,
                                focus="on" if focus else "off",
                                buttons=(deform.Button("submit", submit, css_class="btn-dark"),
                                         *(deform.Button(name, label, css_class="btn-outline-dark")
                                           for name, label in more_buttons)))

    def render(self, values: Mapping[str, Any] | None = None) -> Markup:
        """The form filled with ``values`` (read-model values), or with what was posted and
        the messages of a refused submission."""
        html = (self.form.render(_present(values)) if values is not None
                else self.form.render())
        # Chameleon escapes every value it inserts: the form's HTML is safe as it stands.
        return Markup(html)  # noqa: S704

    def submit(self, call: Callable[[dict[str, Any]], T]) -> T | None:
        """``call(posted)`` when the POST passes the schema; None when it or the service
        refused it, with the response's status set to 400 and the messages on the fields."""
        try:
            pstruct = peppercorn.parse(self.request.POST.items())
        except ValueError:  # unbalanced or unknown __start__/__end__ markers: no page sent them
            raise HTTPBadRequest() from None
        if not _fits(self.form.schema, pstruct):
            # A text where a group belongs, or a group where a text does: deform's widgets
            # assume the shape their own HTML sends, and no page of ours sends another.
            raise HTTPBadRequest()
        try:
            self.form.validate_pstruct(pstruct)
        except deform.ValidationFailure:
            self._refused()
            return None
        posted = {k: v for k, v in dict(self.form.cstruct).items() if k != CSRF_FIELD}
        try:
            return call(posted)
        except Invalid as exc:
            self.refuse(exc)
            return None

    def refuse(self, exc: Invalid) -> None:
        """Put the application's messages on the fields they name (a path the form has no
        field for goes above the form), and answer 400."""
        self._refused()
        self.form.widget.handle_error(self.form, _error_tree(self.form.schema, exc.errors))

    def _refused(self) -> None:
        """Answer 400, showing back what was typed, as much as a refused form shows."""
        self.request.response.status_int = 400
        self.form.cstruct = _echoed(self.form.cstruct)


def _present(value: Any) -> Any:
    """``value`` without its None fields, in sequences' items too: colander would show None
    as the text "None"."""
    if isinstance(value, Mapping):
        return {k: _present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_present(item) for item in value]
    return value


def _echoed(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_ECHO_LENGTH]
    if isinstance(value, Mapping):
        return {key: _echoed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_echoed(item) for item in value]
    return value


def _dress(node: colander.SchemaNode, path: str, formid: str, titles: Mapping[str, Any],
           widgets: Mapping[str, Any], descriptions: Mapping[str, Any],
           in_sequence: bool = False) -> None:
    """Give each field below ``node`` its page dress; a sequence's item is "PATH.*"."""
    sequence = isinstance(node.typ, colander.Sequence)
    for child in node.children:
        here = f"{path}.*" if sequence else f"{path}.{child.name}" if path else child.name
        if here in titles:
            child.title = titles[here]
        if here in widgets:
            child.widget = widgets[here]
        if here in descriptions:
            child.description = descriptions[here]
        if not (in_sequence or sequence):  # a sequence's items are copies: ids would repeat
            child.oid = f"{formid}-{here.replace('.', '-')}"
        _dress(child, path if sequence else here, formid, titles, widgets, descriptions,
               in_sequence or sequence)


def _fits(node: colander.SchemaNode, value: Any) -> bool:
    """Whether posted ``value`` has the shape ``node``'s widget sends: a mapping of fields, a
    list of items, a list of texts (a multiple choice), or one text."""
    if isinstance(node.typ, colander.Mapping):
        return isinstance(value, dict) and all(
            _fits(child, value[child.name]) for child in node.children if child.name in value)
    if isinstance(node.typ, colander.Sequence):
        return isinstance(value, list) and all(_fits(node.children[0], item) for item in value)
    if isinstance(node.typ, colander.Set | colander.List):
        return isinstance(value, list | str) and all(isinstance(v, str) for v in value)
    if isinstance(node.widget, _PARTS_WIDGETS):
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    return isinstance(value, str)


def _steps(schema: colander.SchemaNode, path: str) -> list[tuple[colander.SchemaNode, int]]:
    """The (field, position) pairs leading to the field at ``path``; [] when it has none."""
    node, steps = schema, []
    for part in path.split("."):
        if isinstance(node.typ, colander.Sequence) and part.isdigit():
            node, position = node.children[0], int(part)
        else:
            found = [i for i, c in enumerate(node.children) if c.name == part]
            if not found or part == CSRF_FIELD:
                return []
            node, position = node.children[found[0]], found[0]
        steps.append((node, position))
    return steps


def _error_tree(schema: colander.SchemaNode, errors: Mapping[str, Any]) -> colander.Invalid:
    """``{"values.0.code": message}`` as the colander error deform shows on its fields."""
    top = colander.Invalid(schema)
    for path, message in errors.items():
        steps = _steps(schema, path)
        if not steps:
            top.msg = top.msg or message
            continue
        error = top
        for node, position in steps:
            found = next((e for e in error.children if e.pos == position), None)
            if found is None:
                found = colander.Invalid(node)
                error.add(found, position)
            error = found
        error.msg = error.msg or message
    return top
