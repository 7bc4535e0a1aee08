"""RFC 9457 problem details for every error the API answers."""

from flask import jsonify, request

from booking.services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class ApiProblem(Exception):
    """An error answered as problem+json; `extra` members are added to the body."""

    def __init__(self, status: int, title: str, detail: str = "", **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(
    status: int, title: str, detail: str = "", *, type: str = "about:blank", **extra
):
    body = {"type": type, "title": title, "status": status, "detail": detail}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def domain_problem(error: DomainError):
    if isinstance(error, NotFound):
        return problem_response(404, "Not Found", error.detail)
    if isinstance(error, Forbidden):
        return problem_response(403, "Forbidden", error.detail)
    if isinstance(error, InvalidInput):
        return problem_response(422, "Invalid Input", error.detail, errors=error.errors)
    if isinstance(error, Conflict):
        return problem_response(409, "Conflict", error.detail)
    return problem_response(400, "Bad Request", error.detail)


def is_api_request() -> bool:
    return request.path.startswith("/api/")
