from django.db.models import F
from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name: str = "beat") -> None:
    """Record that the scheduled heartbeat reached the current schema."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(last_run_at=now, runs=F("runs") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"last_run_at": now, "runs": 1})
