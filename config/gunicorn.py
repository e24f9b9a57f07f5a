"""gunicorn settings of the web service: `gunicorn -c python:config.gunicorn config.wsgi`.

The image's entrypoint, the systemd unit of docs/deployment.md and the smoke test all start gunicorn
with this file, so they cannot drift apart.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = "-"
errorlog = "-"
# gunicorn >= 25.1 opens a control socket for `gunicornc` under $HOME/.gunicorn; the app user's home
# (/app in the image) is read-only, which logged "Control server error: Permission denied" on every
# start. Nothing here uses gunicornc.
control_socket_disable = True
# Whose X-Forwarded-* headers gunicorn believes (Django reads X-Forwarded-Proto itself).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
