"""Reactions over HTTP (reactions.md): likes and comments on a message, summaries per message and per
group, and details of one kind a page at a time with a cursor."""

from __future__ import annotations

from tests.groups.conftest import signed_in
from tests.groups.test_groups import make_group


def test_like_comment_and_read_the_summaries(alice, server, connector):
    bob = signed_in(server, connector)
    group_id = make_group(alice, members=[bob.mobile])
    first = alice.client.post(f"/groups/{group_id}/messages", json={"message": "First"}).json()["referenceId"]
    second = alice.client.post(f"/groups/{group_id}/messages", json={"message": "Second"}).json()["referenceId"]
    liked = bob.client.post(f"/groups/{group_id}/reaction", json={
        "referenceId": first, "sourceGroupId": group_id, "reactionType": "Like"})
    assert liked.status_code == 200, liked.text
    assert set(liked.json()) == {"reactionId"}
    again = bob.client.post(f"/groups/{group_id}/reaction", json={"referenceId": first, "reactionType": "Like"})
    assert again.json() == liked.json()  # one like per person
    for text in ("Nice", "Agreed"):
        assert alice.client.post(f"/groups/{group_id}/reaction", json={
            "referenceId": first, "reactionType": "Comment", "comment": text}).status_code == 200
    alice.client.post(f"/groups/{group_id}/reaction", json={"referenceId": second, "reactionType": "Like"})

    summary = alice.client.get(f"/groups/{group_id}/reaction/{first}/summary", params={"sourceGroupId": group_id})
    assert summary.json() == {"summary": [{"referenceId": first, "reactionsCountMap": {"like": 1, "comment": 2}}]}
    everything = alice.client.get(f"/groups/{group_id}/reaction/summary", params={"sourceGroupId": group_id}).json()
    assert [s["referenceId"] for s in everything["summary"]] == [first, second]
    later = alice.client.get(f"/groups/{group_id}/reaction/summary", params={"cursor": str(everything["cursor"])}).json()
    assert later["summary"] == []

    comments = alice.client.get(f"/groups/{group_id}/reaction/{first}",
                                params={"reactionType": "Comment", "sourceGroupId": group_id}).json()
    assert [c["comment"] for c in comments["reactionDetails"]] == ["Nice", "Agreed"]
    assert all(set(c) == {"reactionId", "userId", "lastModifiedTime", "comment"} for c in comments["reactionDetails"])
    likes = alice.client.get(f"/groups/{group_id}/reaction/{first}", params={"reactionType": "Like"}).json()
    assert [like["reactionId"] for like in likes["reactionDetails"]] == [liked.json()["reactionId"]]
    assert alice.client.get(f"/groups/{group_id}/reaction/{first}", params={
        "reactionType": "Comment", "cursor": str(comments["cursor"])}).json()["reactionDetails"] == []


def test_reactions_are_checked(alice, server, connector):
    group_id = make_group(alice)
    message = alice.client.post(f"/groups/{group_id}/messages", json={"message": "Hi"}).json()["referenceId"]
    react = lambda **body: alice.client.post(f"/groups/{group_id}/reaction", json={"referenceId": message, **body})  # noqa: E731
    assert react(reactionType="Comment").status_code == 400  # a comment needs its text
    assert react(reactionType="Love").status_code == 400
    assert react(reactionType="Comment", comment="x" * 4001).status_code == 400
    assert alice.client.post(f"/groups/{group_id}/reaction", json={"referenceId": "nope", "reactionType": "Like"}).status_code == 404
    other = make_group(alice)
    assert react(reactionType="Like", sourceGroupId=other).status_code == 400  # not a parent of this group
    stranger = signed_in(server, connector)
    assert stranger.client.post(f"/groups/{group_id}/reaction",
                                json={"referenceId": message, "reactionType": "Like"}).status_code == 403
    assert alice.client.get(f"/groups/{group_id}/reaction/summary", params={"cursor": "yesterday"}).status_code == 400
