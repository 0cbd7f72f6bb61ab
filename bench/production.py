"""The production shape on this machine, for bench/load.py and bench/faults.py.

    with Stack(database_url=..., broker_url=..., workdir=...) as stack:
        stack.start()              # gunicorn (2 sync workers), a Celery worker (2), beat
        stack.get("/healthz")

Everything is served on the loopback only: gunicorn ``config.wsgi`` on a free port of
127.0.0.1 with ``config.settings.production`` (through bench/production_settings.py, which
adds the trivial page and a private static root), a real 64-character secret made for the
run, ``DJANGO_ALLOWED_HOSTS=127.0.0.1`` and ``DJANGO_SECURE_SSL_REDIRECT=0`` (there is no
TLS on the loopback). Each process is started in its own session so that it and its children
can be signalled by their process group id, and only those.

Databases: ``database_clone("dx_bench", "dx_load")`` copies the benchmark database with
``CREATE DATABASE … TEMPLATE`` (or pg_dump | pg_restore when someone is connected to
dx_bench); ``database_drop`` removes a copy. The shared PostgreSQL and Redis are never
stopped or reconfigured: a fault scenario that stops Redis starts its own (``PrivateRedis``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
SERVER = os.environ.get("DX_BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
SETTINGS = "production_settings"
STATIC_ROOT = BENCH / "out" / "static"
REDIS_SERVER = "redis-server"


def say(message: str) -> None:
    print(f"# {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def secret_key() -> str:
    """A real secret for this run only (production refuses the development one)."""
    return secrets.token_urlsafe(48)


# --- databases --------------------------------------------------------------------------


def _server() -> Any:
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    return connection


def database_exists(name: str) -> bool:
    connection = _server()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def database_has_reports(name: str) -> bool:
    """Whether the database exists and holds reports (dx_bench generated)."""
    import psycopg2

    if not database_exists(name):
        return False
    connection = psycopg2.connect(f"{SERVER}/{name}")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('reporting_submission') IS NOT NULL")
            row = cursor.fetchone()
            if not row or not row[0]:
                return False
            cursor.execute("SELECT EXISTS (SELECT 1 FROM reporting_submission)")
            row = cursor.fetchone()
            return bool(row and row[0])
    finally:
        connection.close()


def database_drop(name: str) -> None:
    assert name not in ("dx_bench", "postgres"), name
    connection = _server()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def database_clone(source: str, target: str, *, attempts: int = 5) -> float:
    """``target`` as a fresh copy of ``source`` (dropped first); the seconds it took."""
    import psycopg2

    started = time.perf_counter()
    database_drop(target)
    for attempt in range(attempts):
        connection = _server()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
            return time.perf_counter() - started
        except psycopg2.errors.ObjectInUse:
            say(f"{source} is in use; copying again in 3 s ({attempt + 1}/{attempts})")
            time.sleep(3)
        finally:
            connection.close()
    say(f"{source} stayed in use: copying it with pg_dump | pg_restore instead")
    connection = _server()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{target}"')
    finally:
        connection.close()
    dump = subprocess.Popen(
        ["pg_dump", "--format=custom", "--dbname", f"{SERVER}/{source}"], stdout=subprocess.PIPE
    )
    restore = ["pg_restore", "--no-owner", "--dbname", f"{SERVER}/{target}"]
    subprocess.run(restore, stdin=dump.stdout, check=True)
    if dump.wait() != 0:
        raise RuntimeError(f"pg_dump of {source} failed")
    return time.perf_counter() - started


def code_snapshot(target: Path, ref: str = "HEAD") -> str:
    """The code committed at ``ref``, unpacked into ``target`` (``git archive``), with the
    work tree's compiled translations (not in git): the services then run code that nobody
    edits under them. Returns the commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", ref], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(["git", "archive", commit], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {commit} failed")
    for compiled in (ROOT / "locale").rglob("*.mo"):
        destination = target / compiled.relative_to(ROOT)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(compiled, destination)
    return commit


def static_fresh(root: Path = ROOT) -> bool:
    """Whether the collected static files are newer than every source file (collecting
    them again, compressed, takes a minute or two on this machine)."""
    manifest = STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    sources = [root / "static", *root.glob("*/static")]
    return all(
        path.stat().st_mtime <= collected
        for source in sources
        for path in source.rglob("*")
        if path.is_file()
    )


# --- the services -----------------------------------------------------------------------


