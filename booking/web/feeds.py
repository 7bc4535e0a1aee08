"""Calendar feeds (iCalendar): a personal secret feed per user, and resource feeds."""

from flask import Blueprint

bp = Blueprint("feeds", __name__, url_prefix="/calendar")
