"""One booking as an iCalendar event."""

OPENAPI_PATHS: dict = {}
OPENAPI_SCHEMAS: dict = {}
