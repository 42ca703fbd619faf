"""Groups in a real Chromium: a member answers a poll in a group's conversation and another member,
in a second browser, sees the result and the new messages appear without reloading, also after their
connection dropped and came back. Each page passes axe-core; screenshots go to tests/output/web/."""

from __future__ import annotations

import time

import pytest

from tests.groups.conftest import create_connector, new_number
from tests.groups.conftest import signed_in as groups_signed_in
from tests.groups.test_actions import sent
from tests.web.conftest import new_user
from tests.web.test_browser import check, chromium, sign_in  # noqa: F401 - chromium is a fixture

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

POLL = {"question": "Lunch at noon?", "choices": [{"title": "Yes"}, {"title": "No"}]}


@pytest.fixture(scope="module")
def crew(server) -> dict:
    """A group made on the groups API by Alice, with Bob and Dana in it by their kinflow users' numbers."""
    alice = groups_signed_in(server, create_connector(server))
    bob_mobile, dana_mobile = new_number(), new_number()
    bob = new_user(server, name="Bob Builder", mobileNumber=bob_mobile)
    dana = new_user(server, name="Dana Driver", mobileNumber=dana_mobile)
    created = alice.client.post("/groups", json={"name": "Browser crew", "welcomeMessage": "Welcome!",
                                                 "members": [bob_mobile, dana_mobile]})
    assert created.status_code == 200, created.text
    group = created.json()["groupId"]
    assert alice.client.post(f"/groups/{group}/messages", json={"message": "Trucks at 9"}).status_code == 200
    poll = sent(alice, group, "Poll", POLL)
    sent(alice, group, "Survey", {"title": "Site check", "questions": [
        {"title": "What did you see?", "type": "Text"}, {"title": "How many trucks?", "type": "Numeric"}]})
    sent(alice, group, "Job", {"title": "Lock the gate", "assignedTo": [bob_mobile]})
    yield {"alice": alice, "bob": bob, "dana": dana, "group": group, "poll": poll}
    alice.client.close()


def _context(chromium, server):  # noqa: F811 - the fixture's value
    return chromium.new_context(base_url=server.base_url, bypass_csp=True, locale="en-US")


