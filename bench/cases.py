"""The case desk at size: one center holding a million cases.

1. Load 1,000,000 cases into one center with one INSERT … SELECT over generate_series (a
   realistic mix: 8 windows, 3 years of intake, 2 % urgent, most closed, a few thousand open
   and some of them overdue), then ANALYZE.
2. The case list as the desk and the API ask for it — first page and a deep keyset page,
   filtered by state, window, overdue and their combinations — timed in-process through
   the API view (Django test client: routing, tenant middleware, auth, serializer, the
   remaining-working-days column), p50/p95 over repeated requests.
3. Intake throughput through the API: POST /api/v1/cases/ (accept outcome: the acceptance
   notice PDF is rendered and stored for every case) over HTTP against gunicorn.

Called by bench/run.py (phase "cases"), with Django already set up on the bench database.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
LIST_SAMPLES = int(os.environ.get("BENCH_LIST_SAMPLES", "40"))
INTAKE_SECONDS = int(os.environ.get("BENCH_INTAKE_SECONDS", "20"))
INTAKE_THREADS = int(os.environ.get("BENCH_INTAKE_THREADS", "4"))
PASSWORD = "Bench-2026-cases"
PERSON_ID = "11010519491231002X"


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def setup_center(slug: str) -> dict:
    """Windows, matters and a clerk in the center (schema `slug`)."""
    from django_tenants.utils import schema_context

    from centers.catalog.models import LocalMatter
    from centers.workspace.models import Window
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create

    with schema_context(slug):
        windows = [
            Window.objects.get_or_create(
                number=n, defaults={"name": f"窗口{n}", "kind": "combined"}
            )[0]
            for n in range(1, 9)
        ]
        materials = [
            {"name": "居民身份证", "originals": 1, "copies": 1, "required": True, "note": ""},
            {"name": "申请表", "originals": 1, "copies": 0, "required": True, "note": ""},
        ]
        matters = [
            LocalMatter.objects.get_or_create(
                code=f"BC-{n:03d}",
                defaults={
                    "name": f"压测事项{n:03d}",
                    "category_name": "社会保障",
                    "authority_level": "township",
                    "mode": "promised",
                    "legal_days": 20,
                    "promised_days": 5 + n % 10,
                    "materials": materials,
                },
            )[0]
            for n in range(1, 51)
        ]
        from tenants.accounts.models import User

        clerk = User.objects.filter(username="bench-clerk").first() or staff_user_create(
            username="bench-clerk", password=PASSWORD, role=Role.WINDOW_STAFF
        )
        from rest_framework.authtoken.models import Token

        token, _created = Token.objects.get_or_create(user=clerk)
        return {
            "windows": [w.pk for w in windows],
            "matters": [(m.pk, m.code, m.name) for m in matters],
            "clerk": clerk.pk,
            "token": token.key,
        }


LOAD_SQL = """
INSERT INTO cases_case (
    receipt_number, matter_id, matter_code, matter_name, kind, urgent, channel, status,
    applicant_kind, applicant_name, applicant_id_number, applicant_id_hash, applicant_phone,
    contact_name, address,
    window_id, owner_id, first_contact_id, received_at, received_on, accepted_at, accepted_on,
    acceptance_deemed, legal_days, promised_days, extension_days, paused_days, due_date,
    due_provisional, visits, decision, decision_note, handover, closed_at, closed_on,
    closed_late, refusal_kind, refusal_reason, refusal_basis, remote_center,
    remote_receipt_number, remote_status, revocation_reason, revocation_basis, updated_at
)
SELECT
    'B' || lpad(g::text, 11, '0'),
    m.id, m.code, m.name, 'promised', (g %% 50 = 0), 'window',
    s.status,
    'person', '张' || (g %% 1000)::text, %(person_id)s, %(person_hash)s,
    '138' || lpad((g %% 100000000)::text, 8, '0'),
    '', '',
    %(first_window)s + (g %% 8), %(clerk)s, %(clerk)s,
    t.received_at, (t.received_at AT TIME ZONE 'Asia/Shanghai')::date,
    t.received_at, (t.received_at AT TIME ZONE 'Asia/Shanghai')::date,
    false, 20, 5, 0, 0,
    (t.received_at AT TIME ZONE 'Asia/Shanghai')::date + 7,
    false, 1,
    CASE WHEN s.status = 'closed' THEN 'approved' ELSE '' END, '',
    CASE WHEN s.status = 'closed' THEN 'window' ELSE '' END,
    CASE WHEN s.status IN ('closed', 'not_accepted', 'withdrawn')
         THEN t.received_at + interval '5 days' END,
    CASE WHEN s.status IN ('closed', 'not_accepted', 'withdrawn')
         THEN (t.received_at AT TIME ZONE 'Asia/Shanghai')::date + 5 END,
    false, '', '', '', '', '', '', '', '', now()
