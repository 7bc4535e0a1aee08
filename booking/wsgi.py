"""The application for a WSGI server: `gunicorn booking.wsgi:app`, `flask --app booking.wsgi`.

In a source checkout the top-level wsgi.py gives the same as `wsgi`.
"""

import gc

from booking import create_app

app = create_app()
# What start-up built (configuration, templates, the models' metadata) lives as long as the
# process. Frozen, it is left out of the garbage collector's full passes, which would otherwise
# rescan it again and again while requests run: a third of a whole-catalogue search went there.
gc.collect()
gc.freeze()