def test_a_vote_appears_live_in_another_members_browser(chromium, server, crew):  # noqa: F811
    bob_context, dana_context = _context(chromium, server), _context(chromium, server)
    try:
        bob, dana = bob_context.new_page(), dana_context.new_page()
        sign_in(bob, crew["bob"], "user-pw")
        sign_in(dana, crew["dana"], "user-pw")

        bob.get_by_role("link", name="Group chats").click()
        bob.wait_for_url("**/k/groups")
        check(bob, "groups-01-list")
        bob.get_by_role("link", name="Browser crew").click()
        bob.wait_for_url(f"**/k/groups/{crew['group']}")
        dana.goto(f"/k/groups/{crew['group']}")
        check(bob, "groups-02-conversation")
        dana.evaluate("window.notReloaded = true")  # gone if the page loads again

        poll = f"#m-{crew['poll']['referenceId']}"
        # Bob votes with the keyboard: the choice, then the button.
        bob.locator(poll).get_by_role("radio", name="Yes").focus()
        bob.keyboard.press("Space")
        bob.keyboard.press("Tab")
        assert bob.evaluate("document.activeElement.textContent") == "Vote"
        bob.keyboard.press("Enter")
        bob.locator(poll).get_by_text("Your vote: Yes").wait_for()
        assert bob.locator(f"{poll} .votes[data-option='Yes']").inner_text() == "1 vote"
        check(bob, "groups-03-voted")

        # Dana sees the result, without reloading.
        dana.locator(f"{poll} .votes[data-option='Yes']").filter(has_text="1 vote").wait_for(timeout=10_000)
        assert dana.evaluate("window.notReloaded") is True

        # Bob writes; Dana sees the message come in.
        bob.get_by_label("Message", exact=True).fill("Yes from the browser")
        bob.get_by_role("button", name="Send").click()
        bob.locator(".message.mine").filter(has_text="Yes from the browser").wait_for()
        assert bob.get_by_role("status").inner_text() == ""  # one's own message is no news
        assert bob.evaluate("document.activeElement.id") == "composer-text"  # ready for the next one
        dana.locator(".message").filter(has_text="Yes from the browser").wait_for(timeout=10_000)
        assert dana.get_by_role("status").inner_text() == "New messages: 1"
        check(dana, "groups-04-live")

        # Dana's connection drops; what happens meanwhile arrives once it is back.
        dana_context.set_offline(True)
        dana.wait_for_timeout(500)
        posted = crew["alice"].client.post(f"/groups/{crew['group']}/messages", json={"message": "While you were out"})
        assert posted.status_code == 200
        dana.wait_for_timeout(1_500)
        dana_context.set_offline(False)
        dana.locator(f"#m-{posted.json()['referenceId']}").filter(has_text="While you were out").wait_for(
            timeout=15_000)

        # Dana's stream ends (each lasts 30 seconds) and the next ones cannot get through for a while:
        # what is said meanwhile arrives with the first stream that does.
        refused: list[str] = []
        dana_context.route("**/stream", lambda route: (refused.append(route.request.url), route.abort()))
        deadline = time.monotonic() + 40
        while not refused and time.monotonic() < deadline:
            dana.wait_for_timeout(200)
        assert refused, "the stream never ended"
        missed = crew["alice"].client.post(f"/groups/{crew['group']}/messages", json={"message": "Missed it?"})
        assert missed.status_code == 200
        dana.wait_for_timeout(2_500)
        assert dana.locator(f"#m-{missed.json()['referenceId']}").count() == 0  # no stream, no news
        dana_context.unroute("**/stream")
        dana.locator(f"#m-{missed.json()['referenceId']}").filter(has_text="Missed it?").wait_for(timeout=15_000)
        assert len(refused) >= 2  # the browser kept trying
        assert dana.evaluate("window.notReloaded") is True
    finally:
        bob_context.close()
        dana_context.close()


def test_answer_a_survey_mark_a_job_and_comment_in_place(chromium, server, crew):  # noqa: F811
    context = _context(chromium, server)
    try:
        page = context.new_page()
        sign_in(page, crew["bob"], "user-pw")
        page.goto(f"/k/groups/{crew['group']}")
        page.evaluate("window.notReloaded = true")
        survey = page.locator(".message.card").filter(has_text="Site check")
        survey.get_by_label("How many trucks?").fill("three")
        survey.get_by_role("button", name="Respond").click()
        survey.get_by_role("alert").filter(has_text="Enter a number").wait_for()
        check(page, "groups-05-survey-refused")
        survey.get_by_label("How many trucks?").fill("3")
        survey.get_by_label("What did you see?").fill("All quiet")
        survey.get_by_role("button", name="Respond").click()
        page.locator(".message.card").filter(has_text="Site check").get_by_text("You responded.").wait_for()

        job = page.locator(".message.card").filter(has_text="Lock the gate")
        job.get_by_role("button", name="Mark as done").click()
        page.locator(".message.card").filter(has_text="Lock the gate").get_by_text("The job is completed.").wait_for()

        hello = page.locator(".message").filter(has_text="Trucks at 9")
        hello.get_by_role("button", name="Like (0)").click()
        page.locator(".message").filter(has_text="Trucks at 9").get_by_role("button", name="Like (1)").wait_for()
        hello = page.locator(".message").filter(has_text="Trucks at 9")
        hello.get_by_text("Comment or reply").click()
        hello.get_by_label("Reply").fill("On it")
        hello.get_by_role("button", name="Reply").click()
        page.locator(".message.mine").filter(has_text="On it").get_by_role("link", name="In reply to").wait_for()
        assert page.evaluate("window.notReloaded") is True
        check(page, "groups-06-answered")
    finally:
        context.close()
