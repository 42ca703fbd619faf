"""The ASGI application: kintone's API, kinflow's directory API and the OpenAPI document."""

from __future__ import annotations

import asyncio
import gc
import logging
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kinflow.api import admin, flows, workflows
from kinflow.api.access_log import AccessLog
from kinflow.api.body_limit import BodyLimit
from kinflow.api.hosts import HostGuard
from kinflow.api.kaizala.routes import routes as kaizala_routes
from kinflow.api.kintone.http import (
    caller_language,
    error_response,
    integration_endpoint,
    json_response,
    kintone_endpoint,
)
from kinflow.api.metrics import metrics_endpoint
from kinflow.api.openapi import openapi_document
from kinflow.background import Background
from kinflow.clock import clock
from kinflow.config import Settings, load_settings
from kinflow.errors import KintoneError
from kinflow.i18n import N_
from kinflow.logs import setup_logging
from kinflow.metrics import time_statements
from kinflow.storage.database import Database
from kinflow.web import errors as web_errors
from kinflow.web.routes import routes as web_routes

log = logging.getLogger("kinflow")
_METHODS = ["GET", "POST", "PUT", "DELETE"]


async def _openapi(request: Request) -> Response:
    return json_response(openapi_document())


async def _health(request: Request) -> Response:
    return json_response({"status": "ok"})


# What one failure may write to the log: a database error's message carries the whole statement
# and its parameters, which a client can make megabytes long.
_LOGGED_CHARS = 4_000


def _shortened(text: str) -> str:
    if len(text) <= _LOGGED_CHARS:
        return text
    half = _LOGGED_CHARS // 2
    return f"{text[:half]}\n... {len(text) - _LOGGED_CHARS} characters left out ...\n{text[-half:]}"


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Never a bare 500 page: an unexpected failure still answers in kintone's error format.
    detail = "".join(traceback.format_exception(exc))
    log.error("unexpected error on %s %s\n%s", request.method, request.url.path[:200], _shortened(detail))
    error = KintoneError("CB_IL01", N_("An unexpected error occurred on the server."), 500)
    if web_errors.is_page(request.url.path):
        return web_errors.failure_page(request, error)
    return error_response(error, caller_language(request))


async def _not_found(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.status_code == 404 and web_errors.is_page(request.url.path):
        return web_errors.not_found_page(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return PlainTextResponse(getattr(exc, "detail", "Not Found"), status_code=status,
                             headers=getattr(exc, "headers", None))


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    # Everything loaded so far (modules, routes, the schema) lives as long as the process: moving it
    # out of the collector's generations keeps each collection from walking it again.
    gc.collect()
    gc.freeze()
    # A request allocates thousands of short-lived containers (a page of records: one dict per
    # field of each record), nearly all freed by reference counting; collecting the youngest
    # generation every 700 allocations costs several percent of a request for nothing.
    gc.set_threshold(20_000, 20, 20)
    background = None
    if app.state.settings.delivery_worker:
        background = Background(app.state.db, app.state.settings)
        task = asyncio.create_task(background.run())
    yield
    if background is not None:
        await background.stop()
        await task


def create_app(settings: Settings, db: Database | None = None) -> Starlette:
    routes = [
        Route("/k/v1/{resource:path}.json", kintone_endpoint, methods=_METHODS),
        Route("/k/guest/{space_id:int}/v1/{resource:path}.json", kintone_endpoint, methods=_METHODS),
        Route("/k/integration/v1/{resource:path}.json", integration_endpoint, methods=_METHODS),
        *kaizala_routes,  # before admin's catch-all: connectors live under /kinflow/v1/groups/
        *flows.routes,  # before it too: /kinflow/v1/flows/
        *workflows.routes,  # a flow's Request trigger: /kinflow/v1/flows/{id}/triggers/{name}/invoke
        *admin.routes,
        Route("/openapi.json", _openapi),
        Route("/healthz", _health),
        Route("/metrics", metrics_endpoint),
        *web_routes,
    ]
    app = Starlette(routes=routes, exception_handlers={Exception: _unexpected, 404: _not_found}, lifespan=_lifespan,
                    middleware=[Middleware(AccessLog, enabled=settings.access_log),
                                Middleware(HostGuard, allowed=settings.host_names),
                                Middleware(BodyLimit, max_bytes=settings.max_body_bytes)])
    app.state.settings = settings
    app.state.db = db or Database(settings.url)
    time_statements(app.state.db.engine, settings.slow_query_ms / 1000)
    return app


def app_from_environment() -> Starlette:
    """Factory for uvicorn worker processes: settings come from KINFLOW_* variables."""
    settings = load_settings()
    setup_logging(settings)  # in each HTTP worker process too
    clock.start_ahead(settings.test_clock_offset)
    return create_app(settings)
