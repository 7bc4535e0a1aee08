"""Bookings and availability."""

OPENAPI_PATHS: dict = {}
OPENAPI_SCHEMAS: dict = {}