class PrivateRedis:
    """A Redis server of our own on a free port, that a scenario stops and starts; the
    shared one on 6379 is never touched."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.directory = tempfile.mkdtemp(prefix="dx-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if shutil.which(REDIS_SERVER) is None:
            raise RuntimeError(f"{REDIS_SERVER} is not installed")
        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if port_open(self.port):
                return
            time.sleep(0.1)
        raise RuntimeError("the private Redis did not start")

    def stop(self) -> None:
        """Stopped as a crash stops it: SIGKILL, nothing saved."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stack:
    """gunicorn, a Celery worker and beat, as docker-compose.yml runs them, on this machine."""

    database_url: str
    broker_url: str
    workdir: Path
    web_workers: int = 2
    worker_concurrency: int = 2
    worker_pool: str = "prefork"
    extra_env: dict[str, str] = field(default_factory=dict)
    root: Path = ROOT  # the code served: the work tree, or a snapshot (code_snapshot)
    port: int = field(default_factory=free_port)
    secret: str = field(default_factory=secret_key)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # (seconds since the stack started, name, exit code) of each restart by the supervisor
    restarts: list[tuple[float, str, int]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def media_root(self) -> Path:
        return self.workdir / "media"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DX_"))}
        return {
            **keep,
            "PYTHONPATH": os.pathsep.join([str(BENCH), str(self.root)]),
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DJANGO_SECRET_KEY": self.secret,
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_MEDIA_ROOT": str(self.media_root),
            "DJANGO_LOG_LEVEL": "WARNING",
            "DX_BENCH_STATIC_ROOT": str(STATIC_ROOT),
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            **self.extra_env,
        }

    # --- one-off commands

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(self.root / "manage.py"), *args],
            cwd=self.root,
            env=self.env(),
            check=check,
            capture_output=True,
            text=True,
        )

    def prepare(self) -> None:
        """migrate and collectstatic, as the compose file's one-off ``migrate`` does."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.media_root.mkdir(parents=True, exist_ok=True)
        commands = [("migrate", "--no-input")]
        if not static_fresh(self.root):
            commands.append(("collectstatic", "--no-input"))
        for args in commands:
            done = self.manage(*args, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")

    # --- long-running processes

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=self.root,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, signalled by its id alone
        )
        self.processes[name] = process
        return process

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                *(str(BIN / "gunicorn"), "config.wsgi:application"),
                *("--bind", f"127.0.0.1:{self.port}"),
                *("--workers", str(self.web_workers), "--timeout", "120"),
                *("--access-logfile", str(self.workdir / "access.log")),
                # the time gunicorn spent on each request (µs), queueing before it excluded
                *("--access-logformat", '%(t)s "%(r)s" %(s)s %(D)s'),
            ],
        )

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [
                # Background work yields the CPU to requests (docker-compose.yml does the same).
                *("nice", "-n", "10"),
                *(str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO"),
                *("--pool", self.worker_pool, "--concurrency", str(self.worker_concurrency)),
                *("--without-gossip", "--without-mingle"),
                *("--hostname", f"dxbench{os.getpid()}-{len(self.processes)}@%h"),
            ],
        )

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                *(str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO"),
                *("--schedule", str(self.workdir / "celerybeat-schedule")),
            ],
        )

    def supervise(self, interval: float = 1.0) -> None:
        """Restart a process that exits by itself, as docker-compose.yml's
        ``restart: unless-stopped`` does (``stop``/``kill`` forget a process first)."""
        starters = {"web": self.start_web, "worker": self.start_worker, "beat": self.start_beat}
        began = time.monotonic()
        self._supervising = threading.Event()

        def watch() -> None:
            while not self._supervising.wait(interval):
                for name, process in list(self.processes.items()):
                    code = process.poll()
                    if code is not None and self.processes.get(name) is process:
                        self.restarts.append((round(time.monotonic() - began, 1), name, code))
                        self._reap_group(process.pid)
                        starters[name]()

        threading.Thread(target=watch, daemon=True).start()

    def start(self, *, web: bool = True, worker: bool = True, beat: bool = True) -> None:
        if web:
            self.start_web()
        if worker:
            self.start_worker()
        if beat:
            self.start_beat()
        if web:
            self.wait_web()
        if worker:
            self.wait_worker()

    def signal(self, name: str, signum: int = signal.SIGTERM) -> None:
        """Signal the process group of one of our processes (by its id, nothing else)."""
        process = self.processes.get(name)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signum)

    def stop(self, name: str, *, timeout: float = 30) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self._reap_group(process.pid)

    def kill(self, name: str) -> None:
        """``kill -9`` the whole process group: the worker dies as in a crash or an OOM."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self._reap_group(process.pid)

    @staticmethod
    def _reap_group(pgid: int) -> None:
        """Children left in the group (a pool child outliving its parent): SIGKILL them."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def pool_children(self, name: str = "worker") -> list[int]:
        """The pool processes of the Celery worker (prefork)."""
        import psutil

        process = self.processes[name]
        return [child.pid for child in psutil.Process(process.pid).children()]

    def stop_all(self) -> None:
        supervising = getattr(self, "_supervising", None)
        if supervising is not None:
            supervising.set()
        for name in list(self.processes):
            self.stop(name)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_all()

    def log(self, name: str, tail: int = 4000) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    # --- waiting

    def wait_web(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes["web"]
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log('web')}")
            try:
                self.get("/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log('web')}")

    def wait_worker(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes["worker"]
            if process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.log('worker')}")
            if " ready." in self.log("worker", tail=20000):
                return
            time.sleep(0.3)
        raise RuntimeError(f"the worker was not ready in {timeout:.0f} s:\n{self.log('worker')}")

    # --- HTTP, for checks (the load itself is Locust's)

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        session: str | None = None,
        body: Any = None,
        timeout: float = 30,
    ) -> Response:
        headers = {"Accept": "application/json"}
        data = None
        if token:
            headers["Authorization"] = f"Token {token}"
        if session:
            headers["Cookie"] = f"sessionid={session}"
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                content = answer.read()
                status, answer_headers = answer.status, dict(answer.headers)
        except urllib.error.HTTPError as error:
            content = error.read()
            status, answer_headers = error.code, dict(error.headers)
        return Response(status, content, answer_headers, time.perf_counter() - started)

    def get(
        self,
        path: str,
        *,
        token: str | None = None,
        session: str | None = None,
        timeout: float = 30,
    ) -> Response:
        return self.request("GET", path, token=token, session=session, timeout=timeout)

    def post(
        self, path: str, body: Any = None, *, token: str | None = None, timeout: float = 30
    ) -> Response:
        body = {} if body is None else body
        return self.request("POST", path, token=token, body=body, timeout=timeout)


def django_setup(stack: Stack) -> None:
    """Set this process up as the stack's processes are (same database, secret, settings),
    to prepare data and check figures; call it once, before any Django import."""
    os.environ.update(stack.env())
    os.chdir(stack.root)  # Celery puts the current directory first on sys.path
    for entry in (str(BENCH), str(stack.root)):
        if entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)
    import django

    django.setup()


def token_for(user: Any) -> str:
    """An API token for the user, through the product's own service (whatever it returns:
    the key, or an object that carries it)."""
    from accounts.services import token_issue

    issued = token_issue(user=user)
    return issued if isinstance(issued, str) else str(issued.key)


def session_for(user: Any) -> str:
    """A logged-in session key for the user, as ``login()`` would store it (a password hash
    check per user would otherwise dominate the load)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    backend = "django.contrib.auth.backends.ModelBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS, settings.AUTHENTICATION_BACKENDS
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return str(session.session_key)


