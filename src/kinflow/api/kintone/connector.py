"""What the kintone connector asks of an app besides its webhooks: `GET
/k/integration/v1/app/record/schema.json?app=&type=`, the JSON schema of its records from the live
form (the connector's `GetRecordSchema`, behind its `x-ms-dynamic-schema`)."""

from __future__ import annotations

from kinflow.api.kintone.calls import Call, route
from kinflow.apps.record_schema import record_schema


@route("GET", "integration/app/record/schema")
def get_record_schema(call: Call) -> dict:
    live = call.live("view")
    return {"schema": record_schema(live.form, call.params.get("type"))}
