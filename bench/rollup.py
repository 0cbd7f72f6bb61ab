"""Benchmark of the rollup at programme scale on PostgreSQL.

    .venv/bin/python bench/rollup.py [--keep] [--allocations]
        --keep: reuse dx_bench, skip generating
        --allocations: also time the full rebuild with every target allocated to every
                       district and park (half with own milestones, half scaled), then
                       take the allocations away again

Creates dx_bench (dropped first), migrates, loads 10,000 enterprises × 16 quarters with
COPY (~160k reports, ~2.5M metric values, ~200k items, ~2k designations), then times, in a
fresh process so that its peak memory is the rollup's own: a full rebuild, an incremental
rollup after one approval, and the progress API's p95 over 300 requests.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "dx_bench"
SERVER = "postgres://postgres@127.0.0.1:5432"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

ENTERPRISES = 10_000
QUARTERS = 16
PARKS = 50
PROVIDERS = 200
DESIGNATIONS = 2_000


def database_recreate() -> None:
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB}")
        cursor.execute(f"CREATE DATABASE {DB}")
    connection.close()


def copy(cursor, table: str, frame) -> None:  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
    buffer.seek(0)
    columns = ", ".join(frame.columns)
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)


def nullable(values, mask):  # type: ignore[no-untyped-def]
    """Integer ids where mask holds, NULL elsewhere (COPY needs 3, not 3.0)."""
    import pandas as pd

    return pd.Series(values, dtype="Int64").where(pd.Series(mask))


def generate() -> None:
    import django

    django.setup()
    import numpy as np
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection

    from enterprises.uscc import uscc_check_character
    from targets.models import DesignationKind, District, ItemKind, Metric, Segment
    from targets.periods import last_ended_period, period_end, period_start

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(20261122)
    districts = list(District.objects.values_list("pk", flat=True))
    segments = list(Segment.objects.values_list("pk", flat=True))
    last = last_ended_period()
    periods = np.arange(last - QUARTERS + 1, last + 1)

    def uscc(prefix: str, n: int) -> str:
        first17 = f"{prefix}{n:09d}"
        return first17 + uscc_check_character(first17)

    with connection.cursor() as cursor:
        raw = cursor.cursor
        park_ids = np.arange(1, PARKS + 1)
        park_district = rng.choice(districts, PARKS)
        copy(
            raw,
            "parks_park",
            pd.DataFrame(
                {
                    "id": park_ids,
                    "code": [f"BP{i:03d}" for i in park_ids],
                    "name_zh": [f"园区{i}" for i in park_ids],
                    "name_en": [f"Park {i}" for i in park_ids],
                    "district_id": park_district,
                    "prereview": False,
                }
            ),
        )
        ids = np.arange(1, ENTERPRISES + 1)
        park = rng.integers(0, PARKS + 8, ENTERPRISES) + 1  # ~14% outside any park
        in_park = park <= PARKS
        district = np.where(
            in_park, park_district[np.minimum(park, PARKS) - 1], rng.choice(districts, ENTERPRISES)
        )
        starts = pd.to_datetime("2015-01-01") + pd.to_timedelta(
            rng.integers(0, 4200, ENTERPRISES), "D"
        )
        copy(
            raw,
            "enterprises_enterprise",
            pd.DataFrame(
                {
                    "id": ids,
                    "uscc": [uscc("91310000", i) for i in ids],
                    "name": [f"企业{i}" for i in ids],
                    "name_en": "",
                    "contact_email": "",
                    "district_id": district,
                    "park_id": nullable(park, in_park),
                    "segment_id": rng.choice(segments, ENTERPRISES),
                    "is_key": rng.random(ENTERPRISES) < 0.035,
                    "above_scale": rng.random(ENTERPRISES) < 0.6,
                    "active_from": starts.date,
                    "active_until": None,
                }
            ),
        )
        provider_ids = np.arange(1, PROVIDERS + 1)
        copy(
            raw,
            "enterprises_provider",
            pd.DataFrame(
                {
                    "id": provider_ids,
                    "uscc": [uscc("91310999", i) for i in provider_ids],
                    "name": [f"服务商{i}" for i in provider_ids],
                    "services": "[]",
                    "district_id": rng.choice(districts, PROVIDERS),
                }
            ),
        )

        # Reports: every enterprise every quarter; 95 % approved.
        sub_enterprise = np.repeat(ids, QUARTERS)
        sub_period = np.tile(periods, ENTERPRISES)
        n_sub = len(sub_enterprise)
        sub_ids = np.arange(1, n_sub + 1)
        status = rng.choice(
            ["approved", "submitted", "returned", "draft"], n_sub, p=[0.95, 0.02, 0.02, 0.01]
        )
        approved = status == "approved"
        now = pd.Timestamp.now(tz="UTC").isoformat()
        copy(
            raw,
            "reporting_submission",
            pd.DataFrame(
                {
                    "id": sub_ids,
                    "enterprise_id": sub_enterprise,
                    "period": sub_period,
                    "status": status,
                    "version": 1,
                    "metrics_data": "{}",
                    "items_data": "[]",
                    "created_at": now,
                    "updated_at": now,
                    "review_comment": "",
                    "late": False,
                }
            ),
        )

        metrics = list(Metric.objects.values_list("pk", "code", "type"))
        values = []
        for metric_id, code, kind in metrics:
            if kind == "boolean":
                # Flags switch on over time and sometimes off again.
                chance = 0.15 + 0.05 * (sub_period - periods[0])
                value = (rng.random(n_sub) < chance / (2 if code == "self_upgrade" else 1)).astype(
                    int
                )
            elif kind == "level":
                value = rng.integers(0, 6, n_sub)
            elif code.startswith("talent"):
                value = rng.poisson(0.02 if code == "talent_high_end_new" else 0.1, n_sub)
            else:
                value = rng.integers(0, 100_000, n_sub)
            values.append(
                pd.DataFrame(
                    {
                        "submission_id": sub_ids,
                        "enterprise_id": sub_enterprise,
                        "period": sub_period,
                        "metric_id": metric_id,
                        "value": value,
                        "approved": approved,
                    }
                )
            )
        frame = pd.concat(values, ignore_index=True)
        frame.insert(0, "id", np.arange(1, len(frame) + 1))
        copy(raw, "reporting_metricvalue", frame)
        del frame, values

        kinds = dict(ItemKind.objects.values_list("code", "pk"))
        n_items = 200_000
        pick = rng.integers(0, n_sub, n_items)
        item_kind = rng.choice(
            ["scenario", "ai_drug_clinical", "smart_device_approval", "standard"],
            n_items,
            p=[0.7, 0.05, 0.1, 0.15],
        )
        pool = {
            "scenario": 60,
            "ai_drug_clinical": 400,
            "smart_device_approval": 3000,
            "standard": 5000,
        }
        number = np.zeros(n_items, dtype="int64")
        for code, size in pool.items():
            mask = item_kind == code
            number[mask] = rng.integers(0, size, mask.sum())
        key = np.char.add(
            np.char.upper(np.char.replace(item_kind.astype(str), "_", "")), number.astype(str)
        )
        quarter_start = pd.to_datetime([period_start(int(p)) for p in periods])
        quarter_days = np.array([(period_end(int(p)) - period_start(int(p))).days for p in periods])
        offset = sub_period[pick] - periods[0]
        dates = quarter_start[offset] + pd.to_timedelta(
            rng.integers(0, 1000, n_items) % (quarter_days[offset] + 1), "D"
        )
        levels = rng.choice(["national", "industry", "local", "group", "enterprise"], n_items)
        copy(
            raw,
            "reporting_item",
            pd.DataFrame(
                {
                    "id": np.arange(1, n_items + 1),
                    "submission_id": sub_ids[pick],
                    "enterprise_id": sub_enterprise[pick],
                    "period": sub_period[pick],
                    "kind_id": [kinds[k] for k in item_kind],
                    "identifier": key,
                    "identifier_key": key,
                    "title": "",
                    "date": dates.date,
                    "attributes": [
                        f'{{"level": "{lv}"}}' if k == "standard" else "{}"
                        for k, lv in zip(item_kind, levels, strict=True)
                    ],
                    "evidence_file": "",
                    "evidence_url": "",
                    "approved": approved[pick],
                }
            ),
        )

        designation_kinds = dict(DesignationKind.objects.values_list("code", "pk"))
        kind = rng.choice(list(designation_kinds), DESIGNATIONS)
        granted = pd.to_datetime("2022-01-01") + pd.to_timedelta(
            rng.integers(0, 1700, DESIGNATIONS), "D"
        )
        revoked = granted + pd.to_timedelta(rng.integers(90, 900, DESIGNATIONS), "D")
        revoke = rng.random(DESIGNATIONS) < 0.1
        enterprise_kinds = {
            "smart_factory_benchmark",
            "smart_factory_demo",
            "pioneer_enterprise",
            "pilot_project",
            "industrial_internet_platform",
        }
        copy(
            raw,
            "enterprises_designation",
            pd.DataFrame(
                {
                    "id": np.arange(1, DESIGNATIONS + 1),
                    "name": "",
                    "reference": "",
                    "granted_on": granted.date,
                    "revoked_on": pd.Series(revoked.date).where(revoke, None),
                    "created_at": now,
                    "kind_id": [designation_kinds[k] for k in kind],
                    "enterprise_id": nullable(
                        rng.choice(ids, DESIGNATIONS), np.isin(kind, list(enterprise_kinds))
                    ),
                    "park_id": nullable(rng.choice(park_ids, DESIGNATIONS), kind == "demo_park"),
                    "provider_id": nullable(
                        rng.choice(provider_ids, DESIGNATIONS), kind == "excellent_provider"
                    ),
                }
            ),
        )
        for table in (
            "parks_park",
            "enterprises_enterprise",
            "enterprises_provider",
            "reporting_submission",
            "reporting_metricvalue",
            "reporting_item",
            "enterprises_designation",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")


def measure() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from accounts.models import Role, User
    from progress import services
    from progress.models import RollupRun, Snapshot
    from reporting import services as reporting_services
    from reporting.models import Submission
    from targets.periods import last_ended_period, period_format
    from targets.signals import recompute_requested

    call_command("migrate", verbosity=0)  # --keep may reuse a database of an older schema
    started = time.perf_counter()
    written = services.snapshots_rebuild().written
    full = time.perf_counter() - started
    print(f"full rebuild: {full:.2f} s ({written} snapshots)")
    if "--allocations" in sys.argv:
        full_rebuild_with_allocations()

    official, _ = User.objects.get_or_create(
        username="bench-official", defaults={"role": Role.OFFICIAL}
    )
    pending = Submission.objects.filter(status="submitted", period=last_ended_period()).first()
    assert pending is not None
    report_as_entered(pending)
    # The approval records its recompute request; the dispatcher is timed on its own.
    recompute_requested.disconnect(dispatch_uid="progress-dispatch")
    with transaction.atomic():
        reporting_services.submission_approve(submission=pending, by=official)
    started = time.perf_counter()
    dispatched = services.rollup_dispatch()
    incremental = time.perf_counter() - started
    assert dispatched is not None
    run = RollupRun.objects.get(pk=dispatched.pk)
    print(
        f"incremental: {incremental:.2f} s ({run.snapshots_written} snapshots of "
        f"{len(run.targets or [])} targets from {period_format(run.from_period or 0)}, "
        f"{run.status})"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak rollup RSS: {peak:.0f} MB")

    client = Client()
    client.force_login(official)
    last = period_format(last_ended_period())
    queries = [
        {},
        {"period": last},
        {"period": last, "scope": "district:310115"},
        {"period": last, "scope": "park:BP001"},
        {"target": "SH23-SCENARIO"},
        {"period": "2024Q2", "target": "CN25-COVERAGE"},
    ]
    for query in queries:  # warm up connection and caches
        assert client.get("/api/v1/progress/", query).status_code == 200
    timings = []
    for i in range(300):
        started = time.perf_counter()
        response = client.get("/api/v1/progress/", queries[i % len(queries)])
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"progress api p95: {p95:.1f} ms (median {timings[len(timings) // 2]:.1f} ms, "
        f"{len(timings)} requests, {Snapshot.objects.count()} snapshots)"
    )


def full_rebuild_with_allocations() -> None:
    """Every target allocated to every district and park, rebuilt and timed; then the
    allocations are deleted and the figures rebuilt as they were."""
    from decimal import Decimal

    from parks.models import Park
    from progress import services
    from targets.models import Allocation, District, Target

    scopes = [f"district:{code}" for code in District.objects.values_list("code", flat=True)]
    scopes += [f"park:{code}" for code in Park.objects.values_list("code", flat=True)]
    allocations = []
    for target in Target.objects.prefetch_related("milestones"):
        share = Decimal(1) / len(scopes) if target.unit_en != "%" else Decimal(1)
        for index, scope in enumerate(scopes):
            value = (target.value * share).quantize(Decimal("0.0001")) or Decimal(1)
            own = [
                {"date": m.date.isoformat(), "value": str((m.value * share).quantize(Decimal(1)))}
                for m in target.milestones.all()
            ]
            allocations.append(
                Allocation(target=target, scope=scope, value=value, milestones=own[: index % 2 * 9])
            )
    Allocation.objects.all().delete()
    Allocation.objects.bulk_create(allocations)
    started = time.perf_counter()
    written = services.snapshots_rebuild().written
    elapsed = time.perf_counter() - started
    print(
        f"full rebuild with {len(allocations)} allocations ({len(scopes)} scopes × every "
        f"target): {elapsed:.2f} s ({written} snapshots)"
    )
    Allocation.objects.all().delete()
    services.snapshots_rebuild()


def report_as_entered(submission) -> None:  # type: ignore[no-untyped-def]
    """The generator writes rows only; give the report the JSON an entered one carries."""
    submission.metrics_data = {
        value.metric.code: str(value.value) for value in submission.values.select_related("metric")
    }
    submission.items_data = [
        {"kind": item.kind.code, "identifier": item.identifier, "date": item.date.isoformat()}
        for item in submission.items.select_related("kind")
    ]
    submission.save(update_fields=["metrics_data", "items_data"])


def main() -> None:
    # Each phase in its own process: Linux keeps a parent's peak RSS across fork + exec.
    if "--generate" in sys.argv:
        database_recreate()
        generate()
        return
    if "--measure" in sys.argv:
        measure()
        return
    if "--keep" not in sys.argv:
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate"], check=True)
        print(f"generated in {time.perf_counter() - started:.1f} s")
    extra = ["--allocations"] if "--allocations" in sys.argv else []
    subprocess.run([sys.executable, __file__, "--measure", *extra], check=True)


if __name__ == "__main__":
    main()
