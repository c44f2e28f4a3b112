"""Entry points for gunicorn: ``service.wsgi:app`` (plain WSGI) and ``service.wsgi:front`` (what run.sh serves).

``front`` is the same application behind an event loop: gunicorn's uvicorn worker reads each request on
asyncio and hands it to one of ``THREADS`` threads only once its headers have all arrived, so a client
that sends them a byte at a time holds a socket, not a thread, and cannot starve the others.
"""
import os

from a2wsgi import WSGIMiddleware

from . import create_app
from .operations.documents import warm_up_templates

app = create_app()
# Each worker prepares the Word templates when it starts, not on its first request.
warm_up_templates()
front = WSGIMiddleware(app, workers=int(os.environ.get("THREADS", "4")))
