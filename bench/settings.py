"""Settings of the benchmark server: the application's own, plus the floor view.

Until parcours/urls.py serves /_bench/floor/ (when PARCOURS_BENCH_FLOOR is true), the benchmark
server adds it through bench.urls. Never used outside bench/department.py.
"""

from parcours.settings import *  # noqa: F403

PARCOURS_BENCH_FLOOR = True
ROOT_URLCONF = "bench.urls"
