"""Flows in a real Chromium: a kintone connection made on the connections page (its test call shown),
a flow created from the template "when a record is added, call an HTTP endpoint", and, once a record is
added, the flow's run appearing and finishing on its run history without reload; then the run's
actions, and a resubmit by keyboard watched live on the run's page. Every page passes axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.conftest import GROUPS_ENV, WEBHOOK_ENV, free_port, make_app, make_token, start_server, stop_server
from tests.flows.sink import Sink
from tests.web.test_browser import check, chromium, page, sign_in  # noqa: F401 - fixtures

LIVE = 15_000  # ms a change may take to show (a loaded machine; the stream rings at commit)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[object]:
    """A server whose public URL is its own address, so that the webhook its flow's trigger
    subscribes reaches it."""
    port = free_port()
    tmp = tmp_path_factory.mktemp("flows-browser")
    srv = start_server(tmp, f"sqlite:///{tmp}/kinflow.db", "sqlite",
                       {**WEBHOOK_ENV, **GROUPS_ENV, "KINFLOW_PORT": str(port),
                        "KINFLOW_PUBLIC_URL": f"http://127.0.0.1:{port}"})
    yield srv
    stop_server(srv)


@pytest.fixture()
def sink() -> Iterator[Sink]:
    receiver = Sink()
    yield receiver
    receiver.close()


def test_create_a_flow_from_a_template_and_watch_its_run_live(page, server, sink):  # noqa: F811
    with server.admin() as admin:
        app = make_app(admin, {"Title": {"type": "SINGLE_LINE_TEXT", "code": "Title", "label": "Title"}},
                       name="Orders for flows")
        token = make_token(admin, app, view=True, add=True, manage=True)
    sign_in(page)

    page.get_by_role("link", name="Flows").first.click()
    page.wait_for_url("**/k/flows/")
    check(page, "flows-01-list")
    page.get_by_role("link", name="Connections").click()
    page.wait_for_url("**/k/flows/connections")
    form = page.locator("#kintone")
    form.get_by_label("Connection name").fill("Orders server")
    form.get_by_label("Domain or address").fill(server.base_url)
    form.get_by_label("API token (with an API token)").fill(token)
    form.get_by_role("button", name="Test and save").click()
    page.wait_for_url("**saved=tested**")
    assert page.locator("#test-result").inner_text() == (
        f"The test call succeeded: {server.base_url} accepted the credentials of Orders server.")
    check(page, "flows-02-connection-tested")

    page.get_by_role("link", name="Create a flow").click()
    page.wait_for_url("**/k/flows/new")
    check(page, "flows-03-new")
    template = page.locator("#template-record-to-http")
    template.get_by_label("Flow name").fill("Tell the sink")
    template.get_by_label("App ID").fill(app)
    address = template.get_by_label("Address (https://...)")
    address.fill(sink.url)
    address.press("Enter")  # the keyboard submits the template's form
    page.wait_for_url(re.compile(r"/k/flows/\d+\?saved=create$"))
    assert page.locator("#flow-state").inner_text() == "Enabled"
    assert page.get_by_text("The flow has not run yet.").is_visible()
    check(page, "flows-04-flow")

    page.evaluate("window.notReloaded = true")
    with server.admin() as admin:
        added = admin.post("/k/v1/record.json", json={"app": app, "record": {"Title": {"value": "Tea"}}})
        assert added.status_code == 200, added.text
    page.wait_for_selector("#runs tr[data-status]", timeout=LIVE)  # the run appears...
    page.wait_for_selector("#runs tr[data-status='Succeeded']", timeout=LIVE)  # ...and finishes, live
    assert page.evaluate("window.notReloaded === true")
    assert sink.wait_for(1)[0]["body"]
    assert page.locator("#live-note").inner_text() == "The run history was updated."
    check(page, "flows-05-run-finished-live")

    page.locator("#runs tr[data-status='Succeeded'] a").first.click()
    page.wait_for_url(re.compile(r"/runs/[\w-]+$"))
    assert page.locator("#run-status").inner_text() == "Succeeded"
    action = page.locator(".run-action").first
    assert action.locator("h3").inner_text() == "Call_the_endpoint"
    action.get_by_text("Inputs").click()
    assert "Tea" in action.locator("pre[aria-label='Inputs']").inner_text()
    check(page, "flows-06-run")

    page.get_by_role("button", name="Resubmit").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**saved=resubmit")
    page.evaluate("window.notReloaded = true")
    page.wait_for_selector("#run-detail[data-status='Succeeded']", timeout=LIVE)
    assert page.evaluate("window.notReloaded === true")
    assert len(sink.wait_for(2)) == 2
    check(page, "flows-07-resubmitted-run")


def test_a_kaizala_connection_by_phone_and_a_pasted_definitions_problems(page, server):  # noqa: F811
    from tests.groups.conftest import create_connector, new_number, pin_from_log

    application = create_connector(server, name="Browser flows")
    mobile = new_number()
    sign_in(page)
    page.goto("/k/flows/connections")
    form = page.locator("#kaizala")
    form.get_by_label("Mobile number").fill(mobile)
    form.get_by_label("Application ID").fill(application["applicationId"])
    form.get_by_label("Application secret").fill(application["applicationSecret"])
    form.get_by_role("button", name="Send the PIN").press("Enter")
    page.wait_for_url("**saved=pin**")
    assert page.locator("#test-result").inner_text() == f"A PIN was sent to {mobile}. Enter it below to sign in."
    check(page, "flows-08-pin-sent")
    pin = page.get_by_label(f"PIN sent to {mobile}")
    pin.fill(pin_from_log(server, mobile))
    pin.press("Enter")
    page.wait_for_url("**saved=signed-in**")
    assert "an access token" in page.locator("#test-result").inner_text()
    assert page.locator("tr[data-state='ready']").count() >= 1
    check(page, "flows-09-signed-in")

    page.goto("/k/flows/new")
    paste = page.locator("#paste")
    paste.get_by_label("Flow name").fill("Broken")
    paste.get_by_label("Definition (JSON: a Logic Apps or Power Automate definition)").fill(
        '{"triggers": {"manual": {"type": "Request", "kind": "Http"}}, "actions": {"A": {"type": "Teleport"}}}')
    paste.get_by_role("button", name="Deploy").click()
    problem = page.locator("#flow-problem")
    problem.wait_for()
    assert "definition.actions.A.type" in problem.inner_text()
    assert "Teleport" in page.locator("#paste-definition").input_value()  # what was pasted stays
    check(page, "flows-10-paste-problem")
