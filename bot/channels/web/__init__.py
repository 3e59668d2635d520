"""The web information point: the same engine in a browser (Starlette + jinja2)."""

CHANNEL = "web"
