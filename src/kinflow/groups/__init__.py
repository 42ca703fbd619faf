"""Groups: the Kaizala-compatible group-messaging domain (connectors, phone sign-in, groups, members,
messages). No HTTP here: `kinflow.api.kaizala` parses requests and renders what these modules return."""
