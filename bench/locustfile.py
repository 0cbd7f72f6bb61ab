"""The users of bench/load.py (Locust). Not run on its own: bench/load.py prepares the
database, writes the fixture this file reads (``DX_LOAD_FIXTURE``) and runs Locust headless
against the production shape on 127.0.0.1, naming the user classes of each mix:

- quarter-end rush: ``Reporter`` (an enterprise's reporter: a new report of the open quarter
  saved as a draft, saved again, then submitted; half through the API, half through the
  browser form), ``Approver`` (an official: the review queue, a report's page, approval
  through the API or the page) and ``RollupRequester`` (one official asking for a full
  rebuild every 30 s, so that rollups run under the load);
- reading: ``OfficialReader`` and ``AnalystReader`` (the overview, a target's page, a park's
  page, the progress API, and now and then the programme workbook of a park: ``POST
  /api/v1/exports/`` and polling until it is ready);
- the ceiling: ``Trivial`` (``/bench/trivial/``, a template page through the same middleware)
  and ``TrivialFlat`` (the same without think time: the most this machine serves).

Every user thinks ``DX_LOAD_THINK`` seconds between requests ("1-4": uniformly 1 to 4 s).
Sessions and API tokens were made by bench/load.py (a password hash check per login would
otherwise be the load); the CSRF cookie is a fixed secret sent back as the form's token.
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

FIXTURE: dict[str, Any] = json.loads(Path(os.environ["DX_LOAD_FIXTURE"]).read_text())
_low, _, _high = os.environ.get("DX_LOAD_THINK", "1-4").partition("-")
THINK = between(float(_low), float(_high or _low))
PERIOD: str = FIXTURE["period"]
CSRF: str = FIXTURE["csrf"]
FORM_SHARE = 0.5
EXPORT_WAIT_SECONDS = 120

# Shared by every user of this (single) Locust process: each enterprise reports once, each
# submitted report is approved by one official.
REPORTERS = iter(FIXTURE["reporters"])
TO_APPROVE: collections.deque[int] = collections.deque(FIXTURE["submitted"])
VERSION = re.compile(rb'name="version" value="(\d+)"')
REPORT_PATH = re.compile(r"/reports/(\d+)/$")


def metric_values(*, form: bool) -> dict[str, Any]:
    """A plausible value of every metric (the form takes text, yes/no and levels)."""
    values: dict[str, Any] = {}
    for metric in FIXTURE["metrics"]:
        kind = metric["type"]
        if kind == "boolean":
            flag = random.random() < 0.6
            values[metric["code"]] = ("yes" if flag else "no") if form else flag
        elif kind == "level":
            values[metric["code"]] = str(random.randint(0, 5)) if form else random.randint(0, 5)
        elif kind == "integer":
            values[metric["code"]] = random.randint(0, 30)
        else:
            values[metric["code"]] = round(random.uniform(10, 90000), 2)
    return values


class Base(HttpUser):
    abstract = True
    wait_time = THINK
    pool: str = "officials"

    def on_start(self) -> None:
        self.log_in(random.choice(FIXTURE[self.pool]))

    def log_in(self, credentials: dict[str, Any]) -> None:
        self.token = credentials["token"]
        self.client.cookies.clear()
        self.client.cookies.set("sessionid", credentials["session"])
        self.client.cookies.set("csrftoken", CSRF)

    def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        expect: tuple[int, ...] = (200,),
        api: bool = False,
        **kwargs: Any,
    ) -> Any:
        headers = kwargs.pop("headers", {})
        if api:
            headers["Authorization"] = f"Token {self.token}"
        else:
            headers["X-CSRFToken"] = CSRF
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(
            method, path, name=name, headers=headers, catch_response=True, **kwargs
        ) as response:
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:300]!r}")
            return response


# --- the quarter-end rush ---------------------------------------------------------------


class Reporter(Base):
    weight = 8
    pool = "reporters"

    def on_start(self) -> None:
        self.next_enterprise()

    def next_enterprise(self) -> None:
        credentials = next(REPORTERS, None)
        if credentials is None:
            # Every prepared enterprise has reported: bench/load.py --reporters for more.
            events.request.fire(
                request_type="POOL",
                name="enterprises exhausted",
                response_time=0,
                response_length=0,
                exception=RuntimeError("no enterprise left to report"),
                context={},
            )
            raise StopUser
        self.log_in(credentials)
        self.uscc = credentials["uscc"]
        self.step = 0
        self.report: int | None = None
        self.version: int | None = None
        self.via_form = random.random() < FORM_SHARE

    @task
    def work(self) -> None:
        steps = self.form_steps if self.via_form else self.api_steps
        steps[self.step](self)
        self.step += 1
        if self.step == len(steps):
            self.next_enterprise()

    # the API: create a draft, save it again, submit

    def api_create(self) -> None:
        body = {"enterprise": self.uscc, "period": PERIOD, "metrics": metric_values(form=False)}
        body["items"] = []
        answer = self.call(
            "POST", "/api/v1/submissions/", "POST /api/v1/submissions/", expect=(201,), api=True,
            json=body,
        )  # fmt: skip
        if answer.status_code == 201:
            self.report, self.version = answer.json()["id"], answer.json()["version"]

    def api_save(self) -> None:
        if self.report is None:
            return
        body = {"enterprise": self.uscc, "period": PERIOD, "metrics": metric_values(form=False)}
        body.update(items=[], version=self.version)
        answer = self.call(
            "PUT", f"/api/v1/submissions/{self.report}/", "PUT /api/v1/submissions/[id]/",
            api=True, json=body,
        )  # fmt: skip
        if answer.status_code == 200:
            self.version = answer.json()["version"]

    def api_submit(self) -> None:
        if self.report is None:
            return
        answer = self.call(
            "POST", f"/api/v1/submissions/{self.report}/submit/",
            "POST /api/v1/submissions/[id]/submit/", api=True, json={"version": self.version},
        )  # fmt: skip
        if answer.status_code == 200:
            TO_APPROVE.append(self.report)

    api_steps = (api_create, api_save, api_submit)

    # the browser form: open it, save a draft, open the draft, submit

    def form_open(self) -> None:
        self.call("GET", f"/reports/quarter/{PERIOD}/", "GET /reports/quarter/[period]/ (form)")

    def form_data(self, action: str) -> dict[str, Any]:
        data = {f"metric_{code}": value for code, value in metric_values(form=True).items()}
        data.update(
            {
                "csrfmiddlewaretoken": CSRF,
                "action": action,
                "items-TOTAL_FORMS": "0",
                "items-INITIAL_FORMS": "0",
                "items-MIN_NUM_FORMS": "0",
                "items-MAX_NUM_FORMS": "1000",
            }
        )
        if self.version is not None:
            data["version"] = str(self.version)
        return data

    def form_save(self) -> None:
        answer = self.call(
            "POST", f"/reports/quarter/{PERIOD}/", "POST /reports/quarter/[period]/ (save draft)",
            expect=(302,), data=self.form_data("save"),
        )  # fmt: skip
        found = REPORT_PATH.search(answer.headers.get("Location", ""))
        self.report = int(found.group(1)) if found else None

    def form_reopen(self) -> None:
        if self.report is None:
            return
        answer = self.call("GET", f"/reports/{self.report}/", "GET /reports/[id]/ (draft form)")
        found = VERSION.search(answer.content or b"")
        self.version = int(found.group(1)) if found else None

    def form_submit(self) -> None:
        if self.report is None:
            return
        answer = self.call(
            "POST", f"/reports/{self.report}/", "POST /reports/[id]/ (submit)", expect=(302,),
            data=self.form_data("submit"),
        )  # fmt: skip
        if answer.status_code == 302:
            TO_APPROVE.append(self.report)

    form_steps = (form_open, form_save, form_reopen, form_submit)


class Approver(Base):
    weight = 2
    pool = "officials"

    @task(3)
    def approve_through_the_api(self) -> None:
        if not TO_APPROVE:
            self.review_queue()
            return
        report = TO_APPROVE.popleft()
        self.call(
            "GET", f"/api/v1/submissions/{report}/", "GET /api/v1/submissions/[id]/", api=True
        )
        self.call(
            "POST", f"/api/v1/submissions/{report}/approve/",
            "POST /api/v1/submissions/[id]/approve/", api=True, json={},
        )  # fmt: skip

    @task(2)
    def approve_on_the_page(self) -> None:
        if not TO_APPROVE:
            self.review_queue()
            return
        report = TO_APPROVE.popleft()
        self.call("GET", f"/reports/{report}/", "GET /reports/[id]/ (review)")
        self.call(
            "POST", f"/reports/{report}/approve/", "POST /reports/[id]/approve/", expect=(302,),
            data={"csrfmiddlewaretoken": CSRF},
        )  # fmt: skip

    @task(1)
    def review_queue(self) -> None:
        self.call("GET", "/reports/review/", "GET /reports/review/")


class RollupRequester(Base):
    """One official asks for a full rebuild every 30 s: rollups run under the load."""

    fixed_count = 1
    wait_time = constant(30)
    pool = "officials"

    @task
    def rebuild(self) -> None:
        self.call("POST", "/api/v1/rollups/", "POST /api/v1/rollups/", expect=(202,), api=True)


# --- reading ----------------------------------------------------------------------------


class Reader(Base):
    abstract = True

    @task(3)
    def overview(self) -> None:
        self.call("GET", "/progress/", "GET /progress/")

    @task(3)
    def target_page(self) -> None:
        code = random.choice(FIXTURE["targets"])
        self.call("GET", f"/progress/targets/{code}/", "GET /progress/targets/[code]/")

    @task(2)
    def park_page(self) -> None:
        code = random.choice(FIXTURE["parks"])
        self.call("GET", f"/progress/parks/{code}/", "GET /progress/parks/[code]/")

    @task(3)
    def progress_api(self) -> None:
        code = random.choice(FIXTURE["targets"])
        self.call(
            "GET", f"/api/v1/progress/?target={code}&scope=all", "GET /api/v1/progress/",
            api=True,
        )  # fmt: skip

    @task(1)
    def workbook(self) -> None:
        """A park's programme workbook, waited for as a person waits for its progress bar."""
        started = time.perf_counter()
        scope = f"park:{random.choice(FIXTURE['parks'])}"
        answer = self.call(
            "POST", "/api/v1/exports/", "POST /api/v1/exports/", expect=(202,), api=True,
            json={"period": PERIOD, "scope": scope},
        )  # fmt: skip
        if answer.status_code != 202:
            return
        export = answer.json()["id"]
        status = "pending"
        while time.perf_counter() - started < EXPORT_WAIT_SECONDS:
            time.sleep(1)
            polled = self.call(
                "GET", f"/api/v1/exports/{export}/", "GET /api/v1/exports/[id]/", api=True
            )
            status = polled.json().get("status") if polled.status_code == 200 else "?"
            if status in ("done", "failed"):
                break
        elapsed = (time.perf_counter() - started) * 1000
        events.request.fire(
            request_type="JOB",
            name="park workbook ready (POST to done)",
            response_time=elapsed,
            response_length=0,
            exception=None if status == "done" else RuntimeError(f"export {export}: {status}"),
            context={},
        )


class OfficialReader(Reader):
    pool = "officials"


class AnalystReader(Reader):
    pool = "analysts"


# --- the ceiling ------------------------------------------------------------------------


class Trivial(Base):
    pool = "officials"

    @task
    def trivial(self) -> None:
        self.call("GET", "/bench/trivial/", "GET /bench/trivial/")


class TrivialFlat(Trivial):
    wait_time = constant(0)
