"""The HTTP layer: routes parse a request, call one domain function and render the answer."""