# --- figures ----------------------------------------------------------------------------


def snapshots_dump() -> dict[tuple[str, int, str], tuple[Any, ...]]:
    """Every stored figure, keyed by target code, quarter and scope (without computed_at)."""
    from progress.models import FIGURE_VALUES, Snapshot

    rows = Snapshot.objects.values_list("target__code", "period", "scope", *FIGURE_VALUES)
    return {(row[0], row[1], row[2]): tuple(row[3:]) for row in rows}


@dataclass
class FigureCheck:
    stored: int
    rebuilt: int
    differences: list[str]
    rebuild_errors: dict[str, str]

    @property
    def equal(self) -> bool:
        return not self.differences and not self.rebuild_errors

    def line(self) -> str:
        if self.equal:
            return f"snapshots equal a full rebuild ({self.stored} figures)"
        shown = "; ".join(self.differences[:5])
        return (
            f"snapshots DIFFER from a full rebuild: {len(self.differences)} of "
            f"{self.rebuilt} figures ({shown}) {self.rebuild_errors or ''}"
        )


def snapshots_versus_rebuild() -> FigureCheck:
    """Dump the stored figures, run ``progress.services.snapshots_rebuild()`` and compare, in
    one transaction that is rolled back (the rollup lock is held throughout, so no run
    commits in between): the stored figures are left as they were."""
    from django.db import connection, transaction

    from progress import services

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [services.ROLLUP_LOCK_KEY])
        stored = snapshots_dump()
        outcome = services.snapshots_rebuild()
        rebuilt = snapshots_dump()
        transaction.set_rollback(True)
    differences = [
        f"{key}: stored {stored.get(key)} rebuilt {rebuilt.get(key)}"
        for key in sorted(set(stored) | set(rebuilt))
        if stored.get(key) != rebuilt.get(key)
    ]
    return FigureCheck(len(stored), len(rebuilt), differences, outcome.errors)


def pending_work() -> tuple[int, int]:
    """Recorded changes no run has taken yet, and runs not finished."""
    from progress.models import RollupRun
    from targets.models import RecomputeRequest

    requests = RecomputeRequest.objects.filter(run_id__isnull=True).count()
    runs = RollupRun.objects.filter(
        status__in=[RollupRun.Status.PENDING, RollupRun.Status.RUNNING]
    ).count()
    return requests, runs


def wait_settled(timeout: float, *, poll: float = 1.0) -> float | None:
    """Seconds until no change waits for a rollup and no run is unfinished (None: timeout)."""
    from django.db import connection

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pending_work() == (0, 0):
            return time.monotonic() - started
        connection.close()  # a fresh snapshot of the database next time round
        time.sleep(poll)
    return None
