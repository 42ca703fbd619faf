"""The operations of the two connectors' seeds (the Power Platform's reference pages of the kintone
and Microsoft Kaizala connectors), as tables: each operation's summary, whether it is a trigger, its
parameters as (key, required, type, name) and the Definition it returns. The connector files must match.

kintone's page names no operation ids; they are those of its connector (version 1.2)."""

BODY = ("Request body of record", False, "dynamic", "Request body of record")
APP = ("app", True, "string", "App ID")

KINTONE = {
    "AddRecord": ("Add a record to an app", False, [BODY], None),
    "UpdateRecord": ("Update a record in an app", False, [BODY], None),
    "AddWebhookForUpdatingStatus": ("When a process management status is updated", True, [APP], None),
    "AddWebhookForAddingRecordComment": ("When a record comment is posted on an app", True, [APP],
                                         "AddRecordCommentWebhookNotificationResponse"),
    "webhook-trigger": ("When a record is added to an app", True, [APP], None),
    "AddWebhookForDeletingRecord": ("When an app record is deleted", True, [APP],
                                    "DeleteRecordWebhookNotificationResponse"),
    "AddWebhookForUpdatingRecord": ("When an app record is updated", True, [APP], None),
}

KINTONE_DEFINITIONS = {
    "DeleteRecordWebhookNotificationResponse": ["id", "recordId", "deletedAt", "deletedBy.code", "deletedBy.name"],
    "AddRecordCommentWebhookNotificationResponse": [
        "id", "recordId", "comment.createdAt", "comment.creator.code", "comment.creator.name", "comment.id",
        "comment.mentions", "comment.mentions.code", "comment.mentions.type", "comment.text", "url"],
    "WebhookIdInWebhookNotificationResponse": [],
}

GROUP = ("groupId", True, "string", "Group")
OBJECT = ("objectId", True, "string", "Group")
SEND_TO_ALL = ("sendToAll", False, "string", "Send to all Subscribers")
NEW_GROUP = [
    ("Name", True, "string", "Group Name"),
    ("WelcomeMessage", True, "string", "Welcome Message"),
    ("Members", False, "string", "Members"),
    ("GroupType", False, "string", "Group Type"),
    ("ShortDescriptionString", False, "string", "Short Description"),
    ("LongDescriptionString", False, "string", "Long Description"),
]

