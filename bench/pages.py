"""Server time of the product's pages at national scale, per role, on PostgreSQL.

    .venv/bin/python bench/pages.py [--repeat N] [--warmup N] [--regenerate] [--json FILE]
                                    [--only TEXT]

Uses the dx_bench database of bench/rollup.py (generated with its ``database_recreate()`` and
``generate()`` when it is missing or empty, or always with ``--regenerate``), makes sure the
progress snapshots exist, creates three users (an official, the manager of the park with the
most enterprises, the reporter of one enterprise), then requests each page of ``PAGES`` below
in-process with Django's test client: warm-up requests first, then N timed ones. A request's
time is the wall time of ``client.get`` (server time only: no network, no browser); its
queries are counted with ``CaptureQueriesContext``.

Two pages added by this script only give the floor in the same run: ``/bench/trivial/``
renders a template string (session, user, middleware, context processors) and
``/bench/sql-floor/`` does the same plus one trivial ORM query. The final table divides each
page's median by the trivial page's.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import time
import traceback
import types
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import production  # noqa: E402 - bench/production.py, beside this file

OFFICIAL, PARK_MANAGER, ENTERPRISE = "official", "park_manager", "enterprise"
DISTRICT, ANONYMOUS = "district_official", "anonymous"
EVERYONE = (OFFICIAL, PARK_MANAGER, ENTERPRISE)

# The pages, with the roles that request them. A path may name, resolved at start-up:
#   {park_report}  a submitted report of the park manager's park (latest quarter first)
#   {own_report}   the reporter's own latest report
#   {period}       the latest quarter that has reports, as YYYYQn
#   {park}         the park manager's park code; {district} its district's code
#   {enterprise}   the reporter's enterprise's USCC
# A page a role may not open is still timed and shown with its status (403, 404, 302...).
PAGES: list[tuple[str, tuple[str, ...]]] = [
    ("/", EVERYONE),
    ("/progress/", EVERYONE),
    ("/progress/figures/", (OFFICIAL, PARK_MANAGER)),
    ("/progress/targets/SH23-SCENARIO/", EVERYONE),
    ("/progress/targets/SH23-TALENT-HIGH/", (OFFICIAL, PARK_MANAGER)),
    ("/progress/targets/CN25-COVERAGE/", (OFFICIAL, PARK_MANAGER)),
    ("/progress/targets/SH23-SF-BENCH/", (OFFICIAL,)),
    ("/progress/parks/{park}/", (OFFICIAL, PARK_MANAGER, DISTRICT)),
    ("/progress/districts/{district}/", (OFFICIAL, DISTRICT)),
    ("/progress/compare/", (OFFICIAL,)),
    ("/progress/maturity/", (OFFICIAL,)),
    ("/progress/enterprises/{enterprise}/", EVERYONE),
    ("/progress/manage/", (OFFICIAL,)),
    ("/progress/manage/designations/", (OFFICIAL,)),
    ("/progress/manage/allocations/SH23-SCENARIO/", (OFFICIAL,)),
    ("/progress/manage/publications/", (OFFICIAL,)),
    ("/public/", (ANONYMOUS,)),
    ("/api/v1/public/progress/", (ANONYMOUS,)),
    ("/exchange/exports/", (OFFICIAL, PARK_MANAGER)),
    ("/exchange/imports/", (OFFICIAL,)),
    ("/reports/review/", (OFFICIAL, PARK_MANAGER)),
    ("/reports/all/", (OFFICIAL, PARK_MANAGER, DISTRICT)),
    ("/reports/{park_report}/", (OFFICIAL,)),
    ("/reports/{own_report}/", (ENTERPRISE,)),
    ("/reports/completeness/", (*EVERYONE, DISTRICT)),
    ("/reports/", (ENTERPRISE,)),
    ("/api/v1/progress/?scope=all", (*EVERYONE, DISTRICT)),
    ("/api/v1/progress/", EVERYONE),
    ("/api/v1/submissions/?period={period}", EVERYONE),
]
TRIVIAL = "/bench/trivial/"
SQL_FLOOR = "/bench/sql-floor/"
FLOOR_ROLE = OFFICIAL
USERNAMES = {
    OFFICIAL: "bench-official",
    PARK_MANAGER: "bench-park-manager",
    ENTERPRISE: "bench-enterprise",
    DISTRICT: "bench-district-official",
}


def rollup_module() -> types.ModuleType:
    """bench/rollup.py, imported by path; importing it points DATABASE_URL at dx_bench."""
    spec = importlib.util.spec_from_file_location("bench_rollup", HERE / "rollup.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rollup = rollup_module()
# Mirror bench/rollup.py, but force what would distort timings: DEBUG keeps a query log.
os.environ["DATABASE_URL"] = f"{rollup.SERVER}/{rollup.DB}"
os.environ.pop("CELERY_BROKER_URL", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
os.environ["DJANGO_DEBUG"] = "0"
os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
_hosts = [host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host]
os.environ["DJANGO_ALLOWED_HOSTS"] = ",".join(
    _hosts + [host for host in ("testserver", "127.0.0.1", "localhost") if host not in _hosts]
)


@dataclass
class Result:
    path: str
    role: str
    statuses: list[int] = field(default_factory=list)
    timings_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    warmup_queries: list[int] = field(default_factory=list)
    error: str | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms) if self.timings_ms else math.nan

    @property
    def p95_ms(self) -> float:
        """Nearest rank: the 19th of 20."""
        if not self.timings_ms:
            return math.nan
        ordered = sorted(self.timings_ms)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]

    @property
    def status(self) -> int | None:
        return self.statuses[-1] if self.statuses else None

    def line(self) -> str:
        queries = max(self.queries) if self.queries else 0
        text = (
            f"page {self.path} [{self.role}]: median {self.median_ms:.1f} ms, "
            f"p95 {self.p95_ms:.1f} ms, queries {queries}"
        )
        if self.queries and min(self.queries) != queries:
            text += f" (varies {min(self.queries)}-{queries})"
        codes = sorted(set(self.statuses))
        if codes != [200]:
            text += "  <-- status " + "/".join(str(code) for code in codes)
        if self.error:
            text += f"  <-- {self.error}"
        return text

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(median_ms=self.median_ms, p95_ms=self.p95_ms, status=self.status)
        return data


# --- database ---------------------------------------------------------------------------


def database_loaded() -> bool:
    """Whether dx_bench exists and holds generated reports."""
    return bool(production.database_has_reports(rollup.DB))


def database_prepare(regenerate: bool) -> None:
    if regenerate or not database_loaded():
        say(f"generating {rollup.DB} with bench/rollup.py's generator (about a minute)...")
        started = time.perf_counter()
        # Its own process: the generator's frames would otherwise stay in this one's heap.
        subprocess.run([sys.executable, __file__, "--generate-only"], check=True)
        say(f"generated in {time.perf_counter() - started:.1f} s")
    else:
        say(f"reusing {rollup.DB} (--regenerate to reload it)")


def generate_only() -> None:
    rollup.database_recreate()
    rollup.generate()


def snapshots_ensure() -> None:
    from progress import services
    from progress.models import Snapshot

    if Snapshot.objects.exists():
        return
    say("no snapshots: full rebuild through progress.services.snapshots_rebuild()...")
    started = time.perf_counter()
    services.snapshots_rebuild()
    elapsed = time.perf_counter() - started
    say(f"rebuilt {Snapshot.objects.count()} snapshots in {elapsed:.1f} s")


def peer_stats_ensure() -> None:
    """The outlier flags' peer statistics, as the beat sweep keeps them in production."""
    from reporting import services

    started = time.perf_counter()
    refreshed = services.peer_stats_sweep()
    if refreshed:
        elapsed = time.perf_counter() - started
        say(f"peer statistics of {len(refreshed)} quarters computed in {elapsed:.1f} s")


