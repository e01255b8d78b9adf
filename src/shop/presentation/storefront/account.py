"""Account pages: register, log in and out, recover a password, and the shopper's own details.

Each view parses the form, calls one ``request.shop.accounts`` use case and renders or
redirects. A form that fails comes back with each field's message (400), one that is throttled
with the wait (429). A wrong password or code is counted by the application tier whether this
request's transaction commits or not.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import exception_view_config, view_config

from shop.application import AccountBadge, Invalid, Permission, SessionGrant, Throttled
from shop.application.accounts.schemas import GENDERS
from shop.presentation.errors import error_page
from shop.presentation.i18n import _
from shop.presentation.security import PUBLIC
from shop.presentation.sessions import forget, remember, session_token
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed, safe_path

#: Never echoed back into a form.
SECRET_FIELDS = frozenset({"csrf_token", "password", "current_password", "new_password"})
#: What a redirect's ``?done=`` may say; anything else says nothing.
DONE = {
    "welcome": _("Welcome! Your account is ready."),
    "profile": _("Your details were saved."),
    "password": _("Your password was changed. Other devices were signed out."),
    "contact": _("Your contact details were changed."),
    "reset": _("Your password was changed. Log in with the new one."),
}


def _posted(request: Request) -> dict[str, Any]:
    return {key: value for key, value in request.POST.items() if key != "csrf_token"}


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return echoed({key: value for key, value in values.items() if key not in SECRET_FIELDS})


def _page(request: Request, values: dict[str, Any] | None = None,
          error: Invalid | Throttled | None = None, **extra: Any) -> dict[str, Any]:
    """A form's template values; an error sets the status and turns messages into text."""
    translate = request.localizer.translate
    errors: dict[str, str] = {}
    notice = None
    if isinstance(error, Invalid):
        request.response.status_int = 400
        errors = {field: translate(message) for field, message in error.errors.items()}
    elif isinstance(error, Throttled):
        request.response.status_int = 429
        request.response.headers["Retry-After"] = str(error.retry_after)
        notice = translate(error.message)
    return {"values": _shown(values or {}), "errors": errors, "throttled": notice,
            "genders": GENDERS, **extra}


def _signed_in(request: Request, grant: SessionGrant, location: str) -> HTTPSeeOther:
    response = HTTPSeeOther(location=location)
    remember(request, response, grant)  # with a new CSRF token
    return response


def _done(request: Request) -> str | None:
    message = DONE.get(request.GET.get("done", ""))
    return request.localizer.translate(message) if message else None


# -- registration -------------------------------------------------------------------------


@view_config(route_name="register", request_method="GET",
             renderer=template("account/register.jinja2"), permission=PUBLIC)
@view_config(route_name="register_confirm", request_method="GET",
             renderer=template("account/register_confirm.jinja2"), permission=PUBLIC)
def register_form(request: Request) -> dict[str, Any]:
    """Either step's empty form."""
    channel = "email" if request.GET.get("channel") == "email" else "mobile"
    return _page(request, {"channel": channel, "ref": request.GET.get("ref", "")[:16],
                           "came_from": safe_path(request.GET.get("came_from"), "")})


@view_config(route_name="register", request_method="POST",
             renderer=template("account/register.jinja2"), permission=PUBLIC)
def register_request_code(request: Request) -> Any:
    values = _posted(request)
    try:
        sent = request.shop.accounts.request_registration_code(values)
    except (Invalid, Throttled) as exc:
        return _page(request, values, exc)
    values.update({"channel": sent.channel, sent.channel: sent.destination})
    return render_confirm(request, _page(request, values, code_sent=True))


def render_confirm(request: Request, page: dict[str, Any]) -> Any:
    """Step two's form, right after step one sent the code."""
    return render_to_response(template("account/register_confirm.jinja2"), page, request=request,
                              response=request.response)


@view_config(route_name="register_confirm", request_method="POST",
             renderer=template("account/register_confirm.jinja2"), permission=PUBLIC)
