"""gunicorn settings for Brukarenkät: `gunicorn -c gunicorn.conf.py` (README, Deploying).

One source of truth for the deploy command; the tests run exactly this file. Override any
setting on the command line after `-c gunicorn.conf.py` (e.g. `--bind`, `--certfile`).
"""

import os

wsgi_app = "survey:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not the sync worker: a browser opens several connections at once and keeps idle
# ones (preconnect, keep-alive); one of those would hold a sync worker until it times out.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Access log: time, method, status, bytes and duration — never the client address, the path
# (it carries the respondent's token) or the Referer (SPEC §8).
accesslog = "-"
access_log_format = '%(t)s "%(m)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
# No runtime control socket: nothing needs it, and it would be one more way in.
control_socket_disable = True

# The app decides whom to trust with X-Forwarded-* (TRUSTED_PROXY_HOPS, werkzeug's ProxyFix);
# gunicorn's own X-Forwarded-Proto handling would be a second, differently configured rule.
secure_scheme_headers: dict[str, str] = {}


def on_starting(server):
    storage = os.environ.get("RATELIMIT_STORAGE_URL", "memory://")
    if server.cfg.workers > 1 and storage.startswith("memory://"):
        server.log.warning(
            "RATELIMIT_STORAGE_URL is %s: each of the %d workers counts code-entry attempts "
            "on its own, so the limit is %d times too high. Use redis://… with several workers.",
            storage,
            server.cfg.workers,
            server.cfg.workers,
        )
