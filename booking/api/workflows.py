"""Approvals queue, pilot-plant trial requests, training requests, statements and audit history."""

OPENAPI_PATHS: dict = {}
OPENAPI_SCHEMAS: dict = {}
