"""The SMS gateway interface. The product sends through `send_sms`; which gateway carries it
is a setting (`SMS_BACKEND`), so a city plugs in its own provider without code changes.

The default backend writes each message to the log (and keeps it in memory for tests); a
real gateway is a class with the same `send` method that raises `SmsError` on failure."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("cityplatform.sms")


class SmsError(Exception):
    """The gateway refused or could not be reached; the caller may retry."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    gateway_id: str


class ConsoleBackend:
    """Logs the message (the phone masked) instead of sending it."""

    outbox: list[SmsMessage] = []

    def send(self, phone: str, text: str) -> str:
        gateway_id = uuid.uuid4().hex
        self.outbox.append(SmsMessage(phone, text, gateway_id))
        logger.info("SMS to %s****%s: %s", phone[:3], phone[-4:], text)
        return gateway_id


class HttpGatewayBackend:
    """A JSON-over-HTTP gateway (`SMS_GATEWAY_URL`, `SMS_GATEWAY_TOKEN`): POSTs
    {"phone", "text"} and expects {"id"} back."""

    def send(self, phone: str, text: str) -> str:
        import json
        import urllib.request

        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=json.dumps({"phone": phone, "text": text}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return str(json.load(response).get("id", ""))
        except (OSError, ValueError) as exc:
            raise SmsError(str(exc)) from exc


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str) -> str:
    """Send one message; returns the gateway's message id. Raises SmsError."""
    return get_backend().send(phone, text)