def register(request: Request) -> Any:
    values = _posted(request)
    try:
        signed_in = request.shop.accounts.register(
            values, user_agent=request.user_agent, current_token=session_token(request))
    except Invalid as exc:
        return _page(request, values, exc)
    # Back where registering began (a guest's checkout, the cart merged in), else the welcome.
    return _signed_in(request, signed_in.grant, safe_path(
        values.get("came_from"), request.route_path("account", _query={"done": "welcome"})))


# -- login and logout ---------------------------------------------------------------------


@view_config(route_name="login", request_method="GET", renderer=template("account/login.jinja2"),
             permission=PUBLIC)
def login_form(request: Request) -> dict[str, Any]:
    return _page(request, {"came_from": safe_path(request.GET.get("came_from"), "")},
                 done=_done(request))


@view_config(route_name="login", request_method="POST", renderer=template("account/login.jinja2"),
             permission=PUBLIC)
def login(request: Request) -> Any:
    values = _posted(request)
    values["came_from"] = safe_path(values.get("came_from"), "")
    try:
        signed_in = request.shop.accounts.log_in(
            values, user_agent=request.user_agent, current_token=session_token(request))
    except (Invalid, Throttled) as exc:
        return _page(request, values, exc)
    return _signed_in(request, signed_in.grant,
                      safe_path(values["came_from"], request.route_path("account")))


@view_config(route_name="logout", request_method="POST", permission=PUBLIC)
def logout(request: Request) -> HTTPSeeOther:
    request.shop.accounts.log_out(session_token(request))
    response = HTTPSeeOther(location=request.route_path("home"))
    forget(request, response)  # with a new CSRF token
    return response


# -- password recovery --------------------------------------------------------------------


@view_config(route_name="recover", request_method="GET",
             renderer=template("account/recover.jinja2"), permission=PUBLIC)
def recover_form(request: Request) -> dict[str, Any]:
    return _page(request)


@view_config(route_name="recover", request_method="POST",
             renderer=template("account/recover.jinja2"), permission=PUBLIC)
def recover(request: Request) -> Any:
    values = _posted(request)
    try:
        # The link in the email is built on ``shop.public_url``, never on this request's Host.
        sent = request.shop.accounts.request_password_reset(values)
    except (Invalid, Throttled) as exc:
        return _page(request, values, exc)
    if sent.channel == "mobile":
        return HTTPSeeOther(location=request.route_path(
            "reset_code", _query={"mobile": sent.destination, "sent": "1"}))
    return _page(request, {}, link_sent=True)


@view_config(route_name="reset_code", request_method="GET",
             renderer=template("account/reset_code.jinja2"), permission=PUBLIC)
def reset_code_form(request: Request) -> dict[str, Any]:
    return _page(request, {"mobile": request.GET.get("mobile", "")[:20]},
                 code_sent=request.GET.get("sent") == "1")


@view_config(route_name="reset_code", request_method="POST",
             renderer=template("account/reset_code.jinja2"), permission=PUBLIC)
def reset_with_code(request: Request) -> Any:
    values = _posted(request)
    try:
        request.shop.accounts.reset_password_with_code(values)
    except Invalid as exc:
        return _page(request, values, exc)
    return _after_reset(request)


@view_config(route_name="reset_link", request_method="GET",
             renderer=template("account/reset_link.jinja2"), permission=PUBLIC)
def reset_link_form(request: Request) -> dict[str, Any]:
    try:
        request.shop.accounts.check_reset_link(request.matchdict["token"])
    except Invalid as exc:
        return _page(request, {}, exc, link_gone=True)
    return _page(request)


@view_config(route_name="reset_link", request_method="POST",
             renderer=template("account/reset_link.jinja2"), permission=PUBLIC)
def reset_with_link(request: Request) -> Any:
    values = _posted(request)
    try:
        request.shop.accounts.reset_password_with_link(request.matchdict["token"], values)
    except Invalid as exc:
        return _page(request, values, exc, link_gone="token" in exc.errors)
    return _after_reset(request)


def _after_reset(request: Request) -> HTTPSeeOther:
    # Every session of the account ended, this browser's too: its cookie is dropped as well.
    response = HTTPSeeOther(location=request.route_path("login", _query={"done": "reset"}))
    forget(request, response)
    return response


# -- the shopper's own account ------------------------------------------------------------


@view_config(route_name="account", request_method="GET",
             renderer=template("account/overview.jinja2"), permission=Permission.ACCOUNT_SELF)
