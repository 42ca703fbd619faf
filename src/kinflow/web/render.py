"""Pages from Jinja2 templates, in the reader's language, with the headers every page carries."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from kinflow import i18n
from kinflow.web.sessions import REQUEST_TOKEN, Browser

# Everything a page loads comes from kinflow itself; no inline script, no framing by other sites.
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("kinflow.web", "templates"), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def language(request: Request, browser: Browser | None) -> str:
    setting = browser.session.language if browser else None
    return i18n.choose(setting, request.headers.get("accept-language", ""), request.app.state.settings.language)


def page(request: Request, browser: Browser | None, template: str, status: int = 200, **context: object) -> HTMLResponse:
    lang = language(request, browser)
    html = _environment().get_template(template).render(
        _=i18n.translator(lang), lang=lang, browser=browser, token_name=REQUEST_TOKEN, **context)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)
