"""`bulkRequest.json`: up to 20 record calls run in order in one transaction, all or nothing.

On failure the answer is `{"results": [{}, ..., <error>, {}, ...]}` with the error at the failing
index (shared/reference/kintone-rest-api.md §3.5); the official client reads `bulkRequestIndex` from it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from kinflow.api.kintone.calls import ROUTES, Call, route
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import DEFAULT
from kinflow.i18n import N_

MAX_REQUESTS = 20
_ALLOWED = {"record", "records", "record/status", "records/status", "record/assignees"}
_API = re.compile(r"^/k/(?:guest/(\d+)/)?v1/([a-z/]+)\.json$")


class BulkFailure(KintoneError):
    def __init__(self, index: int, count: int, error: KintoneError) -> None:
        super().__init__(error.code, error.message, error.status, error.errors)
        self.index = index
        self.count = count
        self.inner = error

    def body(self, language: str = DEFAULT) -> dict:
        results: list[dict] = [{} for _ in range(self.count)]
        results[self.index] = self.inner.body(language)
        return {"results": results}


@route("POST", "bulkRequest")
def bulk_request(call: Call) -> dict:
    requests = call.params.get("requests")
    if not isinstance(requests, list) or not requests:
        raise invalid_input({"requests": [N_("Required field.")]})
    if len(requests) > MAX_REQUESTS:
        raise invalid_input({"requests": [N_("Specify up to {max_requests} requests.", max_requests=MAX_REQUESTS)]})
    results = []
    for index, request in enumerate(requests):
        try:
            results.append(_run_one(call, request, index))
        except KintoneError as error:
            raise BulkFailure(index, len(requests), error) from None
    return {"results": results}


def _run_one(call: Call, request: object, index: int) -> dict:
    if not isinstance(request, dict):
        raise invalid_input({f"requests[{index}]": [N_("Enter an object.")]})
    method = request.get("method")
    match = _API.match(request.get("api") or "") if isinstance(request.get("api"), str) else None
    if method not in ("POST", "PUT", "DELETE") or match is None or match[2] not in _ALLOWED:
        raise invalid_input({f"requests[{index}].api": [N_("This API cannot be used in a bulk request.")]})
    guest = int(match[1]) if match[1] else None
    if guest != call.guest_space_id:
        raise invalid_input({f"requests[{index}].api": [N_("Use the same guest space path as the bulk request.")]})
    handler = ROUTES.get((method, match[2]))
    if handler is None:
        raise invalid_input({f"requests[{index}].api": [N_("This API cannot be used in a bulk request.")]})
    payload = request.get("payload")
    if not isinstance(payload, dict):
        raise invalid_input({f"requests[{index}].payload": [N_("Required field.")]})
    return handler(replace(call, params=payload, method=method, resource=match[2]))
