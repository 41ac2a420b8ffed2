"""Personal information at rest (issue 14): encrypted ID numbers and the keyed hash beside them.

- `encrypt(value)` / `decrypt(token)`: authenticated encryption under the first key of
  settings.PII_ENCRYPTION_KEYS in settings.PII_CIPHER, "aes" (AES-256-GCM) or "sm4" (SM4-GCM,
  GB/T 32907, for cities that need 商用密码). A token names its format, cipher and key:
  ``pii1:<cipher>:<key id>:<base64url of nonce + ciphertext + tag>``, so any listed key in
  either cipher still decrypts it and `needs_rotation` tells which values `rotate_pii_key`
  must re-encrypt. The header is bound to the ciphertext as associated data.
- `lookup_hash(value)`: HMAC-SHA256 under settings.PII_HASH_KEY of the normalised value
  (stripped, upper-case: an ID's check character X is matched either way), as hex. Every
  lookup and duplicate check goes through it; the encrypted column itself is never filtered on.
- `EncryptedCharField` and `LookupHashField`: the model fields that do both on save and load.

Each key is a secret of at least 32 characters (``python -c "import secrets;
print(secrets.token_urlsafe(32))"``); the cipher keys are derived from it with HKDF-SHA256, and
its id is a short fingerprint, never the key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

TOKEN_VERSION = "pii1"
CIPHERS = ("aes", "sm4")
MIN_KEY_LENGTH = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_LENGTH = 8
# Room for an 18-character ID or credit code, with the header, nonce and tag (about 90).
TOKEN_MAX_LENGTH = 255
HASH_LENGTH = 64


class PIIError(Exception):
    """A token that cannot be read: unknown format, a key no longer listed, or tampered with."""


def normalise(value: str) -> str:
    return (value or "").strip().upper()


def lookup_hash(value: str) -> str:
    """The keyed hash (hex HMAC-SHA256) of the normalised value; "" for an empty value, so a
    blank never matches another blank."""
    value = normalise(value)
    if not value:
        return ""
    key = settings.PII_HASH_KEY
    if not key or len(key) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"PII_HASH_KEY must be set to a secret of at least {MIN_KEY_LENGTH} characters."
        )
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Key:
    key_id: str
    secret: bytes

    @functools.cached_property
    def aes(self) -> AESGCM:
        return AESGCM(_derive(self.secret, b"cityplatform pii aes-256-gcm", 32))

    @functools.cached_property
    def sm4(self) -> bytes:
        return _derive(self.secret, b"cityplatform pii sm4-gcm", 16)


def _derive(secret: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


def key_id(secret: str) -> str:
    """A key's public fingerprint (8 hex digits), as written in its tokens."""
    digest = hashlib.sha256(b"cityplatform pii key id\x00" + secret.encode()).hexdigest()
    return digest[:KEY_ID_LENGTH]


@functools.lru_cache(maxsize=8)
def _keyring(secrets: tuple[str, ...]) -> tuple[_Key, ...]:
    keys = []
    for secret in secrets:
        if len(secret) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"Every key in PII_ENCRYPTION_KEYS must have at least {MIN_KEY_LENGTH} "
                f"characters; key {key_id(secret)} has {len(secret)}."
            )
        keys.append(_Key(key_id(secret), secret.encode()))
    return tuple(keys)


def keys() -> tuple[_Key, ...]:
    """The configured keys, the encrypting one first."""
    configured = tuple(k.strip() for k in settings.PII_ENCRYPTION_KEYS if k and k.strip())
    if not configured:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS must name at least one key.")
    return _keyring(configured)


def current_cipher() -> str:
    cipher = (settings.PII_CIPHER or "").strip().lower()
    if cipher not in CIPHERS:
        raise ImproperlyConfigured(
            f"PII_CIPHER must be one of {', '.join(CIPHERS)}; it is {settings.PII_CIPHER!r}."
        )
    return cipher


def _seal(cipher: str, key: _Key, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
    if cipher == "aes":
        return key.aes.encrypt(nonce, plain, aad)
    encryptor = Cipher(algorithms.SM4(key.sm4), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plain) + encryptor.finalize() + encryptor.tag


def _open(cipher: str, key: _Key, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if cipher == "aes":
        return key.aes.decrypt(nonce, sealed, aad)
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key.sm4), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_VERSION + ":")


def encrypt(value: str) -> str:
    """The token of `value` under the current cipher and first key; "" stays ""."""
    if value is None or value == "":
        return ""
    if is_token(value):
        raise PIIError("The value is already an encrypted token; it is not encrypted twice.")
    cipher = current_cipher()
    key = keys()[0]
    header = f"{TOKEN_VERSION}:{cipher}:{key.key_id}:"
    nonce = os.urandom(NONCE_BYTES)
    sealed = _seal(cipher, key, nonce, str(value).encode(), header.encode())
    return header + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def _parse(token: str) -> tuple[str, str, str]:
    parts = token.split(":", 3)
    if len(parts) != 4 or parts[0] != TOKEN_VERSION or parts[1] not in CIPHERS:
        raise PIIError("Not an encrypted personal-data token.")
    return parts[1], parts[2], parts[3]


