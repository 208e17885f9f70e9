"""Bench only: the application with the access policy's decisions and the access log's writes
replaced by stand-ins that allow everything and write nothing (see bench/access_stand_ins.py).

The "without" server of bench/access_overhead.py: `gunicorn bench.wsgi_without_access`. Never
deployed; the application itself has no switch to turn the policy off.
"""

import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application = get_wsgi_application()

from bench.access_stand_ins import install  # noqa: E402 - needs the application loaded

PATCHES = install()
print(
    f"bench.wsgi_without_access: {len(PATCHES)} references replaced: "
    + ", ".join(f"{p.module}.{p.name}" for p in PATCHES),
    file=sys.stderr,
    flush=True,
)