FROM generate_series(1, %(count)s) AS g
JOIN LATERAL (
    SELECT now() - ((%(count)s - g) * interval '1 second' * (94608000.0 / %(count)s)) AS received_at
) t ON true
JOIN LATERAL (
    SELECT CASE
        WHEN g > %(count)s - 3000 THEN (ARRAY['accepted', 'accepted', 'supplementing',
            'received', 'special', 'referred'])[1 + g %% 6]
        WHEN g %% 997 = 0 THEN 'accepted'  -- old open cases: overdue
        WHEN g %% 40 = 0 THEN 'not_accepted'
        WHEN g %% 71 = 0 THEN 'withdrawn'
        ELSE 'closed'
    END AS status
) s ON true
JOIN LATERAL (
    SELECT id, code, name FROM catalog_localmatter ORDER BY id OFFSET (g %% 50) LIMIT 1
) m ON true
"""


def load_cases(slug: str, context: dict) -> dict:
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(slug):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_case")
            (existing,) = cursor.fetchone()
        if existing >= CASES:
            return {"loaded": 0, "existing": existing}
        from cityplatform import pii

        started = time.perf_counter()
        sql = LOAD_SQL
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "count": CASES,
                    # one resident, encrypted once: every row holds a valid token and its hash
                    "person_id": pii.encrypt(PERSON_ID),
                    "person_hash": pii.lookup_hash(PERSON_ID),
                    "first_window": min(context["windows"]),
                    "clerk": context["clerk"],
                },
            )
            cursor.execute("ANALYZE cases_case")
        return {"loaded": CASES, "load_s": round(time.perf_counter() - started, 1)}


def list_bench(slug: str, host: str, context: dict) -> dict:
    """p50/p95 of GET /api/v1/cases/ with each filter, in-process."""
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenants.accounts.models import User

    client = Client(HTTP_HOST=host)
    with schema_context(slug):
        clerk = User.objects.get(pk=context["clerk"])
        client.force_login(clerk)
    window = context["windows"][2]
    queries = {
        "all, first page": "",
        "status=accepted": "status=accepted",
        "status=closed (≈97 % of rows)": "status=closed",
        f"window={window}": f"window={window}",
        "overdue": "overdue=true",
        f"status=accepted&window={window}": f"status=accepted&window={window}",
        f"overdue&window={window}": f"overdue=true&window={window}",
        "open": "status=open",
    }
    out: dict = {}
    for label, query in queries.items():
        timings = []
        count = 0
        for _ in range(LIST_SAMPLES):
            started = time.perf_counter()
            response = client.get(f"/api/v1/cases/?{query}")
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (query, response.status_code)
            count = len(response.json()["results"])
        out[label] = {
            "p50_ms": round(statistics.median(timings) * 1000, 1),
            "p95_ms": round(_pct(timings, 95) * 1000, 1),
            "rows": count,
        }
    # A deep page: follow the cursor 20 pages into the unfiltered list.
    url = "/api/v1/cases/?status=closed"
    for _ in range(20):
        url = client.get(url).json()["next"]
    timings = []
    for _ in range(LIST_SAMPLES):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
    out["status=closed, page 21 by cursor"] = {
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(_pct(timings, 95) * 1000, 1),
        "rows": len(response.json()["results"]),
    }
    connection.set_schema_to_public()
    return out


def intake_bench(port: int, host: str, context: dict) -> dict:
    """POST /api/v1/cases/ from INTAKE_THREADS threads for INTAKE_SECONDS seconds."""
    import http.client

    token = context["token"]
    _pk, code, _name = context["matters"][0]
    body_base = {
        "matter": code,
        "outcome": "accept",
        "channel": "window",
        "window": context["windows"][0],
        "applicant_kind": "person",
        "applicant_name": "李四",
        "applicant_id_number": PERSON_ID,
        "applicant_phone": "13900001111",
        "materials": [
            {"name": "居民身份证", "state": "received", "originals_received": 1},
            {"name": "申请表", "state": "received", "originals_received": 1},
        ],
    }
    stop_at = time.monotonic() + INTAKE_SECONDS
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop_at:
            body = json.dumps(body_base)
            headers = {
                "Host": host,
                "Content-Type": "application/json",
                "Authorization": f"Token {token}",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/cases/", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == 201
            except OSError as exc:
                ok, payload = False, str(exc).encode()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    timings.append(elapsed)
                else:
                    errors.append(payload[:300].decode(errors="replace"))

    threads = [threading.Thread(target=worker) for _ in range(INTAKE_THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "threads": INTAKE_THREADS,
        "seconds": round(wall, 1),
        "created": len(timings),
        "per_s": round(len(timings) / wall, 1),
        "p50_ms": round(statistics.median(timings) * 1000, 1) if timings else None,
        "p95_ms": round(_pct(timings, 95) * 1000, 1) if timings else None,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }
