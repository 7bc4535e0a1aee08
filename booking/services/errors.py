"""Typed errors that services raise; the web layer and the API translate them for people."""


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, detail: str = ""):
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The thing does not exist, or the acting user may not know that it does."""


class Forbidden(DomainError):
    """The acting user sees the thing but may not do this with it."""


class InvalidInput(DomainError):
    """Well-formed input whose fields are invalid; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class Conflict(DomainError):
    """The request contradicts the current state (a duplicate name, a resource still in use)."""
