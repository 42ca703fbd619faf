"""The HTTP layer of Groups: Kaizala's REST API under `/kaizala/v1/`, and the connector administration
under `/kinflow/v1/groups/`. Handlers parse, call one domain function, render."""
