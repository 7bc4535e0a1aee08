"""How errors are answered: problem+json under /api/, pages everywhere else."""

from flask import Flask, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from booking.api.problems import ApiProblem, domain_problem, is_api_request, problem_response
from booking.services.errors import DomainError, Forbidden, NotFound

ERROR_PAGES = {403: "errors/403.html", 404: "errors/404.html", 405: "errors/404.html"}


def _page(status: int, detail: str = ""):
    template = ERROR_PAGES.get(status, "errors/500.html")
    return render_template(template, status=status, detail=detail), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiProblem)
    def _api_problem(error: ApiProblem):
        return problem_response(error.status, error.title, error.detail, **error.extra)

    # Also catches unknown URLs, wrong methods and unexpected failures (as a 500).
    @app.errorhandler(HTTPException)
    def _http_exception(error: HTTPException):
        status = error.code or 500
        if is_api_request():
            return problem_response(status, error.name, error.description or "")
        if status in ERROR_PAGES or status >= 500:
            return _page(status)
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
