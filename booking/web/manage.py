"""Managers' pages: resources, opening hours, blackouts."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")
