"""Connectors: Power Platform definitions (Swagger 2.0 with `x-ms-*` extensions) and the one generic
runtime that calls any of their operations over HTTP."""
