"""Files as Power Automate writes them when a flow is exported: the package of "Export → Package
(.zip)" and a solution's .zip, each holding flows given as (display name, definition, references),
a reference being its name → the connector's api name (`shared_kintone`)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from xml.sax.saxutils import escape

Flow = tuple[str, dict, dict[str, str]]

SCHEMA = "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#"


def _definition(definition: dict) -> dict:
    """A definition as Power Automate keeps it: its metadata, both parameters it declares, no outputs."""
    return {"metadata": {"workflowEntityId": None, "provisioningMethod": "FromDefinition",
                         "clientLastModifiedTime": "2026-11-02T08:12:40.1234567Z",
                         "creator": {"id": str(uuid.uuid4()), "type": "User", "tenantId": str(uuid.uuid4())}},
            "$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"$connections": {"defaultValue": {}, "type": "Object"},
                           "$authentication": {"defaultValue": {}, "type": "SecureObject"}},
            **definition, "outputs": {}}


def export_package(name: str, flow: Flow) -> bytes:
    """One flow's legacy export package: manifest.json with a resource per connector and per
    connection, and the flow's folder of definition.json, apisMap.json and connectionsMap.json."""
    display, definition, references = flow
    asset, flow_id, flow_resource = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    resources: dict = {}
    apis, connections = {}, {}
    for api in sorted(set(references.values())):
        apis[api], connections[api] = str(uuid.uuid4()), str(uuid.uuid4())
        resources[apis[api]] = {"id": f"/providers/Microsoft.PowerApps/apis/{api}", "name": api,
                                "type": "Microsoft.PowerApps/apis", "suggestedCreationType": "Existing",
                                "details": {"displayName": api.removeprefix("shared_"), "iconUri": ""},
                                "configurableBy": "System", "hierarchy": "Child", "dependsOn": []}
        resources[connections[api]] = {"type": "Microsoft.PowerApps/apis/connections",
                                       "suggestedCreationType": "Existing", "creationType": "Existing",
                                       "details": {"displayName": "maker@contoso.example", "iconUri": ""},
                                       "configurableBy": "User", "hierarchy": "Child", "dependsOn": [apis[api]]}
    resources[flow_resource] = {"type": "Microsoft.Flow/flows", "suggestedCreationType": "New",
                                "creationType": "Existing, New, Update", "details": {"displayName": display},
                                "configurableBy": "User", "hierarchy": "Root",
                                "dependsOn": [*apis.values(), *connections.values()]}
    manifest = {"schema": "1.0", "details": {"displayName": name, "description": "", "createdTime":
                                             "2026-11-02T08:15:02.5551234Z", "packageTelemetryId": str(uuid.uuid4()),
                                             "creator": "N/A", "sourceEnvironment": ""}, "resources": resources}
    document = {"name": flow_id, "id": f"/providers/Microsoft.Flow/flows/{flow_id}", "type": "Microsoft.Flow/flows",
                "properties": {
                    "apiId": "/providers/Microsoft.PowerApps/apis/shared_logicflows", "displayName": display,
                    "definition": _definition(definition),
                    "connectionReferences": {reference: {
                        "connectionName": f"{api.replace('_', '-')}-{uuid.uuid4()}", "source": "Embedded",
                        "id": f"/providers/Microsoft.PowerApps/apis/{api}", "tier": "NotSpecified",
                        "apiName": api.removeprefix("shared_"), "isProcessSimpleApiReferenceConversionAlreadyDone": False}
                        for reference, api in references.items()},
                    "flowFailureAlertSubscribed": False, "isManaged": False}}
    folder = f"Microsoft.Flow/flows/{asset}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("Microsoft.Flow/flows/manifest.json",
                         json.dumps({"packageSchemaVersion": "1.0", "flowAssets": {"assetPaths": [asset]}}))
        archive.writestr(f"{folder}/definition.json", json.dumps(document))
        archive.writestr(f"{folder}/apisMap.json", json.dumps(apis))
        archive.writestr(f"{folder}/connectionsMap.json", json.dumps(connections))
    return buffer.getvalue()


