"""Booking pages: the booking form, the week calendar, my bookings, finding a free slot."""

from flask import Blueprint

bp = Blueprint("bookings", __name__)
