"""How run.sh serves the application: ``gunicorn -c service/gunicorn.conf.py --bind HOST:PORT``.

The uvicorn worker reads every request on an event loop and hands it, complete, to one of the app's
``THREADS`` threads (service/wsgi.py), so connections that dribble their headers cost a socket each and
never a thread. Tests that start the service as run.sh does use this file too.
"""
import os

wsgi_app = "service.wsgi:front"
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("WORKERS", "2"))
accesslog = "-"
