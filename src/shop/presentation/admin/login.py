"""Staff login and logout at /admin/login, apart from the shoppers' login."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Throttled
from shop.presentation.admin.forms import failed, form_errors, posted
from shop.presentation.security import PUBLIC
from shop.presentation.sessions import forget, remember, session_token
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed, safe_path

TEMPLATE = template("admin/login.jinja2")


def _came_from(value: str | None) -> str:
    """Back to the back-office page that sent the visitor here; never anywhere else."""
    target = safe_path(value, "")
    if target.startswith("/admin") and not target.startswith("/admin/log"):
        return target
    return "/admin"


@view_config(route_name="admin_login", request_method="GET", renderer=TEMPLATE,
             permission=PUBLIC)
def login_form(request: Request) -> dict:
    return {"username": "", "errors": {}, "came_from": _came_from(request.GET.get("came_from"))}


@view_config(route_name="admin_login", request_method="POST", renderer=TEMPLATE,
             permission=PUBLIC)
def login(request: Request) -> dict | HTTPSeeOther:
    data = posted(request, ["username", "password"])
    came_from = _came_from(request.POST.get("came_from"))
    try:
        signed_in = request.shop.staff.login(data, user_agent=request.user_agent,
                                             previous_session=session_token(request))
    except Invalid as exc:
        return failed(request, 400, username=echoed(data).get("username", ""),
                      came_from=came_from, errors=form_errors(request, exc))
    except Throttled as exc:
        request.response.headers["Retry-After"] = str(exc.retry_after)
        return failed(request, 429, username=echoed(data).get("username", ""),
                      came_from=came_from, errors={"_": request.localizer.translate(exc.message)})
    response = HTTPSeeOther(location=came_from)
    remember(request, response, signed_in.grant)
    return response


@view_config(route_name="admin_logout", request_method="POST", permission=PUBLIC)
def logout(request: Request) -> HTTPSeeOther:
    request.shop.staff.logout(session_token(request))
    response = HTTPSeeOther(location=request.route_path("admin_login"))
    forget(request, response)
    return response