KAIZALA = {
    "AddGroupToGroup": ("Add an existing group as subgroup", False, [
        GROUP,
        ("SubGroups", True, "array of string", "SubGroups"),
    ], None),
    "AddSubscriberToGroup": ("Add subscriber to group", False, [
        GROUP,
        ("subscribers", True, "string", "Subscribers"),
    ], None),
    "AddUserToGroup": ("Add user to group", False, [
        GROUP,
        ("Members", True, "string", "Members"),
    ], None),
    "CreateGroup": ("Create a group", False, [
        *NEW_GROUP,
    ], "CreateGroupResponse"),
    "CreateSubgroup": ("Create a subgroup", False, [
        GROUP,
        *NEW_GROUP,
    ], None),
    "DeleteTrigger": ("Deletes a webhook", False, [
        ("webhookId", True, "string", "Delete Webhook Subscription."),
    ], None),
    "PostReaction": ("Post like or comment to a message", False, [
        GROUP,
        ("SourceGroupId", False, "string", "Source Group Id"),
        ("ReferenceId", False, "string", "Message Id"),
        ("ReactionType", False, "string", "Reaction Type"),
        ("Comment", False, "string", "Comment"),
    ], "PostReactionResponse"),
    "RemoveGroupFromGroup": ("Remove a subgroup from group", False, [
        GROUP,
        ("subGroupId", True, "string", "Sub-group Identifier"),
    ], None),
    "RemoveUserFromGroup": ("Remove user from a group", False, [
        GROUP,
        ("memberId", True, "string", "Select a member"),
    ], None),
    "SendActions": ("Send action on a group", False, [
        GROUP,
        ("actionType", False, "string", "Action"),
        ("id", False, "string", "Action Package"),
        ("request", True, "dynamic", "request"),
        SEND_TO_ALL,
    ], "SendActionResponse"),
    "SendActions_v2": ("Send action on a group", False, [
        GROUP,
        ("actionType", False, "string", "Action"),
        ("request", True, "dynamic", "request"),
        SEND_TO_ALL,
    ], "SendActionResponse"),
    "SendActionReminder": ("Send action reminder on a group", False, [
        GROUP,
        ("actionType", True, "string", "Action Types"),
        ("request", False, "dynamic", "request"),
        SEND_TO_ALL,
    ], "SendActionResponse"),
    "SendReply": ("Send reply to a message", False, [
        GROUP,
        ("replyToReferenceId", True, "string", "Message Id"),
        ("message", True, "string", "Message"),
    ], "SendMessageResponse"),
    "SendMessage": ("Send text message to a group", False, [
        GROUP,
        ("Message", True, "string", "Message"),
        ("subscribers", False, "string", "Subscribers"),
        SEND_TO_ALL,
    ], "SendMessageResponse"),
    "UploadMediaFileContent": ("Upload a media file", False, [
        ("fileContent", True, "file", "File Content"),
    ], "UploadMediaResponse"),
    "UploadMediaFromAttachment": ("Upload media from attachment", False, [
        ("fileContent", True, "object", "Media file"),
    ], "UploadMediaResponse"),
    "UploadMediaFromURL": ("Upload media from url", False, [
        ("mediaUrl", True, "string", "Media url"),
    ], "UploadMediaResponse"),
    "ActionCreatedOnGroup": ("When a custom action is sent in a group", True, [
        OBJECT,
        ("actionPackageId", False, "string", "Action Package"),
    ], "ActionCreatedSchema"),
    "GroupAddedToGroup": ("When a group is added as a member to a group", True, [
        OBJECT,
    ], "GroupAddedSchema"),
    "GroupRemovedFromGroup": ("When a group is removed as a member to a group", True, [
        OBJECT,
    ], "GroupRemovedSchema"),
    "MemberAddedToGroup": ("When a member is added to a group", True, [
        OBJECT,
    ], "MemberAddedSchema"),
    "MemberRemovedFromGroup": ("When a member is removed from a group", True, [
        OBJECT,
    ], "MemberRemovedSchema"),
    "SurveyCreatedOnGroup": ("When a survey is sent in a group", True, [
        OBJECT,
    ], "SurveyCreatedSchema"),
    "TextMessageCreatedOnGroup": ("When a text message is sent on a group", True, [
        OBJECT,
    ], None),
    "UserJoinedOnGroup": ("When an existing group member registers on Kaizala for the first time", True, [
        OBJECT,
    ], "UserJoinedSchema"),
    "ActionResponseOnGroup": ("When someone responds to a custom action", True, [
        GROUP,
        ("actionPackageId", True, "string", "Action Package"),
        ("objectId", True, "string", "Action"),
    ], None),
    "SurveyResponseOnGroup": ("When someone responds to a survey", True, [
        GROUP,
        ("objectId", True, "string", "Survey"),
    ], None),
    "AnnouncementOnGroup": ("When there is an announcement sent in a group", True, [
        OBJECT,
    ], "AnnouncementSchema"),
    "AttachmentOnGroup": ("When there is an attachment sent in a group", True, [
        OBJECT,
    ], "AttachmentSchema"),
}

KAIZALA_DEFINITIONS = {
    "SendMessageResponse": ["referenceId"],
    "SendActionResponse": ["referenceId", "actionId"],
    "CreateGroupResponse": ["groupId"],
    "UploadMediaResponse": ["mediaResource"],
    "PostReactionResponse": ["ReactionId"],
    "AnnouncementSchema": [
        "text", "title", "media", "mediaContent", "fromUser", "fromUserName", "fromUserProfilePic", "groupId",
        "sourceGroupId", "messageId", "fromUserId",
    ],
    "AttachmentSchema": [
        "caption", "actionType", "media", "mediaContent", "fromUser", "fromUserName", "fromUserProfilePic",
        "groupId", "sourceGroupId", "messageId", "fromUserId",
    ],
    "ActionCreatedSchema": [
        "actionTitle", "fromUser", "fromUserName", "fromUserProfilePic", "groupId", "actionId", "fromUserId",
    ],
    "GroupAddedSchema": [
        "groupId", "groupName", "groupPicUrl", "groupType", "fromUser", "fromUserName", "fromUserProfilePic",
    ],
    "GroupRemovedSchema": [
        "groupId", "groupName", "groupPicUrl", "groupType", "fromUser", "fromUserName", "fromUserProfilePic",
    ],
    "MemberAddedSchema": [
        "member", "memberName", "memberProfilePic", "type", "fromUser", "fromUserName", "fromUserProfilePic",
    ],
    "MemberRemovedSchema": [
        "member", "memberName", "memberProfilePic", "type", "fromUser", "fromUserName", "fromUserProfilePic",
    ],
    "SurveyCreatedSchema": [
        "surveyTitle", "fromUser", "fromUserName", "fromUserProfilePic", "groupId", "actionId", "fromUserId",
    ],
    "TextMessageCreatedSchema": [
        "textMessage", "fromUser", "fromUserName", "fromUserProfilePic", "groupId", "sourceGroupId", "messageId",
        "isReply", "originalMessageId", "fromUserId",
    ],
    "UserJoinedSchema": ["fromUser", "fromUserName", "fromUserProfilePic", "fromUserId", "groupId"],
}
