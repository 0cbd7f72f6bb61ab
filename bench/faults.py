"""Faults on the production shape: Redis stops under work, the worker is killed mid-rollup.

    .venv/bin/python bench/faults.py [--scenarios redis,worker] [--outage 30]
                                     [--sweep 15] [--pickup 30] [--json FILE] [--keep]

Copies dx_bench into ``dx_faults`` (as bench/load.py does for dx_load, with reporters for
some enterprises of the open quarter), starts a PRIVATE redis-server on a free port (the
shared one on 6379 is never touched) and the production shape on it (bench/production.py:
gunicorn ×2, a Celery worker ×2 and beat, the beat sweep every ``--sweep`` seconds taking
what no worker took within ``--pickup`` seconds: production's 15 and 30 by default).

``redis`` — Redis stops (SIGKILL, nothing saved) for ``--outage`` seconds while enterprises
create and submit reports and an official approves them, asks for a rebuild and for a
workbook, and opens pages; then it starts again, empty. Checks: every request answered
as if nothing happened (2xx, or a JSON 503 where the broker is truly needed), none slower
than 5 s; ``/healthz`` 503 with ``"broker": "down"`` during the outage and 200 after;
nothing lost (every report created is there, every approval kept, each approval's
recorded change taken by a run that ended ``done``, the rebuild and the workbook done);
the figures caught up by themselves within a minute of the broker's return (no request
is made after it); the snapshots equal a full rebuild.

``worker`` — twice: a full rebuild is requested after a figure's data was changed behind
the services (so that the old and new figures differ), and when the rebuild's transaction
is writing snapshots the worker is killed with SIGKILL: first only its pool processes
(the main process stays: the task is redelivered), then the whole worker (main process and
pool, as an OOM kill or a lost container; a new worker is started, as a supervisor would).
A reader polls the progress API meanwhile. Checks: the run ends ``done`` (or ``failed`` with
its reason), never stays ``running``; every answer the reader got is all old or all new
(one ``computed_at`` per target, the changed figure old then new, never back); the
snapshots equal a full rebuild.

Prints what happened and PASS/FAIL per check; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402 - bench/load.py: the database copy and the users
import production  # noqa: E402 - bench/production.py: the production shape

FAULTS_DB = "dx_faults"
TALENT = "SH23-TALENT-HIGH"
SLOW_REQUEST_S = 5.0
say = production.say


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        return f"  {'PASS' if self.ok else 'FAIL'}  {self.name}" + (
            f" — {self.detail}" if self.detail else ""
        )


@dataclass
class Outcome:
    phase: str
    what: str
    status: int
    seconds: float
    json_body: bool


@dataclass
class Scenario:
    name: str
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append(Check(name, ok, detail))
        print(self.checks[-1].line(), flush=True)

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks)


def metrics(fixture: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for metric in fixture["metrics"]:
        kind = metric["type"]
        values[metric["code"]] = (
            random.random() < 0.5
            if kind == "boolean"
            else random.randint(0, 5)
            if kind == "level"
            else random.randint(1, 40)
        )
    return values


# --- Redis stops ------------------------------------------------------------------------


class Workload:
    """Reporters create and submit reports, an official approves them; every answer kept."""

    def __init__(self, stack: production.Stack, fixture: dict[str, Any]) -> None:
        self.stack = stack
        self.fixture = fixture
        self.reporters = iter(fixture["reporters"])
        self.official = fixture["officials"][0]
        self.outcomes: list[Outcome] = []
        self.created: list[int] = []
        self.approved: list[int] = []

    def record(self, phase: str, what: str, answer: production.Response) -> None:
        is_json = answer.headers.get("Content-Type", "").startswith("application/json")
        self.outcomes.append(Outcome(phase, what, answer.status, answer.seconds, is_json))

    def report(self, phase: str) -> None:
        reporter = next(self.reporters)
        body = {
            "enterprise": reporter["uscc"],
            "period": self.fixture["period"],
            "metrics": metrics(self.fixture),
            "items": [],
        }
        answer = self.stack.post("/api/v1/submissions/", body, token=reporter["token"])
        self.record(phase, "POST /api/v1/submissions/", answer)
        if answer.status != 201:
            return
        report = answer.json()["id"]
        self.created.append(report)
        answer = self.stack.post(f"/api/v1/submissions/{report}/submit/", token=reporter["token"])
        self.record(phase, "POST /api/v1/submissions/[id]/submit/", answer)
        answer = self.stack.post(
            f"/api/v1/submissions/{report}/approve/", token=self.official["token"]
        )
        self.record(phase, "POST /api/v1/submissions/[id]/approve/", answer)
        if answer.status == 200:
            self.approved.append(report)

    def pages(self, phase: str) -> None:
        session = self.official["session"]
        for path in ("/progress/", "/reports/review/"):
            self.record(phase, f"GET {path}", self.stack.get(path, session=session))
        self.record(
            phase,
            "GET /api/v1/progress/",
            self.stack.get(f"/api/v1/progress/?target={TALENT}", token=self.official["token"]),
        )


def scenario_redis(
    stack: production.Stack, redis: production.PrivateRedis, fixture: dict[str, Any], args: Any
) -> Scenario:
    from exchange.models import Export
    from progress.models import RollupRun
    from reporting.models import Submission
    from targets.models import RecomputeRequest

    scenario = Scenario("redis")
    work = Workload(stack, fixture)
    say("redis: three reports before the outage")
    for _ in range(3):
        work.report("before")
    health_before = stack.get("/healthz")

    say(f"redis: stopping the private Redis for {args.outage} s while the work goes on")
    redis.stop()
    down_at = time.monotonic()
    health: list[tuple[int, Any]] = []
    rebuild = stack.post("/api/v1/rollups/", token=work.official["token"])
    work.record("outage", "POST /api/v1/rollups/", rebuild)
    export = stack.post(
        "/api/v1/exports/",
        {"period": fixture["period"], "scope": f"park:{fixture['parks'][0]}"},
        token=work.official["token"],
    )
    work.record("outage", "POST /api/v1/exports/", export)
    while time.monotonic() - down_at < args.outage:
        work.report("outage")
        work.pages("outage")
        answer = stack.get("/healthz")
        health.append((answer.status, answer.json() if answer.status in (200, 503) else None))
    redis.start()
    up_at = time.monotonic()
    say("redis: Redis is back (empty); no request is made from now on")

    health_after = None
    caught_up = None  # the figures: no recorded change or run left
    workbooks_done = None  # the workbook asked for during the outage
    from django.db import connection

    while time.monotonic() - up_at < args.pickup + args.sweep + 120:
        if health_after is None:
            answer = stack.get("/healthz")
            if answer.status == 200:
                health_after = round(time.monotonic() - up_at, 1)
        if caught_up is None and production.pending_work() == (0, 0):
            caught_up = round(time.monotonic() - up_at, 1)
        unfinished = Export.objects.filter(status__in=["pending", "running"]).count()
        if workbooks_done is None and unfinished == 0:
            workbooks_done = round(time.monotonic() - up_at, 1)
        if caught_up is not None and workbooks_done is not None:
            break
        connection.close()
        time.sleep(1)

    during = [o for o in work.outcomes if o.phase == "outage"]
    clean = [o for o in during if 200 <= o.status < 300 or (o.status == 503 and o.json_body)]
    slowest = max(during, key=lambda o: o.seconds)
    statuses = sorted({(o.what, o.status) for o in work.outcomes})
    scenario.facts.update(
        restarted_by_the_supervisor=list(stack.restarts),
        outage_s=args.outage,
        requests_during_outage=len(during),
        reports_created=len(work.created),
        reports_approved=len(work.approved),
        statuses=[f"{what} {status}" for what, status in statuses],
        slowest_during_outage=f"{slowest.what} {slowest.seconds:.2f} s",
        healthz_during=sorted({(s, json.dumps(b, sort_keys=True)) for s, b in health}),
        healthz_ok_after_s=health_after,
        caught_up_after_return_s=caught_up,
        workbooks_done_after_return_s=workbooks_done,
    )
    scenario.check(
        "every request during the outage answered cleanly (2xx, or a JSON 503)",
        len(clean) == len(during),
        f"{len(clean)} of {len(during)}; "
        + ", ".join(f"{o.what} {o.status}" for o in during if o not in clean)[:300],
    )
    scenario.check(
        f"no request slower than {SLOW_REQUEST_S:.0f} s during the outage",
        slowest.seconds <= SLOW_REQUEST_S,
        scenario.facts["slowest_during_outage"],
    )
    scenario.check(
        "/healthz 200 before, 503 with the broker down during, 200 after",
        health_before.status == 200
        and bool(health)
        and all(s == 503 and b and b.get("broker") == "down" for s, b in health)
        and health_after is not None,
        f"during: {scenario.facts['healthz_during']}; 200 again {health_after} s after",
    )
    kept = Submission.objects.filter(pk__in=work.created).count()
    approved = Submission.objects.filter(pk__in=work.approved, status="approved").count()
    requests = RecomputeRequest.objects.filter(
        reason__in=[f"approve report {pk}" for pk in work.approved]
    )
    done_runs = set(
        RollupRun.objects.filter(status=RollupRun.Status.DONE).values_list("pk", flat=True)
    )
    taken = sum(1 for r in requests if r.run_id in done_runs)
    scenario.check(
        "nothing lost: reports, approvals and their recorded changes all there and computed",
        kept == len(work.created)
        and approved == len(work.approved)
        and taken == len(work.approved),
        f"{kept}/{len(work.created)} reports, {approved}/{len(work.approved)} approvals, "
        f"{taken}/{len(work.approved)} changes taken by a finished run",
    )
    rebuild_run = (
        RollupRun.objects.filter(pk=rebuild.json()["id"]).first() if rebuild.status == 202 else None
    )
    workbook = (
        Export.objects.filter(pk=export.json()["id"]).first() if export.status == 202 else None
    )
    scenario.check(
        "the rebuild and the workbook asked for during the outage were done afterwards",
        rebuild_run is not None
        and rebuild_run.status == "done"
        and workbook is not None
        and workbook.status == "done",
        f"rebuild {rebuild.status} → {getattr(rebuild_run, 'status', None)}, "
        f"workbook {export.status} → {getattr(workbook, 'status', None)} "
        f"({workbooks_done} s after the broker's return)",
    )
    scenario.check(
        "the figures caught up by themselves within a minute of the broker's return",
        caught_up is not None and caught_up <= 60,
        f"{caught_up} s (sweep every {args.sweep} s, taking what is {args.pickup} s old)",
    )
    figures = production.snapshots_versus_rebuild()
    scenario.check("the snapshots equal a full rebuild", figures.equal, figures.line())
    return scenario


# --- the worker is killed ---------------------------------------------------------------


class Reader(threading.Thread):
    """Polls the progress API (every target, every scope of the latest quarter) and keeps,
    per answer, each target's set of computed_at and the changed figure."""

    def __init__(self, stack: production.Stack, token: str, scope_key: str) -> None:
        super().__init__(daemon=True)
        self.stack, self.token, self.scope_key = stack, token, scope_key
        self.answers: list[tuple[dict[str, set[str]], Any]] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                answer = self.stack.get("/api/v1/progress/?scope=all", token=self.token)
            except OSError as error:
                self.errors.append(str(error))
                continue
            if answer.status != 200:
                self.errors.append(f"{answer.status}")
                continue
            stamps: dict[str, set[str]] = {}
            figure = None
            for row in answer.json()["results"]:
                stamps.setdefault(row["target"], set()).add(row["computed_at"])
                if row["target"] == TALENT and row["scope"] == self.scope_key:
                    figure = row["actual"]
            self.answers.append((stamps, figure))
            time.sleep(0.05)