def decrypt(token: str) -> str:
    """The value of a token made by `encrypt` with any configured key, in either cipher."""
    if token is None or token == "":
        return ""
    cipher, kid, body = _parse(token)
    key = next((k for k in keys() if k.key_id == kid), None)
    if key is None:
        raise PIIError(
            f"The value was encrypted with key {kid}, which PII_ENCRYPTION_KEYS no longer lists."
        )
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    header = f"{TOKEN_VERSION}:{cipher}:{kid}:"
    try:
        return _open(cipher, key, nonce, sealed, header.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise PIIError(f"The value encrypted with key {kid} fails its integrity check.") from exc


def needs_rotation(stored: str) -> bool:
    """Whether a stored value is plain text or a token of another cipher or an older key."""
    if not stored:
        return False
    if not is_token(stored):
        return True
    cipher, kid, _body = _parse(stored)
    return cipher != current_cipher() or kid != keys()[0].key_id


def reveal_value(value: str) -> str:
    """A stored value read back: a token decrypted, plain text (not yet migrated) as it is."""
    return decrypt(value) if is_token(value) else (value or "")


def reencrypt_table(
    *, table: str, column: str, hash_column: str = "", pk: str = "id", batch_size: int = 1000
) -> tuple[int, int]:
    """Bring every value of `table.column` in the current schema under the current cipher and
    first key (plain text is encrypted, older tokens re-encrypted) and its `hash_column` up to
    date, in batches by primary key, each batch its own transaction: idempotent (a second run
    changes nothing) and resumable (an interrupted run loses at most one batch's work).
    Returns (rows read, rows rewritten). The migrations and rotate_pii_key call it."""
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    columns = f"{qn(pk)}, {qn(column)}" + (f", {qn(hash_column)}" if hash_column else "")
    select = f"SELECT {columns} FROM {qn(table)} WHERE {qn(pk)} > %s ORDER BY {qn(pk)} LIMIT %s"
    sets = f"{qn(column)} = %s" + (f", {qn(hash_column)} = %s" if hash_column else "")
    update = f"UPDATE {qn(table)} SET {sets} WHERE {qn(pk)} = %s"
    last, read, rewritten = None, 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last is None:
                cursor.execute(select.replace(f"WHERE {qn(pk)} > %s ", ""), [batch_size])
            else:
                cursor.execute(select, [last, batch_size])
            rows = cursor.fetchall()
            changes = []
            for row in rows:
                stored = row[1] or ""
                plain = reveal_value(stored)
                token = encrypt(plain) if needs_rotation(stored) else stored
                params = [token]
                if hash_column:
                    digest = lookup_hash(plain)
                    if token == stored and digest == (row[2] or ""):
                        continue
                    params.append(digest)
                elif token == stored:
                    continue
                changes.append([*params, row[0]])
            if changes:
                cursor.executemany(update, changes)
        if not rows:
            return read, rewritten
        read += len(rows)
        rewritten += len(changes)
        last = rows[-1][0]


class EncryptedCharField(models.CharField):
    """Plain text in Python, a token in the database (see the module doc). It cannot be
    filtered on (each encryption has its own nonce): filter on its LookupHashField instead."""

    description = "An encrypted string"

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = TOKEN_MAX_LENGTH
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return reveal_value(value)

    def to_python(self, value):
        if isinstance(value, str) and is_token(value):
            return decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or is_token(value):
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


class _EmptyOnlyExact(models.lookups.Exact):
    """`field=""` still works (blank values are stored blank); any other value would be
    encrypted with a fresh nonce and silently match nothing, so it is refused."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise PIIError(
                "An encrypted field cannot be filtered on its value; filter on its lookup hash."
            )
        return super().get_prep_lookup()


class LookupHashField(models.CharField):
    """The keyed hash of another field of the same model (`source`), recomputed whenever the
    row is saved or bulk-created; indexed, for lookups and duplicate checks."""

    description = "The keyed hash of another field"

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs["max_length"] = HASH_LENGTH
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = lookup_hash(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


# --- rotation (the rotate_pii_key command) ---------------------------------------------------


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    pk: str
    column: str
    hash_column: str
    label: str


def encrypted_columns() -> list[EncryptedColumn]:
    """Every EncryptedCharField of every installed model, with its LookupHashField."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        for field in fields:
            if not isinstance(field, EncryptedCharField):
                continue
            hashed = next(
                (f for f in fields if isinstance(f, LookupHashField) and f.source == field.name),
                None,
            )
            found.append(
                EncryptedColumn(
                    table=model._meta.db_table,
                    pk=model._meta.pk.column,
                    column=field.column,
                    hash_column=hashed.column if hashed else "",
                    label=f"{model._meta.label}.{field.name}",
                )
            )
    return found


def schemas_with_table(table: str) -> list[str]:
    """Every schema that holds `table`: each center, archived ones too, the template and the
    spares, in name order."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = %s AND table_schema NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY table_schema",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def pending_in_table(*, table: str, column: str) -> int:
    """How many values of `table.column` in the current schema are not under the current
    cipher and first key yet."""
    from django.db import connection

    qn = connection.ops.quote_name
    prefix = f"{TOKEN_VERSION}:{current_cipher()}:{keys()[0].key_id}:"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {qn(table)} "
            f"WHERE {qn(column)} <> '' AND {qn(column)} NOT LIKE %s",
            [prefix + "%"],
        )
        return cursor.fetchone()[0]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; an organisation keeps its first two and last two characters."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) > 6:
        return name[:2] + "*" * (len(name) - 4) + name[-2:]
    return name[0] + "*" * (len(name) - 1)
