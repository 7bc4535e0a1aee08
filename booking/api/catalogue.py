"""Resources, their opening hours, blackouts and qualifications."""

OPENAPI_PATHS: dict = {}
OPENAPI_SCHEMAS: dict = {}