def _rollup_backend(database: str) -> tuple[int | None, str]:
    """The backend holding the rollup lock, and what it runs (pg_locks, pg_stat_activity)."""
    from django.db import connection

    from progress.services import ROLLUP_LOCK_KEY

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.pid, a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.datname = %s
              AND ((l.classid::bigint << 32) | l.objid::bigint) = %s
            """,
            [database, ROLLUP_LOCK_KEY],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (None, "")


def _change_behind_the_services(shift: int) -> tuple[str, Any]:
    """Raise one approved talent value of the latest quarter by ``shift`` in SQL (no recorded
    change: only a rebuild picks it up). Which scope's figure moves, and the old figure."""
    from django.db import connection

    from progress.models import Snapshot

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT v.id, p.code FROM reporting_metricvalue v
            JOIN targets_metric m ON m.id = v.metric_id
            JOIN enterprises_enterprise e ON e.id = v.enterprise_id
            JOIN parks_park p ON p.id = e.park_id
            WHERE m.code = 'talent_high_end_new' AND v.approved
              AND v.period = (SELECT max(period) FROM progress_snapshot)
            ORDER BY v.id LIMIT 1
            """
        )
        value_id, park = cursor.fetchone()
        cursor.execute(
            "UPDATE reporting_metricvalue SET value = value + %s WHERE id = %s", [shift, value_id]
        )
    latest = Snapshot.objects.order_by("-period").values_list("period", flat=True).first()
    old = (
        Snapshot.objects.filter(target__code=TALENT, period=latest, scope=f"park:{park}")
        .values_list("actual", flat=True)
        .first()
    )
    return f"park:{park}", old


def consistency(answers: list[tuple[dict[str, set[str]], Any]], new: Any) -> tuple[int, bool]:
    """How many answers mixed two states (a target with two computed_at, or targets of the
    new rebuild beside targets of before it), and whether the changed figure, once new,
    was ever seen old again. A full rebuild writes every figure with one computed_at."""
    from decimal import Decimal

    if not answers:
        return 0, False
    before = answers[0][0]
    torn = 0
    for stamps, _figure in answers:
        every = {stamp for targets in stamps.values() for stamp in targets}
        one_per_target = all(len(targets) == 1 for targets in stamps.values())
        if not one_per_target or (stamps != before and len(every) != 1):
            torn += 1
    seen = [Decimal(str(f)) for _s, f in answers if f is not None]
    target = Decimal(str(new)) if new is not None else None
    first_new = next((i for i, f in enumerate(seen) if f == target), len(seen))
    went_back = any(f != target for f in seen[first_new:])
    return torn, went_back


def kill_mid_rebuild(
    stack: production.Stack, fixture: dict[str, Any], mode: str, args: Any
) -> Scenario:
    from decimal import Decimal

    from django.db import connection

    from progress.models import RollupRun, Snapshot

    scenario = Scenario(f"worker ({mode})")
    production.wait_settled(120)
    scope_key, old = _change_behind_the_services(shift=100)
    official = fixture["officials"][0]["token"]
    reader = Reader(stack, official, scope_key)
    reader.start()
    time.sleep(1)

    requested = stack.post("/api/v1/rollups/", token=official)
    run_id = requested.json()["id"]
    say(f"worker ({mode}): rebuild {run_id} requested; waiting for it to write snapshots")
    started = time.monotonic()
    killed_while = ""
    while time.monotonic() - started < 120:
        pid, query = _rollup_backend(stack.database_url.rsplit("/", 1)[1])
        if (
            pid is not None
            and "progress_snapshot" in query
            and query.lstrip().startswith(("INSERT", "DELETE"))
        ):
            killed_while = query.strip()[:60]
            break
        if pid is not None and not killed_while and time.monotonic() - started > 60:
            killed_while = f"(lock held; last query {query.strip()[:60]})"
            break
        time.sleep(0.005)
    if mode == "pool":
        children = stack.pool_children()
        for child in children:
            os.kill(child, signal.SIGKILL)
        say(f"worker (pool): SIGKILL to pool processes {children} while {killed_while!r}")
    else:
        stack.signal("worker", signal.SIGKILL)
        say(
            f"worker (whole): SIGKILL to the worker's process group while {killed_while!r}; "
            "the supervisor starts a new one"
        )
        connection.close()
        scenario.facts["status_right_after_the_kill"] = RollupRun.objects.get(pk=run_id).status
    killed_at = time.monotonic()

    status = "running"
    while time.monotonic() - killed_at < args.pickup + args.sweep + 180:
        answer = stack.get(f"/api/v1/rollups/{run_id}/", token=official)
        status = answer.json().get("status") if answer.status == 200 else "?"
        if status in ("done", "failed"):
            break
        time.sleep(0.5)
    finished_after = round(time.monotonic() - killed_at, 1)
    time.sleep(1)
    reader.stopping.set()
    reader.join(timeout=10)
    connection.close()
    run = RollupRun.objects.get(pk=run_id)
    latest = Snapshot.objects.order_by("-period").values_list("period", flat=True).first()
    new = (
        Snapshot.objects.filter(target__code=TALENT, period=latest, scope=scope_key)
        .values_list("actual", flat=True)
        .first()
    )

    scenario.facts.update(
        killed_while=killed_while,
        final_status=run.status,
        error=run.error[:200],
        finished_after_kill_s=finished_after,
        reader_answers=len(reader.answers),
        reader_errors=reader.errors[:5],
        figure=f"{scope_key} {TALENT}: {old} → {new}",
    )
    scenario.check(
        "the run ends done (or failed with its reason), never stays running",
        run.status == "done" or (run.status == "failed" and bool(run.error)),
        f"{run.status} {finished_after} s after the kill {run.error[:100]}",
    )
    torn, went_back = consistency(reader.answers, new)
    scenario.check(
        "readers never saw a half-written rebuild (each answer all old or all new)",
        bool(reader.answers) and not torn and not went_back and not reader.errors,
        f"{len(reader.answers)} answers, {torn} mixed, back to old {went_back}, "
        f"errors {reader.errors[:3]}, figures seen "
        f"{sorted({str(f) for _s, f in reader.answers if f is not None})} (old {old}, new {new})",
    )
    scenario.check(
        "the changed figure is the new one",
        old is not None and new is not None and Decimal(str(new)) == Decimal(str(old)) + 100,
        scenario.facts["figure"],
    )
    check = production.snapshots_versus_rebuild()
    scenario.check("the snapshots equal a full rebuild", check.equal, check.line())
    return scenario


# --- main -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="redis,worker")
    parser.add_argument("--outage", type=int, default=30, help="seconds Redis stays down")
    parser.add_argument("--sweep", type=int, default=15, help="DX_ROLLUP_SWEEP_SECONDS")
    parser.add_argument("--pickup", type=int, default=30, help="DX_ROLLUP_PICKUP_SECONDS")
    parser.add_argument("--json", metavar="FILE", type=Path)
    parser.add_argument("--keep", action="store_true", help=f"keep {FAULTS_DB} afterwards")
    parser.add_argument("--code", default="HEAD", help="a commit, or 'worktree'")
    args = parser.parse_args()
    if args.json:
        args.json = args.json.resolve()  # the run changes directory
    scenarios = [s for s in args.scenarios.split(",") if s]

    workdir = Path(tempfile.mkdtemp(prefix="dx-faults-"))
    root, commit = load.code_root(args.code, workdir)
    redis = production.PrivateRedis()
    redis.start()
    try:
        run(args, scenarios, workdir, root, commit, redis)
    finally:
        redis.stop()


def run(
    args: Any, scenarios: list[str], workdir: Path, root: Path, commit: str,
    redis: production.PrivateRedis,
) -> None:  # fmt: skip
    stack = production.Stack(
        database_url=f"{production.SERVER}/{FAULTS_DB}",
        broker_url=redis.url,
        workdir=workdir,
        root=root,
        extra_env={
            "DX_ROLLUP_SWEEP_SECONDS": str(args.sweep),
            "DX_ROLLUP_PICKUP_SECONDS": str(args.pickup),
            # as docker-compose.yml: the cache (throttles, page caches) on the same Redis
            "DJANGO_CACHE_URL": redis.url.rsplit("/", 1)[0] + "/1",
        },
    )
    say(f"private Redis on port {redis.port}; work directory {workdir}; code {commit}")
    say(f"copying {load.SOURCE_DB} to {FAULTS_DB}...")
    if not production.database_has_reports(load.SOURCE_DB):
        raise SystemExit("dx_bench is missing: run bench/pages.py or bench/load.py first")
    production.database_clone(load.SOURCE_DB, FAULTS_DB)
    stack.prepare()
    production.django_setup(stack)
    fixture = load.fixture_prepare(reporters=400).data
    from django.db import connection

    connection.close()
    results: list[Scenario] = []
    try:
        with stack:
            stack.start()
            stack.supervise()
            say(f"serving on {stack.base_url} (sweep {args.sweep} s, pickup {args.pickup} s)")
            if "redis" in scenarios:
                results.append(scenario_redis(stack, redis, fixture, args))
            if "worker" in scenarios:
                for mode in ("pool", "whole"):
                    results.append(kill_mid_rebuild(stack, fixture, mode, args))
    finally:
        connection.close()
        if not args.keep:
            production.database_drop(FAULTS_DB)
    print()
    say(f"processes restarted by the supervisor (s, name, exit code): {stack.restarts}")
    for scenario in results:
        print(f"{scenario.name}: {'PASS' if scenario.passed else 'FAIL'}")
        for name, value in scenario.facts.items():
            print(f"  {name}: {value}")
    if args.json:
        data = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": load.machine(),
            "code": commit,
            "sweep_s": args.sweep,
            "pickup_s": args.pickup,
            "restarts": stack.restarts,
            "scenarios": [asdict(s) | {"passed": s.passed} for s in results],
        }
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        say(f"wrote {args.json}")
    say(f"logs in {workdir}")
    sys.exit(0 if results and all(s.passed for s in results) else 1)


if __name__ == "__main__":
    main()
