"""The HTML interface: server-rendered pages over the same domain calls as the REST API."""
