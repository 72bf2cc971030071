"""gunicorn settings, read from the environment (gunicorn loads ./gunicorn.conf.py by itself).

WEB_CONCURRENCY   worker processes (default 4: two per core of a small 2-core county server;
                  a page is mostly Python, which one process runs on one core at a time)
GUNICORN_THREADS  threads per worker (default 2: a thread waiting on PostgreSQL lets another
                  run). Measured with 16 clients on keep-alive connections (load_monthend.py,
                  county scale): 2 workers x 4 threads served the county pages at 150-260
                  req/s depending on how the connections happened to fall between the two
                  workers (all on one: one core); 4 x 2 at 207-272 req/s, run after run
GUNICORN_TIMEOUT  seconds before a silent worker is restarted (default 120; reports and imports
                  run as background jobs, so no page should come near it)
GUNICORN_MAX_REQUESTS  requests after which a worker is replaced (default 2000, with jitter),
                  so memory held by a large request is returned
GUNICORN_PRELOAD  load the application once in the master before forking the workers (default
                  1): a worker replaced after GUNICORN_MAX_REQUESTS starts in milliseconds
                  instead of importing Django again (~1.5 s of a core, which under load is
                  10% of a 2-core server's time), and the workers share the loaded code —
                  with the view modules, URL tables and compiled templates portal.warmup
                  builds there (a fresh worker's first page took 576 ms, then 6 ms)
GUNICORN_CMD_ARGS still overrides anything here, as gunicorn documents.
"""

import os


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("WEB_CONCURRENCY", 4)
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in ("0", "false", "no")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
