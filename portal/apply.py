"""Online application (网上申报) on each center's domain: `/guides/<matter code>/apply/`, for
matters marked as applicable online. The resident enters the applicant and uploads the
materials of the guide's checklist; `centers.cases.services.case_intake` receives the case
(已接件, channel online) for the desk's pre-review, checks the applicant and every scan (by
content and size) and makes a repeated submission return the first case (idempotency key).

Spam protection without outside services: a honeypot field that people never see and a
per-address limit counted in the cache (Redis; an IPv6 /64 counts as one address). Abuse
protection: every scan is checked by centers.cases.files (PDFs inspected, images re-encoded),
the scans of one application and the center's anonymous uploads of the day have totals, and
the applicant's phone counts against the day's SMS cap of the public forms (it will get the
case's messages); with Redis down the form refuses instead."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from centers.cases import files
from centers.cases.models import ApplicantKind, CaseMaterial
from centers.cases.services import Intake, Outcome, case_intake
from centers.cases.states import Channel
from centers.catalog.models import LocalMatter
from cityplatform import ratelimit
from cityplatform.ratelimit import client_bucket

from .spam import honeypot_field, honeypot_filled

TEMPLATE = "portal/guides/apply.html"
DONE_TEMPLATE = "portal/guides/applied.html"
# Per client address: submissions (every POST counts) in a fixed window.
APPLY_LIMIT = 10
APPLY_WINDOW_SECONDS = 600
KEY_PREFIX = "online:"


class ApplyForm(forms.Form):
    applicant_kind = forms.ChoiceField(
        label=_("Applicant"),
        choices=ApplicantKind.choices,
        initial=ApplicantKind.PERSON,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(
        label=_("Name of the person or organisation"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    applicant_id_number = forms.CharField(
        label=_("Resident ID number, or the organisation's unified social credit code"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    applicant_phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        help_text=_(
            "We send progress messages to this number; its last four digits look up the progress."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    website = honeypot_field()
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, matter: LocalMatter, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.matter = matter
        self.material_fields: list[tuple[str, dict]] = []
        for index, material in enumerate(matter.materials or []):
            name = f"material_{index}"
            required = material.get("required", True)
            self.fields[name] = forms.FileField(
                label=material["name"],
                required=False,
                help_text=_("Required") if required else _("Optional"),
                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
            )
            self.material_fields.append((name, material))

    def clean(self):
        data = super().clean()
        uploads = []
        for name, _material in self.material_fields:
            upload = data.get(name)
            if upload:
                try:
                    files.check_scan(upload)
                except ValidationError as exc:
                    self.add_error(name, exc.messages)
                else:
                    uploads.append(upload)
        if uploads and not self.errors:
            try:
                files.check_application_uploads(uploads)
            except ValidationError as exc:
                self.add_error(None, exc.messages)
        return data

    def material_bound_fields(self):
        return [self[name] for name, _material in self.material_fields]

    def applicant_bound_fields(self):
        return [self[n] for n in ("applicant_name", "applicant_id_number", "applicant_phone")]

    def intake(self) -> Intake:
        data = self.cleaned_data
        materials, uploads = [], []
        for name, material in self.material_fields:
            upload = data.get(name)
            if upload:
                uploads.append((upload, material["name"]))
            if upload:
                state = CaseMaterial.State.RECEIVED
            elif material.get("required", True):
                state = CaseMaterial.State.MISSING
            else:  # an optional material not sent is not needed (the desk's default too)
                state = CaseMaterial.State.NOT_NEEDED
            materials.append({"name": material["name"], "state": state})
        return Intake(
            matter=self.matter,
            applicant={
                "kind": data["applicant_kind"],
                "name": data["applicant_name"],
                "id_number": data["applicant_id_number"],
                "phone": data["applicant_phone"],
            },
            channel=Channel.ONLINE,
            outcome=Outcome.RECEIVE,
            materials=materials,
            uploads=uploads,
            idempotency_key=f"{KEY_PREFIX}{data['idempotency_key']}",
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's field → messages, on the form's fields where they match."""
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


def _over_limit(ip: str) -> int:
    """Count one submission from `ip`; the seconds to wait when over the limit, else 0."""
    key = ratelimit.key("portal-apply:ip", ip)
    if ratelimit.hit(key, APPLY_WINDOW_SECONDS) <= APPLY_LIMIT:
        return 0
    return ratelimit.retry_after(key, APPLY_WINDOW_SECONDS)


def _online_matter(code: str) -> LocalMatter:
    matter = LocalMatter.objects.filter(code=code, online=True).first()
    if matter is None:
        raise Http404(_("This matter cannot be applied for online here."))
    return matter


def _page(request, context: dict, status: int = 200):
    response = render(request, TEMPLATE, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request, code: str):
    matter = _online_matter(code)
    context: dict = {"matter": matter, "limit": APPLY_LIMIT}
    if request.method == "GET":
        context["form"] = ApplyForm(matter, initial={"idempotency_key": uuid.uuid4()})
        return _page(request, context)

    retry_after = _over_limit(client_bucket(request))
    if retry_after:
        context["throttled"] = True
        context["retry_minutes"] = max(1, -(-retry_after // 60))
        response = _page(request, context, status=429)
        response["Retry-After"] = str(retry_after)
        return response

    form = ApplyForm(matter, request.POST, request.FILES)
    context["form"] = form
    if honeypot_filled(request.POST):
        context["refused"] = True
        context["form"] = ApplyForm(matter, initial={"idempotency_key": uuid.uuid4()})
        return _page(request, context, status=400)
    if not form.is_valid():
        return _page(request, context, status=400)
    try:
        ratelimit.sms_quota_require(form.cleaned_data["applicant_phone"], field="applicant_phone")
        case = case_intake(actor=None, intake=form.intake())
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _page(request, context, status=400)
    missing = list(
        case.materials.filter(state=CaseMaterial.State.MISSING).values_list("name", flat=True)
    )
    response = render(
        request,
        DONE_TEMPLATE,
        {"matter": matter, "case": case, "missing": missing},
    )
    response["X-Robots-Tag"] = "noindex"
    return response
