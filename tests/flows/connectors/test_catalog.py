"""The shipped connectors are valid Swagger 2.0 and hold every operation of their seed, with its keys,
required flags and Definitions; webhook triggers follow the Power Platform's contract."""

import json
import os
import subprocess
import sys

import pytest
from openapi_spec_validator import OpenAPIV2SpecValidator

from kinflow.flows.connectors import catalog
from tests.flows.connectors.seeds import KAIZALA, KAIZALA_DEFINITIONS, KINTONE, KINTONE_DEFINITIONS

SEEDS = {"kintone": (KINTONE, KINTONE_DEFINITIONS), "kaizala": (KAIZALA, KAIZALA_DEFINITIONS)}


def _resolve(definition: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return definition["definitions"][ref.rsplit("/", 1)[1]] if ref else schema


def keys_of(operation: dict) -> dict[str, tuple[bool, str, str]]:
    """An operation's parameters as the seeds list them, key -> (required, type, name): a plain
    parameter by its name, the body parameter `body` by its properties' names, another body parameter
    (a whole object, fixed or dynamic) by its own name; the name shown is `x-ms-summary`. Hidden
    properties (`x-ms-visibility: internal`) are no keys."""
    keys = {}
    for parameter in operation["parameters"]:
        schema = parameter.get("schema", {})
        if parameter["in"] != "body":
            keys[parameter["name"]] = (parameter.get("required", False), parameter["type"],
                                       parameter.get("x-ms-summary"))
        elif parameter["name"] == "body":
            for name, spec in schema["properties"].items():
                if spec.get("x-ms-visibility") != "internal":
                    kind = "array of string" if spec["type"] == "array" else spec["type"]
                    keys[name] = (name in schema.get("required", []), kind, spec.get("x-ms-summary"))
        else:
            kind = "dynamic" if "x-ms-dynamic-schema" in json.dumps(schema) else schema["type"]
            keys[parameter["name"]] = (parameter.get("required", False), kind, parameter.get("x-ms-summary"))
    return keys


@pytest.mark.parametrize("name", ["kintone", "kaizala"])
def test_each_connector_is_valid_swagger_2(name):
    definition = catalog.load(name).definition
    assert list(OpenAPIV2SpecValidator(definition).iter_errors()) == []


def test_the_validator_would_catch_a_broken_definition():
    definition = catalog.load("kaizala").definition
    del definition["paths"]["/v1/groups/{groupId}/messages"]["post"]["parameters"][0]  # groupId
    assert list(OpenAPIV2SpecValidator(definition).iter_errors())


@pytest.mark.parametrize("name", ["kintone", "kaizala"])
def test_every_seed_operation_is_there_with_its_keys(name):
    seed, _ = SEEDS[name]
    operations = catalog.load(name).operations()
    for op_id, (summary, is_trigger, parameters, returns) in seed.items():
        operation = operations[op_id]
        assert operation["summary"] == summary, op_id
        assert ("x-ms-trigger" in operation) is is_trigger, op_id
        assert keys_of(operation) == {key: (required, kind, name) for key, required, kind, name in parameters}, op_id
        if returns and not is_trigger:
            assert operation["responses"]["200"]["schema"] == {"$ref": f"#/definitions/{returns}"}, op_id


@pytest.mark.parametrize("name", ["kintone", "kaizala"])
def test_every_seed_definition_is_there_with_its_paths(name):
    _, seed_definitions = SEEDS[name]
    definition = catalog.load(name).definition

    def paths(schema: dict, prefix: str = "") -> list[str]:
        schema = _resolve(definition, schema)
        schema = schema.get("items", schema)
        found = []
        for key, spec in schema.get("properties", {}).items():
            found += [prefix + key, *paths(spec, prefix + key + ".")]
        return found

    for name_, expected in seed_definitions.items():
        assert set(expected) <= set(paths(definition["definitions"][name_])), name_


@pytest.mark.parametrize("name", ["kintone", "kaizala"])
def test_webhook_triggers_subscribe_with_201_and_location_and_unsubscribe_by_delete(name):
    connector = catalog.load(name)
    definition = connector.definition
    deletes = [op for op in connector.operations().values() if op in
               [item.get("delete") for item in definition["paths"].values()]]
    assert deletes, "an unsubscribe operation (DELETE)"
    for path, item in definition["paths"].items():
        operation = item.get("post", {})
        if "x-ms-trigger" not in operation:
            continue
        assert operation["x-ms-trigger"] == "single"
        created = operation["responses"]["201"]
        assert "Location" in created["headers"], path
        callbacks = [key for parameter in operation["parameters"] if parameter["in"] == "body"
                     for key, spec in parameter["schema"]["properties"].items() if spec.get("x-ms-notification-url")]
        assert len(callbacks) == 1, path
        assert "schema" in item["x-ms-notification-content"], path
    assert len(connector.triggers()) == sum(1 for entry in SEEDS[name][0].values() if entry[1])


def test_kintone_record_bodies_are_described_by_the_apps_live_form():
    connector = catalog.load("kintone")
    operations = connector.operations()
    schema_op = operations["GetRecordSchema"]
    assert schema_op["x-ms-visibility"] == "internal"
    for op_id in ("AddRecord", "UpdateRecord"):
        body = operations[op_id]["parameters"][0]["schema"]
        dynamic = body["properties"]["record"]["x-ms-dynamic-schema"]
        assert dynamic["operationId"] == "GetRecordSchema"
        # `x-ms-dynamic-schema` takes a constant or `{"parameter": name}` (a body property by its name).
        assert dynamic["parameters"]["app"] == {"parameter": "app"}
    added = connector.definition["paths"]["/k/integration/v1/preview/app/webhook.json"]
    record = added["x-ms-notification-content"]["schema"]["properties"]["record"]
    assert record["x-ms-dynamic-schema"]["operationId"] == "GetRecordSchema"


def test_connection_parameters_and_throttling():
    kintone, kaizala = catalog.load("kintone"), catalog.load("kaizala")
    parameters = kintone.properties["properties"]["connectionParameters"]
    assert parameters["domain"]["uiDefinition"]["displayName"] == "Kintone domain"
    assert parameters["domain"]["uiDefinition"]["constraints"]["required"] == "true"
    host_policy = kintone.properties["properties"]["policyTemplateInstances"][0]
    assert host_policy["templateId"] == "dynamichosturl"
    assert set(host_policy["parameters"]["x-ms-apimTemplate-operationName"]) == set(kintone.operations())
    assert (kintone.throttling.calls, kintone.throttling.period) == (100, 60)
    assert (kaizala.throttling.calls, kaizala.throttling.period) == (500, 60)


def test_an_unknown_connector_names_the_known_ones():
    with pytest.raises(catalog.UnknownConnector, match="kaizala, kintone"):
        catalog.load("slack")


def _kinflow(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kinflow.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60)


def test_export_writes_both_files_pointed_at_the_server(tmp_path):
    done = _kinflow("connectors", "export", "kintone", str(tmp_path / "out"), "--server", "https://kf.example.com:8443")
    assert done.returncode == 0, done.stderr
    definition = json.loads((tmp_path / "out" / "apiDefinition.swagger.json").read_text())
    properties = json.loads((tmp_path / "out" / "apiProperties.json").read_text())
    assert definition["host"] == "kf.example.com:8443" and definition["schemes"][0] == "https"
    assert list(OpenAPIV2SpecValidator(definition).iter_errors()) == []
    assert properties == catalog.load("kintone").properties
    assert definition["paths"] == catalog.load("kintone").definition["paths"]


def test_export_defaults_to_the_public_url_and_refuses_unknown_names(tmp_path):
    done = _kinflow("connectors", "export", "kaizala", str(tmp_path), env={"KINFLOW_PUBLIC_URL": "http://groups.test"})
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "apiDefinition.swagger.json").read_text())["host"] == "groups.test"
    refused = _kinflow("connectors", "export", "teams", str(tmp_path / "x"))
    assert refused.returncode == 1 and "no connector 'teams'" in refused.stderr
    assert not (tmp_path / "x").exists()
    listed = _kinflow("connectors", "list")
    assert "kintone\t10 operations\t5 triggers\t100 calls per 60 s per connection" in listed.stdout


def _dynamic_specs(node: object, where: str = ""):  # noqa: ANN202
    """Every x-ms-dynamic-schema and x-ms-dynamic-values in a definition, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("x-ms-dynamic-schema", "x-ms-dynamic-values"):
                yield f"{where}/{key}", value
            else:
                yield from _dynamic_specs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _dynamic_specs(value, f"{where}/{index}")


@pytest.mark.parametrize("name", ["kintone", "kaizala"])
def test_every_dynamic_reference_names_an_internal_operation_and_its_parameters(name):
    connector = catalog.load(name)
    operations = connector.operations()
    specs = list(_dynamic_specs(connector.definition["paths"]))
    assert specs
    for where, spec in specs:
        target = operations.get(spec["operationId"])
        assert target is not None, where
        assert target.get("x-ms-visibility") == "internal", where
        declared = {parameter["name"] for parameter in target.get("parameters", [])}
        assert set(spec.get("parameters", {})) <= declared, where
        required = {p["name"] for p in target.get("parameters", []) if p.get("required")}
        assert required <= set(spec.get("parameters", {})), where
