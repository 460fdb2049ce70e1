"""Security headers: nosniff on every response; a Content-Security-Policy and no framing for HTML.

The pages (GraphiQL at /graphql, the lineage view at /ui) load only their own
bundled assets (api/http/web.py), so the policy allows scripts from this origin
alone, no inline or evaluated script. Styles may be inline: GraphiQL's
editor (Monaco) and React Flow write <style> elements and style attributes at
run time. Images and fonts may be data:/blob: URLs (icons, the PNG export of
the lineage view); the editor's workers come from /assets. No page may be
framed (clickjacking): `frame-ancestors 'none'`, and X-Frame-Options for
browsers that predate it.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_HTML = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


def secure(headers: list[tuple[bytes, bytes]]) -> None:
    """Adds to a response's raw headers (lower-case names, as ASGI responses carry them) those above
    it does not set itself; api/http/guard.py applies it to every HTTP response."""
    present = {name for name, _ in headers}
    html = next((value for name, value in headers if name == b"content-type"), b"").startswith(b"text/html")
    for name, value in (_NOSNIFF, *(_HTML if html else ())):
        if name not in present:
            headers.append((name, value))
