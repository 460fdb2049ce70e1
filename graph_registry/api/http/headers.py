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

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeaders:
    """ASGI middleware adding the headers above to what the app answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)
