"""Appointments on each center's domain: /appointments/ (pick a matter and a day with plain GET
forms, the page lists the free slots as radio buttons; then name and phone) with a confirmation
page that shows the booking number, and /appointments/cancel/ (booking number and the phone's
last four digits; a wrong pair answers like an unknown number, and a booking number with too
many wrong pairs is locked for an hour). Both POSTs are throttled per client address (an IPv6
/64 counts as one) with a Redis counter; the booking form carries a honeypot field. The rules
live in centers.appointments."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from centers.appointments import selectors, services, throttle
from centers.catalog.models import LocalMatter
from centers.workspace.models import Window
from cityplatform import ratelimit
from cityplatform.ratelimit import client_bucket

from .spam import honeypot_filled

SESSION_KEY = "appointment_booked"
POST_LIMIT = 10
POST_WINDOW_SECONDS = 600


def _throttled(request) -> bool:
    """Count one POST from the client's address; True over the limit."""
    key = ratelimit.key("appointments:post", client_bucket(request))
    return ratelimit.hit(key, POST_WINDOW_SECONDS) > POST_LIMIT


def _too_many(request, template: str, context: dict):
    context["throttled"] = True
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(POST_WINDOW_SECONDS)
    return response


def _slot_value(slot: dict) -> str:
    return f"{slot['date']:%Y-%m-%d}|{slot['window'].pk}|{slot['start']:%H:%M}"


def _options(slots: list[dict]) -> list[dict]:
    return [slot | {"value": _slot_value(slot)} for slot in slots]


def _parse_slot(value: str):
    try:
        day, window_id, start = (value or "").split("|")
        return (
            datetime.date.fromisoformat(day),
            Window.objects.filter(pk=int(window_id)).first(),
            datetime.time.fromisoformat(start),
        )
    except ValueError:
        return None


def _parse_day(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _matter(code: str | None):
    code = (code or "").strip()[:64]
    return LocalMatter.objects.filter(code=code).first() if code else None


def _page(request, context: dict, status: int = 200):
    response = render(request, "portal/appointments/book.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def appointments(request):
    """GET: choose a matter, then a day, then a free slot (or, once after booking, the
    confirmation). POST: book; a refused slot shows the next free slots to choose from."""
    if request.method == "GET" and hasattr(request, "session"):
        booked = request.session.pop(SESSION_KEY, None)
        if booked:
            response = render(request, "portal/appointments/done.html", booked)
            response["X-Robots-Tag"] = "noindex"
            return response
    source = request.POST if request.method == "POST" else request.GET
    matter = _matter(source.get("matter"))
    today = timezone.localdate()
    day = _parse_day(source.get("day"))
    context: dict = {
        "matters": LocalMatter.objects.order_by("category_name", "name").only("code", "name"),
        "matter": matter,
        "day": day,
        "today": today,
        "last_day": selectors.horizon_last_day(today),
        "name": (source.get("name") or "")[:50],
        "phone": (source.get("phone") or "")[:20],
        "id_number": (source.get("id_number") or "")[:18] if request.method == "POST" else "",
    }
    if matter is not None:
        if day is not None:
            context["slots"] = _options(selectors.free_slots(matter, day))
        if day is None or not context["slots"]:
            context["next_slots"] = _options(selectors.next_free_slots(matter, timezone.now()))
    if request.method == "GET":
        return _page(request, context)

    if _throttled(request):
        return _too_many(request, "portal/appointments/book.html", context)
    if honeypot_filled(request.POST):
        context["refused"] = True
        return _page(request, context, status=400)
    parsed = _parse_slot(request.POST.get("slot", ""))
    errors: list[str] = []
    if matter is None:
        errors.append("matter")
    elif parsed is None or parsed[1] is None:
        errors.append("slot")
    else:
        date, window, start = parsed
        try:
            appointment = services.appointment_book(
                matter=matter,
                window=window,
                date=date,
                start=start,
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
                id_number=request.POST.get("id_number", ""),
            )
        except ValidationError as exc:
            context["errors"] = exc.messages
            if isinstance(exc, services.SlotRefused):
                context["next_slots"] = _options(exc.next_slots)
                context["slot_refused"] = True
            return _page(request, context, status=400)
        request.session[SESSION_KEY] = {
            "number": appointment.number,
            "matter_name": matter.name,
            "date": appointment.date.isoformat(),
            "start": f"{appointment.start:%H:%M}",
            "window": str(appointment.window),
        }
        return redirect("appointments")
    context["missing"] = errors
    return _page(request, context, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def appointments_cancel(request):
    """GET: the form. POST: cancel by booking number and the phone's last four digits."""
    template = "portal/appointments/cancel.html"
    context: dict = {"number": (request.GET.get("number") or "").strip()[:16]}
    if request.method == "POST":
        number = (request.POST.get("number") or "").strip().upper()[:16]
        context["number"] = number
        if _throttled(request):
            return _too_many(request, template, context)
        try:
            throttle.cancel_check(number)
        except throttle.CancelLocked as exc:
            context["locked"] = True
            response = render(request, template, context, status=429)
            response["Retry-After"] = str(exc.retry_after)
            response["X-Robots-Tag"] = "noindex"
            return response
        last4 = (request.POST.get("phone_last4") or "").strip()
        found = selectors.appointment_find(number, last4)
        if found is None:
            throttle.cancel_failure(number)
        try:
            cancelled = services.appointment_cancel(appointment=found, phone_last4=last4)
        except ValidationError as exc:
            context["errors"] = exc.messages
            response = render(request, template, context, status=400)
        else:
            context["cancelled"] = cancelled
            response = render(request, template, context)
    else:
        response = render(request, template, context)
    response["X-Robots-Tag"] = "noindex"
    return response
