"""The performance benchmark of the booking engine on PostgreSQL (see bench/README.md).

Not a test: it builds its own databases, fills them with a million bookings, measures the booking
service, availability, the free-slot search and the JSON API under gunicorn, then drops them.
"""
