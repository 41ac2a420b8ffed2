from celery import shared_task
from django.conf import settings
from django_tenants.utils import schema_context

from .notifications import MAX_ATTEMPTS, notification_deliver, notifications_lost


@shared_task(bind=True, ignore_result=True, max_retries=MAX_ATTEMPTS)
def notification_send(self, notification_id: int) -> None:
    """Send an applicant's SMS; retried with back-off while the gateway fails."""
    if notification_deliver(notification_id) == "pending":
        raise self.retry(countdown=30 * 2**self.request.retries)


@shared_task(ignore_result=True)
def notifications_sweep() -> int:
    """In a center's schema: queue again every notification whose task was lost."""
    ids = notifications_lost()
    for pk in ids:
        notification_send.delay(pk)
    return len(ids)


@shared_task(ignore_result=True)
def dispatch_notification_sweeps() -> int:
    """Beat, in public: one sweep per active center, spread over the interval."""
    from tenants.selectors import active_center_schemas

    schemas = active_center_schemas()
    interval = settings.NOTIFICATION_SWEEP_SECONDS
    for index, schema_name in enumerate(schemas):
        with schema_context(schema_name):
            notifications_sweep.apply_async(
                countdown=interval * index / max(len(schemas), 1), expires=interval
            )
    return len(schemas)


# --- promised dates confirmed on the official calendar (行政许可法 art. 82) ------------------

# The years the official calendar knew at the last watch (the library's and the city's).
OFFICIAL_YEARS_KEY = "calendar:official-years"


@shared_task(ignore_result=True)
def due_dates_confirm_center(years: list[int] | None = None, reason: str = "") -> dict:
    """In a center's schema: one audited run recomputing its provisional promised dates."""
    from .due_dates import due_dates_confirm

    return due_dates_confirm(years=years or (), reason=reason).as_dict()


@shared_task(ignore_result=True)
def dispatch_due_date_confirmations(years: list[int] | None = None, reason: str = "") -> int:
    """In public: one recompute run per active center (after the city confirmed a year's
    official schedule, or the calendar library learnt a year)."""
    from tenants.selectors import active_center_schemas

    schemas = active_center_schemas()
    for schema_name in schemas:
        with schema_context(schema_name):
            due_dates_confirm_center.delay(list(years or ()), reason)
    return len(schemas)


def official_year_confirmed(year: int) -> None:
    """The calendar's listener (registered in CasesConfig.ready()): every center recomputes its
    provisional promised dates and those whose term reaches into `year` (行政许可法 art. 82;
    the acceptance notice's promise)."""
    dispatch_due_date_confirmations.delay([year], f"official schedule {year} confirmed")


def official_years(today=None) -> list[int]:
    """The years around today whose official schedule is known: by the calendar library, or
    confirmed by the city."""
    from django.utils import timezone

    from catalog_cms.standards import calendar as cal

    year = (today or timezone.localdate()).year
    entered = set(cal.entered_schedules())
    return [y for y in range(year - 1, year + 3) if cal.library_knows_year(y) or y in entered]


@shared_task(ignore_result=True)
def calendar_years_watch() -> list[int]:
    """Beat, daily, in public: when a year became official since the last watch (a new
    chinese_calendar release carries it), dispatch the recompute runs for it. The years seen
    are kept in the cache; when the cache forgets them, the runs go out once more, which is
    harmless (a run changes only what moved)."""
    from django.core.cache import cache

    known = official_years()
    seen = cache.get(OFFICIAL_YEARS_KEY)
    new = [y for y in known if seen is None or y not in seen]
    cache.set(OFFICIAL_YEARS_KEY, known, None)
    if new:
        # A year the library learnt changes only provisional dates: years=() looks at those.
        dispatch_due_date_confirmations.delay([], "calendar library")
    return new
