"""Behind reverse proxies (a TLS terminator, a load balancer): which X-Forwarded-* to believe.

`TRUSTED_PROXIES` is the number of proxies in front of the app, each of which appends its hop to
X-Forwarded-For, -Proto, -Host and -Port. With it, werkzeug's ProxyFix reads the client's address,
the scheme, the host and the port that many hops back: `request.remote_addr` is the client's, and
links built in a request (`url_for(..., _external=True)`: feed addresses, their webcal form, mails
rendered in a request) are `https://` when the proxy speaks TLS to the browser. With SERVER_NAME
set (production) the links' host is always SERVER_NAME, whatever X-Forwarded-Host says.

0, the default, believes none of these headers: any client can send them, and trusting them
without a proxy that overwrites them would let it choose the address it is counted under and the
scheme of its links.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trusted_proxies(value: object) -> int:
    """The setting as a number of proxies; RuntimeError for anything but a whole number >= 0."""
    try:
        count = int(str(value).strip())
    except ValueError:
        count = -1
    if count < 0:
        raise RuntimeError(
            f"TRUSTED_PROXIES must be the number of proxies in front of the app (0 for none), "
            f"not {value!r}."
        )
    return count


def init_app(app: Flask) -> None:
    count = trusted_proxies(app.config.get("TRUSTED_PROXIES", 0))
    if count:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
