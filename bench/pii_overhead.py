"""What the encrypted ID number costs (issue 14): the case list and intake through the API,
in-process on the million-case center, with the field as built and with its encryption,
decryption and hashing switched off, alternating request by request so that whatever else the
machine is doing weighs on both alike; plus the primitives themselves (AES-256-GCM, SM4-GCM,
HMAC-SHA256) per value.

Called by bench/run.py in the "cases" phase, after the list timings (BENCH_PII_SAMPLES pairs
per figure, 60 by default; intake takes half as many).
"""

from __future__ import annotations

import json
import os
import statistics
import time

SAMPLES = int(os.environ.get("BENCH_PII_SAMPLES", "60"))
PRIMITIVE_ROUNDS = 10000
PERSON_ID = "11010519491231002X"


class _Switch:
    """Turns the field's cryptography off and on again (the stored tokens stay as they are:
    neither figure shows the ID number)."""

    def __init__(self):
        from cityplatform import pii

        self.pii = pii
        self.real = (pii.EncryptedCharField.from_db_value, pii.encrypt, pii.lookup_hash)

    def off(self):
        self.pii.EncryptedCharField.from_db_value = lambda field, value, expr, conn: value
        self.pii.encrypt = lambda value: value
        self.pii.lookup_hash = lambda value: ""

    def on(self):
        pii = self.pii
        pii.EncryptedCharField.from_db_value, pii.encrypt, pii.lookup_hash = self.real


def _per_value_us(fn) -> float:
    started = time.perf_counter()
    for _ in range(PRIMITIVE_ROUNDS):
        fn()
    return round((time.perf_counter() - started) / PRIMITIVE_ROUNDS * 1e6, 1)


def primitives() -> dict:
    from django.test import override_settings

    from cityplatform import pii

    out = {"lookup_hash_us": _per_value_us(lambda: pii.lookup_hash(PERSON_ID))}
    for cipher in ("aes", "sm4"):
        with override_settings(PII_CIPHER=cipher):
            token = pii.encrypt(PERSON_ID)
            out[f"{cipher}_encrypt_us"] = _per_value_us(lambda: pii.encrypt(PERSON_ID))
            out[f"{cipher}_decrypt_us"] = _per_value_us(lambda t=token: pii.decrypt(t))
    return out


def overhead_bench(slug: str, host: str, context: dict) -> dict:
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenants.accounts.models import User

    client = Client(HTTP_HOST=host)
    with schema_context(slug):
        client.force_login(User.objects.get(pk=context["clerk"]))
    window = context["windows"][0]
    _pk, code, _name = context["matters"][0]
    body = json.dumps(
        {
            "matter": code,
            "outcome": "accept",
            "channel": "window",
            "window": window,
            "applicant_kind": "person",
            "applicant_name": "李四",
            "applicant_id_number": PERSON_ID,
            "applicant_phone": "13900001111",
            "materials": [
                {"name": "居民身份证", "state": "received", "originals_received": 1},
                {"name": "申请表", "state": "received", "originals_received": 1},
            ],
        }
    )

    def listing(query):
        def call():
            response = client.get(f"/api/v1/cases/?{query}")
            assert response.status_code == 200, response.status_code

        return call

    def intake():
        response = client.post("/api/v1/cases/", body, content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    figures = {
        "case list, all (first page)": (listing(""), SAMPLES),
        "case list, open": (listing("status=open"), SAMPLES),
        f"case list, window={window}": (listing(f"window={window}"), SAMPLES),
        "intake (accept + notice PDF)": (intake, max(SAMPLES // 2, 5)),
    }
    switch = _Switch()
    out: dict = {}
    try:
        for label, (call, rounds) in figures.items():
            call()
            switch.off()
            call()
            switch.on()
            encrypted, plain = [], []
            for _ in range(rounds):
                started = time.perf_counter()
                call()
                encrypted.append(time.perf_counter() - started)
                switch.off()
                started = time.perf_counter()
                call()
                plain.append(time.perf_counter() - started)
                switch.on()
            enc, pla = statistics.median(encrypted), statistics.median(plain)
            out[label] = {
                "encrypted_p50_ms": round(enc * 1000, 1),
                "plain_p50_ms": round(pla * 1000, 1),
                "ratio": round(enc / pla, 3),
                "pairs": rounds,
            }
    finally:
        switch.on()
        # The in-process client's tenant middleware left the connection in the center's
        # schema; the phases after this one provision centers, which needs the public one.
        connection.set_schema_to_public()
    out["primitives"] = primitives()
    return out


def print_table(r: dict) -> None:
    lines = ["", "6b. encrypted ID numbers: the same request with and without the cryptography"]
    lines.append(f"   {'':<36}{'encrypted':>12}{'plain':>12}{'ratio':>8}")
    for label, f in r.items():
        if label == "primitives":
            continue
        lines.append(
            f"   {label:<36}{f['encrypted_p50_ms']:9.1f} ms{f['plain_p50_ms']:9.1f} ms"
            f"{f['ratio']:8.3f}"
        )
    p = r["primitives"]
    lines.append(
        f"   per value: AES-256-GCM encrypt {p['aes_encrypt_us']} µs, decrypt "
        f"{p['aes_decrypt_us']} µs; SM4-GCM {p['sm4_encrypt_us']} / {p['sm4_decrypt_us']} µs; "
        f"lookup hash {p['lookup_hash_us']} µs"
    )
    print("\n".join(lines))