def overview(request: Request) -> dict[str, Any]:
    return _page(request, profile=request.shop.accounts.profile(),
                 standing=request.shop.accounts.standing(), done=_done(request))


@view_config(route_name="account_profile", request_method="GET",
             renderer=template("account/profile.jinja2"), permission=Permission.ACCOUNT_SELF)
def profile_form(request: Request) -> dict[str, Any]:
    profile = request.shop.accounts.profile()
    return _page(request, {"name": profile.name, "gender": profile.gender or "",
                           "birthday": profile.birthday.isoformat() if profile.birthday else ""})


@view_config(route_name="account_profile", request_method="POST",
             renderer=template("account/profile.jinja2"), permission=Permission.ACCOUNT_SELF)
def profile_save(request: Request) -> Any:
    values = _posted(request)
    try:
        request.shop.accounts.update_profile(values)
    except Invalid as exc:
        return _page(request, values, exc)
    return HTTPSeeOther(location=request.route_path("account", _query={"done": "profile"}))


@view_config(route_name="account_password", request_method="GET",
             renderer=template("account/password.jinja2"), permission=Permission.ACCOUNT_SELF)
def password_form(request: Request) -> dict[str, Any]:
    return _page(request)


@view_config(route_name="account_password", request_method="POST",
             renderer=template("account/password.jinja2"), permission=Permission.ACCOUNT_SELF)
def password_change(request: Request) -> Any:
    try:
        grant = request.shop.accounts.change_password(_posted(request),
                                                      current_token=session_token(request))
    except (Invalid, Throttled) as exc:
        return _page(request, {}, exc)
    location = request.route_path("account", _query={"done": "password"})
    if grant is None:
        return HTTPSeeOther(location=location)
    return _signed_in(request, grant, location)


@view_config(route_name="account_contact", request_method="GET",
             renderer=template("account/contact.jinja2"), permission=Permission.ACCOUNT_SELF)
def contact_form(request: Request) -> dict[str, Any]:
    channel = "email" if request.GET.get("channel") == "email" else "mobile"
    return _page(request, {"channel": channel})


@view_config(route_name="account_contact", request_method="POST",
             renderer=template("account/contact.jinja2"), permission=Permission.ACCOUNT_SELF)
def contact_request_code(request: Request) -> Any:
    values = _posted(request)
    values.pop("code", None)
    try:
        sent = request.shop.accounts.request_contact_change(values)
    except (Invalid, Throttled) as exc:
        return _page(request, values, exc)
    values.update({"channel": sent.channel, sent.channel: sent.destination})
    return _page(request, values, code_sent=True)


@view_config(route_name="account_contact_confirm", request_method="POST",
             renderer=template("account/contact.jinja2"), permission=Permission.ACCOUNT_SELF)
def contact_confirm(request: Request) -> Any:
    values = _posted(request)
    try:
        request.shop.accounts.confirm_contact_change(values)
    except Invalid as exc:
        return _page(request, values, exc, code_sent=True)
    return HTTPSeeOther(location=request.route_path("account", _query={"done": "contact"}))


@exception_view_config(Throttled)
def throttled(exc: Throttled, request: Request) -> Response:
    """A throttled use case no view caught: 429 with the wait."""
    response = error_page(request, 429, [exc.message])
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def account_badge(request: Request) -> AccountBadge | None:
    """The signed-in shopper's name for the header (``request.account_badge``)."""
    return request.shop.accounts.badge()


def includeme(config: Configurator) -> None:
    config.add_route("login", "/account/login")
    config.add_route("logout", "/account/logout")
    config.add_route("register", "/account/register")
    config.add_route("register_confirm", "/account/register/confirm")
    config.add_route("recover", "/account/recover")
    config.add_route("reset_code", "/account/reset")
    config.add_route("reset_link", "/account/reset/{token}")
    config.add_route("account", "/account")
    config.add_route("account_profile", "/account/profile")
    config.add_route("account_password", "/account/password")
    config.add_route("account_contact", "/account/contact")
    config.add_route("account_contact_confirm", "/account/contact/confirm")
    config.add_request_method(account_badge, "account_badge", reify=True)
