"""gunicorn settings for one web node (systemd's city-web@PORT, compose's web, run-prod).

Everything site-specific comes from the environment, so the same file serves every layout:
  GUNICORN_BIND      address to listen on (default 127.0.0.1:8000)
  GUNICORN_WORKERS   sync worker processes (default 2 x CPUs + 1)
  GUNICORN_ACCESS_LOG / GUNICORN_ERROR_LOG   file paths, or "-" for stdout/stderr (default)
"""

import multiprocessing
import os

wsgi_app = "cityplatform.wsgi:application"
pythonpath = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "platform")
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# nginx buffers slow clients, so a sync worker only waits on the database.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: a connection that touched hundreds of schemas holds a large
# catalog cache (see CONN_MAX_AGE in the settings).
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms host=%({host}i)s'
# Only nginx on this host (or the compose network) talks to gunicorn; trust its headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "city-web")