def solution(unique_name: str, flows: list[Flow]) -> bytes:
    """A solution's .zip: [Content_Types].xml, solution.xml, customizations.xml naming each flow and its
    connection references, and each flow in Workflows/<Name>-<GUID>.json (with a byte order mark)."""
    workflows, references_xml, files, guids = [], {}, {}, []
    for display, definition, references in flows:
        guid = str(uuid.uuid4())
        guids.append(guid)
        file_name = f"{''.join(ch for ch in display if ch.isalnum())}-{guid.upper()}.json"
        logical = {reference: f"cr_{api.replace('_', '')}_{uuid.uuid4().hex[:5]}" for reference, api in references.items()}
        for reference, api in references.items():
            references_xml[logical[reference]] = api
        files[f"Workflows/{file_name}"] = {"properties": {
            "connectionReferences": {reference: {"runtimeSource": "embedded",
                                                 "connection": {"connectionReferenceLogicalName": logical[reference]},
                                                 "api": {"name": api}} for reference, api in references.items()},
            "definition": _definition(definition), "templateName": None}, "schemaVersion": "1.0.0.0"}
        workflows.append(f'<Workflow WorkflowId="{{{guid}}}" Name="{escape(display, {chr(34): "&quot;"})}">'
                         f"<JsonFileName>/Workflows/{file_name}</JsonFileName><Type>1</Type><Subprocess>0</Subprocess>"
                         "<Category>5</Category><Mode>0</Mode><Scope>4</Scope><OnDemand>0</OnDemand>"
                         "<StateCode>1</StateCode><StatusCode>2</StatusCode><RunAs>1</RunAs>"
                         "<IntroducedVersion>1.0.0.0</IntroducedVersion><IsCustomizable>1</IsCustomizable>"
                         f'<LocalizedNames><LocalizedName languagecode="1033" description="{escape(display)}" />'
                         "</LocalizedNames></Workflow>")
    connection_references = "".join(
        f'<connectionreference connectionreferencelogicalname="{logical}">'
        f"<connectionreferencedisplayname>{api}</connectionreferencedisplayname>"
        f"<connectorid>/providers/Microsoft.PowerApps/apis/{api}</connectorid><iscustomizable>1</iscustomizable>"
        "<statecode>0</statecode><statuscode>1</statuscode></connectionreference>"
        for logical, api in references_xml.items())
    customizations = ('<?xml version="1.0" encoding="utf-8"?><ImportExportXml xmlns:xsi='
                      '"http://www.w3.org/2001/XMLSchema-instance" OrganizationVersion="9.2.26031.175" '
                      'OrganizationSchemaType="Standard"><Entities /><Roles /><Workflows>'
                      f"{''.join(workflows)}</Workflows><FieldSecurityProfiles /><Templates />"
                      f"<connectionreferences>{connection_references}</connectionreferences>"
                      "<Languages><Language>1033</Language></Languages></ImportExportXml>")
    solution_xml = ('<?xml version="1.0" encoding="utf-8"?><ImportExportXml version="9.2.26031.175" '
                    'SolutionPackageVersion="9.2" languagecode="1033" generatedBy="CrmLive"><SolutionManifest>'
                    f"<UniqueName>{unique_name}</UniqueName><Version>1.0.0.0</Version><Managed>0</Managed>"
                    "<RootComponents>" + "".join(f'<RootComponent type="29" id="{{{guid}}}" behavior="0" />'
                                                 for guid in guids) + "</RootComponents></SolutionManifest></ImportExportXml>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="utf-8"?><Types xmlns='
                         '"http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
                         'ContentType="application/octet-stream" /><Default Extension="json" '
                         'ContentType="application/octet-stream" /></Types>')
        archive.writestr("solution.xml", solution_xml)
        archive.writestr("customizations.xml", customizations)
        for path, document in files.items():
            archive.writestr(path, "\ufeff" + json.dumps(document))
    return buffer.getvalue()
