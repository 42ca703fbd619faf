"""Signing in and out of the web interface: `/login` (kintone's address for it) and `/logout`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.api.authentication import check_password
from kinflow.directory.identity import MAX_LOGIN_LENGTH, password_failed
from kinflow.errors import KintoneError
from kinflow.web.access import form_data, local_path
from kinflow.web.render import page
from kinflow.web.sessions import REQUEST_TOKEN, check_token, same_origin, sign_in, sign_out, signed_in

# A sign-in form is a login, a password and where to go next: a few kilobytes at most.
MAX_FORM_BYTES = 16 * 1024
MAX_PASSWORD_LENGTH = 1_024


async def form_fields(request: Request) -> dict[str, str] | None:
    """The sign-in form's fields (the first value of each), or None when it is too large."""
    parsed = await form_data(request, MAX_FORM_BYTES)
    return None if parsed is None else {name: values[0] for name, values in parsed.items()}


def _form(request: Request, status: int = 200, *, error: str = "", login: str = "", next_path: str = "") -> Response:
    return page(request, None, "login.html", status=status, error=error, login=login,
                next_path=next_path or local_path(request.query_params.get("next")))


async def login_page(request: Request) -> Response:
    if await signed_in(request) is not None:
        return RedirectResponse(local_path(request.query_params.get("next")), status_code=303)
    return _form(request)


async def login_submit(request: Request) -> Response:
    if not same_origin(request):
        return _form(request, 403, error="other site")
    fields = await form_fields(request)
    if fields is None:
        return _form(request, 413, error="too large")
    login, password = fields.get("username", ""), fields.get("password", "")
    next_path = local_path(fields.get("next"))
    if not login or not password:
        return _form(request, 400, error="missing", login=login[:MAX_LOGIN_LENGTH], next_path=next_path)
    # As the API's header logins: no login that cannot exist reaches a lookup (see identity._decode_login).
    if len(login) > MAX_LOGIN_LENGTH or len(password) > MAX_PASSWORD_LENGTH or "\0" in login + password:
        return _form(request, 401, error="wrong", login=login[:MAX_LOGIN_LENGTH], next_path=next_path)
    try:
        user = await check_password(request, login, password)
    except KintoneError as error:
        reason = "wrong" if error.message == password_failed().message else "locked"
        return _form(request, 401, error=reason, login=login, next_path=next_path)
    response = RedirectResponse(next_path, status_code=303)
    await sign_in(request, user, response)
    return response


async def logout(request: Request) -> Response:
    browser = await signed_in(request)
    fields = await form_fields(request) or {}
    if browser is not None and (not same_origin(request) or not check_token(browser, fields.get(REQUEST_TOKEN, ""))):
        return page(request, browser, "error.html", status=403,
                    error=KintoneError("CB_NO02", "No privilege to proceed.", 403))
    response = RedirectResponse("/login", status_code=303)
    await sign_out(request, response)
    return response
