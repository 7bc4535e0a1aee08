"""The catalogue: resources with search and facets, resource pages, organisation pages."""

from flask import Blueprint, render_template

bp = Blueprint("catalogue", __name__)


@bp.get("/")
def index():
    return render_template("errors/404.html")


@bp.get("/organisations")
def organisations():
    return render_template("errors/404.html")
