"""Reading the files Power Automate exports: the flows, names and connection references found in each
shape, and a clear refusal for anything else."""

from __future__ import annotations

import io
import zipfile

import orjson
import pytest

from kinflow.errors import KintoneError
from kinflow.flows.importing import flows_in
from tests.flows.power_automate import export_package, solution

ADD = {"type": "OpenApiConnection", "inputs": {
    "host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_kintone", "connectionName": "shared_kintone_1",
             "operationId": "AddRecord"}, "parameters": {"Request body of record/app": "1"}}}
DEFINITION = {"triggers": {"manual": {"type": "Request", "kind": "Button"}}, "actions": {"Scope": {
    "type": "Scope", "actions": {"Add": ADD}}}}


def refusal(data: bytes) -> str:
    with pytest.raises(KintoneError) as caught:
        flows_in(data, "upload.zip")
    assert caught.value.status == 400 and caught.value.code == "CB_VA01"
    return caught.value.errors["file"][0]


def test_each_shape_gives_its_flows_names_and_references():
    [legacy] = flows_in(export_package("Orders", ("Add orders", DEFINITION, {"shared_kintone_1": "shared_kintone"})),
                        "x.zip")
    assert (legacy.name, legacy.references) == ("Add orders", {"shared_kintone_1": "/providers/Microsoft.PowerApps/"
                                                                                   "apis/shared_kintone"})
    found = flows_in(solution("Orders", [("Add orders", DEFINITION, {"shared_kintone_1": "shared_kintone"}),
                                         ("Tell the team", {"triggers": DEFINITION["triggers"], "actions": {}}, {})]),
                     "Orders_1_0_0_0.zip")
    assert [(flow.name, flow.references) for flow in found] == [
        ("Add orders", {"shared_kintone_1": "shared_kintone"}), ("Tell the team", {})]
    # A bare definition: its references are the ones its actions name, nested ones too.
    [bare] = flows_in(orjson.dumps(DEFINITION), "folder/add-orders.json")
    assert (bare.name, bare.references) == ("add-orders", {"shared_kintone_1": "/providers/Microsoft.PowerApps/"
                                                                                "apis/shared_kintone"})


def test_a_solution_flow_without_customizations_is_named_by_its_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Workflows/AddOrders-0A1B2C3D-0000-1111-2222-333344445555.json",
                         orjson.dumps({"properties": {"definition": DEFINITION}}))
    assert [flow.name for flow in flows_in(buffer.getvalue(), "s.zip")] == ["AddOrders"]


def test_files_that_are_no_flow_are_refused_with_the_reason():
    assert "neither a JSON definition nor a zip package" in refusal(b"\x00\x01 not json")
    assert "not a readable zip package" in refusal(b"PK\x03\x04 broken")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "is it a flow's export package or a solution?" in refusal(buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("customizations.xml", "<ImportExportXml><Workflows><Workflow")
        archive.writestr("Workflows/A-0A1B2C3D-0000-1111-2222-333344445555.json", "{}")
    assert refusal(buffer.getvalue()).startswith("customizations.xml: not XML")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Microsoft.Flow/flows/a/definition.json", "[" * 5000)
    assert refusal(buffer.getvalue()).startswith("Microsoft.Flow/flows/a/definition.json: not JSON")
    assert "is over 16 MB" in refusal(b" " * (16 * 1024 * 1024 + 1))
