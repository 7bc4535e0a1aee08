"""How errors are answered: problem+json under /api/, pages everywhere else."""

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from booking.api.problems import ApiProblem, domain_problem, is_api_request, problem_response
from booking.extensions import db
from booking.services.errors import DomainError, Forbidden, NotFound

ERROR_PAGES = {403: "errors/403.html", 404: "errors/404.html", 405: "errors/404.html"}
# Long enough for a restarted database or a fail-over to answer again.
DATABASE_RETRY_AFTER_SECONDS = 5


def _page(status: int, detail: str = "", headers: dict[str, str] | None = None):
    template = ERROR_PAGES.get(status, "errors/500.html")
    return render_template(template, status=status, detail=detail), status, headers or {}


def _headers_of(error: HTTPException) -> dict[str, str]:
    """The headers that the status code calls for (Allow on a 405, ...), without the body's."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiProblem)
    def _api_problem(error: ApiProblem):
        return problem_response(error.status, error.title, error.detail, **error.extra)

    # Also catches unknown URLs, wrong methods, bodies over MAX_CONTENT_LENGTH and unexpected
    # failures (as a 500).
    @app.errorhandler(HTTPException)
    def _http_exception(error: HTTPException):
        status = error.code or 500
        if is_api_request():
            response = problem_response(status, error.name, error.description or "")
            response.headers.update(_headers_of(error))
            return response
        if status in ERROR_PAGES or status >= 500:
            return _page(status, headers=_headers_of(error))
        return error

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        if is_api_request():
            return domain_problem(error)
        if isinstance(error, NotFound):
            return _page(404, error.detail)
        if isinstance(error, Forbidden):
            return _page(403, error.detail)
        flash(error.detail, "error")
        return redirect(request.referrer or url_for("catalogue.index"))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(error: Exception):
        """A lost connection, a database that is down, locked or out of connections: nothing
        was written (the transaction is rolled back), so the client may simply try again."""
        if isinstance(error, DBAPIError) and not (
            isinstance(error, OperationalError) or error.connection_invalidated
        ):
            raise error  # a fault of ours, answered as any other (500, and logged)
        current_app.logger.warning("Database unavailable: %s", error)
        db.session.rollback()
        retry = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
        if is_api_request():
            response = problem_response(
                503,
                "Service Unavailable",
                "The database is unavailable or busy right now; please try again.",
            )
            response.headers.update(retry)
            return response
        return _page(503, headers=retry)
