"""Pilot-plant trial requests with flexible dates, and training requests."""

from flask import Blueprint

bp = Blueprint("requests", __name__)