# --- users and ids ----------------------------------------------------------------------


def quarter(index: int) -> str:
    """A period index (year * 4 + quarter - 1) as the YYYYQn the URLs take."""
    return f"{index // 4}Q{index % 4 + 1}"


@dataclass
class Fixture:
    users: dict[str, Any]
    names: dict[str, str]
    note: str


def fixture_prepare() -> Fixture:
    """The three users (idempotently) and the ids the page paths name."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max

    from enterprises.models import Enterprise
    from parks.models import Park
    from reporting.models import Submission

    User = get_user_model()
    busiest = (
        Enterprise.objects.filter(park__isnull=False)
        .values("park")
        .annotate(n=Count("pk"))
        .order_by("-n", "park")
        .first()
    )
    assert busiest is not None, "no enterprise belongs to a park"
    park = Park.objects.get(pk=busiest["park"])
    reporter_enterprise_id = (
        Submission.objects.filter(enterprise__park=park)
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
        .first()
    )
    assert reporter_enterprise_id is not None, "no report in the park"
    enterprise = Enterprise.objects.get(pk=reporter_enterprise_id)

    wanted: dict[str, dict[str, Any]] = {
        OFFICIAL: {"role": OFFICIAL, "park": None, "enterprise": None},
        PARK_MANAGER: {"role": PARK_MANAGER, "park": park, "enterprise": None},
        ENTERPRISE: {"role": ENTERPRISE, "park": None, "enterprise": enterprise},
        DISTRICT: {
            "role": DISTRICT,
            "park": None,
            "enterprise": None,
            "district": park.district,
        },
    }
    users = {}
    for role, fields in wanted.items():
        user, _ = User.objects.update_or_create(
            username=USERNAMES[role], defaults={**fields, "is_active": True}
        )
        users[role] = user

    # The park pre-reviews (its manager's queue is the pre-review queue), and the last ended
    # quarter is published (the public page).
    Park.objects.filter(pk=park.pk).update(prereview=True)
    publication_ensure(users[OFFICIAL])

    latest = Submission.objects.aggregate(latest=Max("period"))["latest"]
    assert latest is not None, "no reports"
    in_park = Submission.objects.filter(enterprise__park=park).order_by("-period", "pk")
    park_report = in_park.filter(status="submitted").first() or in_park.first()
    own_report = Submission.objects.filter(enterprise=enterprise).order_by("-period").first()
    assert park_report is not None
    assert own_report is not None
    names = {
        "park_report": str(park_report.pk),
        "own_report": str(own_report.pk),
        "period": quarter(latest),
        "park": park.code,
        "district": park.district.code,
        "enterprise": enterprise.uscc,
    }
    note = (
        f"{Enterprise.objects.count()} enterprises, {Submission.objects.count()} reports; "
        f"park manager of {park.code} ({busiest['n']} enterprises); "
        f"reporter of enterprise {enterprise.pk}; "
        f"park report {park_report.pk} ({park_report.status} {quarter(park_report.period)}), "
        f"own report {own_report.pk} ({own_report.status} {quarter(own_report.period)}); "
        f"latest quarter {names['period']}"
    )
    return Fixture(users=users, names=names, note=note)


def publication_ensure(official: Any) -> None:
    from progress.models import Publication, Snapshot
    from progress.services import publication_create
    from targets.periods import last_ended_period

    last = Snapshot.objects.filter(period__lte=last_ended_period()).order_by("-period").first()
    if last is not None and not Publication.objects.filter(period=last.period).exists():
        publication_create(period=last.period, by=official)


# --- the floor pages --------------------------------------------------------------------

FLOOR_TEMPLATE = (
    "<!doctype html><html lang='{{ LANGUAGE_CODE }}'><title>bench</title>"
    "<p>{{ user.username }}: {{ value|default:'-' }}</p></html>"
)
URLCONF = "bench_pages_urls"


def urlconf_install() -> None:
    """A URLconf of config.urls plus the two floor pages, made here and never on disk."""
    from django.contrib.auth import get_user_model
    from django.http import HttpRequest, HttpResponse
    from django.template import engines
    from django.test.utils import override_settings
    from django.urls import include, path

    template = engines["django"].from_string(FLOOR_TEMPLATE)

    def trivial(request: HttpRequest) -> HttpResponse:
        return HttpResponse(template.render({}, request))

    def sql_floor(request: HttpRequest) -> HttpResponse:
        value = (
            get_user_model()
            .objects.filter(username=request.user.get_username())
            .values_list("username", flat=True)
            .first()
        )
        return HttpResponse(template.render({"value": value}, request))

    module = types.ModuleType(URLCONF)
    module.urlpatterns = [  # type: ignore[attr-defined]
        path(TRIVIAL.strip("/") + "/", trivial),
        path(SQL_FLOOR.strip("/") + "/", sql_floor),
        path("", include("config.urls")),
    ]
    sys.modules[URLCONF] = module
    override_settings(ROOT_URLCONF=URLCONF).enable()


# --- timing -----------------------------------------------------------------------------


_raised: list[str] = []


def _exception_record(**kwargs: Any) -> None:
    """got_request_exception: the error behind a 500, which the client does not re-raise."""
    error = sys.exc_info()[1]
    if error is not None:
        _raised.append(f"{type(error).__name__}: {error}")


def quiet() -> None:
    """One line per page, not a log record or traceback per 403/404/500 response."""
    from django.core.signals import got_request_exception

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    logging.getLogger("django.security").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", "No directory at")  # whitenoise, no collectstatic
    got_request_exception.connect(_exception_record, dispatch_uid="bench-pages")


def measure(client: Any, path: str, role: str, *, repeat: int, warmup: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(path=path, role=role)
    _raised.clear()
    try:
        for _ in range(warmup):
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            result.warmup_queries.append(len(captured.captured_queries))
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - started
            result.timings_ms.append(elapsed * 1000)
            result.queries.append(len(captured.captured_queries))
            result.statuses.append(response.status_code)
    except Exception as error:  # a page that raises outside the handler: report, go on
        _raised.append(f"{type(error).__name__}: {error}")
    if _raised:
        result.error = _raised[-1]
    return result


def ratio_table(results: list[Result], floor: Result) -> str:
    base = floor.median_ms
    width = max(len(f"{r.path} [{r.role}]") for r in results)
    lines = [
        f"ratio to {TRIVIAL} [{floor.role}] median ({base:.1f} ms):",
        f"  {'page [role]':<{width}}  {'median ms':>9}  {'× trivial':>9}  {'queries':>7}  status",
    ]
    for result in results:
        name = f"{result.path} [{result.role}]"
        ratio = result.median_ms / base if base else math.nan
        codes = "/".join(str(code) for code in sorted(set(result.statuses))) or "-"
        queries = max(result.queries) if result.queries else 0
        lines.append(
            f"  {name:<{width}}  {result.median_ms:>9.1f}  {ratio:>9.1f}  {queries:>7}  {codes}"
        )
    return "\n".join(lines)


def say(message: str) -> None:
    print(f"# {message}", flush=True)


def prepare(regenerate: bool) -> tuple[Fixture, dict[str, Any]]:
    """Database, schema, snapshots, users, URLconf and one logged-in client per role; on a
    failure (the code changing under the benchmark), say which step failed and exit."""
    step = "generating dx_bench (bench/rollup.py database_recreate() + generate())"
    try:
        database_prepare(regenerate)
        step = "django.setup()"
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        assert not settings.DEBUG, "DJANGO_DEBUG=0 did not turn DEBUG off"
        step = "migrate"
        call_command("migrate", verbosity=0)  # a reused database may be of an older schema
        quiet()
        step = "snapshots (progress.services.snapshots_rebuild())"
        snapshots_ensure()
        step = "peer statistics (reporting.services.peer_stats_sweep())"
        peer_stats_ensure()
        step = "users and ids"
        fixture = fixture_prepare()
        say(fixture.note)
        step = "URLconf (config.urls plus the floor pages)"
        urlconf_install()
        step = "logging the users in"
        clients = {}
        for role, user in fixture.users.items():
            client = Client(raise_request_exception=False)
            client.force_login(user)
            clients[role] = client
        clients[ANONYMOUS] = Client(raise_request_exception=False)
    except subprocess.CalledProcessError as error:  # the generator printed its traceback
        say(f"FAILED at {step}: exit status {error.returncode}")
        sys.exit(1)
    except Exception as error:
        traceback.print_exc()
        say(f"FAILED at {step}: {type(error).__name__}: {error}")
        sys.exit(1)
    return fixture, clients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests first")
    parser.add_argument("--regenerate", action="store_true", help="reload dx_bench first")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write all results here")
    parser.add_argument("--only", metavar="TEXT", help="only the paths containing TEXT")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        generate_only()
        return

    fixture, clients = prepare(args.regenerate)
    options = {"repeat": args.repeat, "warmup": args.warmup}
    results = []
    for template, roles in PAGES:
        path = template.format(**fixture.names)
        if args.only and args.only not in path:
            continue
        for role in roles:
            result = measure(clients[role], path, role, **options)
            print(result.line(), flush=True)
            results.append(result)
    floors = [
        measure(clients[FLOOR_ROLE], path, FLOOR_ROLE, **options) for path in (TRIVIAL, SQL_FLOOR)
    ]
    for result in floors:
        print(result.line(), flush=True)
    print()
    print(ratio_table([*results, *floors], floors[0]))

    if args.json:
        data = {
            "database": rollup.DB,
            "fixture": fixture.note,
            "names": fixture.names,
            "repeat": args.repeat,
            "warmup": args.warmup,
            "trivial_median_ms": floors[0].median_ms,
            "results": [result.as_json() for result in [*results, *floors]],
        }
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        say(f"wrote {args.json}")


if __name__ == "__main__":
    main()
