"""Security headers on every response: pages, the API, feeds, static files and error pages.

The pages load nothing but the app's own stylesheets and one script file (booking/static), with no
inline script, style attribute or event handler (tests/web/test_security_headers.py checks the
templates), so the Content-Security-Policy allows only 'self' and forbids framing. Mails are no
concern of it: mail clients show them, not the site, and HTML mail needs its inline styles
(templates/mail/).

A small after_request rather than flask-talisman: Talisman's last release (1.1.0) is from 2023,
and beyond headers it redirects to HTTPS and rewrites the session cookie's flags, which are the
TLS proxy's and config.py's business here; the headers themselves are a fixed list.
"""

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Features the app does not use, off for it and for anything it might ever embed. Only names
# that browsers know: an unknown one is an error in the browser's console.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # Browsers older than frame-ancestors.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Addresses never leave the site: feed and resource-feed links carry secrets, and nothing
    # elsewhere needs to know where a visitor came from. Same-origin requests keep the referrer,
    # which sends a refused form back to its page (booking/errors.py).
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    # No other site's window keeps a handle on ours, nor embeds our files.
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    headers = dict(SECURITY_HEADERS)
    # Production only (config.py): a development server on plain HTTP must stay reachable.
    if app.config.get("STRICT_TRANSPORT_SECURITY"):
        headers["Strict-Transport-Security"] = app.config["STRICT_TRANSPORT_SECURITY"]

    # Flask runs it for error pages and problem+json answers too, and for 404 and 405.
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
