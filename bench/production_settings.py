"""config.settings.production, served from this machine for the load and fault benchmarks.

Only two things differ, both for measuring: ``ROOT_URLCONF`` adds the trivial page the
figures are compared with (bench/production_urls.py), and the collected static files may
live outside the work tree (``DX_BENCH_STATIC_ROOT``) so a benchmark never writes into it.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import STATIC_ROOT, env

ROOT_URLCONF = "production_urls"
STATIC_ROOT = env.path("DX_BENCH_STATIC_ROOT", default=STATIC_ROOT)
