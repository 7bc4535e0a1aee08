"""Managers' pages: the approval queue, statements."""

from flask import Blueprint

bp = Blueprint("approvals", __name__, url_prefix="/manage")
