"""Administration of organisations and users, and the user's own profile."""

from flask import Blueprint, render_template

bp = Blueprint("admin", __name__)


@bp.get("/profile")
def profile():
    return render_template("errors/404.html")


@bp.get("/admin/users")
def users():
    return render_template("errors/404.html")
