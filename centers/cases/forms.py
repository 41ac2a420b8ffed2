"""Forms of the case desk. They only parse input into what the services take; the services
decide, and their ValidationErrors come back on the fields of the same names."""

from __future__ import annotations

import datetime
import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centers.workspace.models import Department, ServicePoint, Window
from tenants.accounts.models import User
from tenants.accounts.permissions import Capability, can

from . import approvals, fees, objections, selectors, services
from .models import ApplicantKind, ApprovalRequest, CaseFee, CaseMaterial, CaseObjection
from .selectors import CaseFilters
from .services import Outcome
from .states import (
    SPECIAL_PAUSE_KINDS,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    Handover,
    PauseKind,
    RefusalKind,
)

MAX_MATERIAL_ROWS = 200
MATERIAL_FIELD = re.compile(r"^m\d+_(state|note)$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files under one name; each is checked by the services (files.py)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


def staff_label(user) -> str:
    full = f"{user.last_name}{user.first_name}".strip()
    return f"{full} ({user.username})" if full else user.username


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


def service_errors_to_form(form: forms.Form, exc: ValidationError, aliases=None) -> None:
    """Put a service's ValidationError on the form's fields of the same name (or the
    aliased one); anything else becomes a form-wide error."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, messages)


# --- the list ----------------------------------------------------------------------------------


STATUS_OPEN = "open"


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Receipt number, applicant or ID number"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "data-shortcut": "q", "autocomplete": "off"}
        ),
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    window = forms.ModelChoiceField(
        label=gettext_lazy("Window"), queryset=Window.objects.none(), required=False
    )
    matter = forms.CharField(
        label=gettext_lazy("Matter code"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "matter-options", "autocomplete": "off"}),
    )
    mine = forms.BooleanField(label=gettext_lazy("My cases (incl. B-post cover)"), required=False)
    urgent = forms.BooleanField(label=gettext_lazy("急办件 only"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    approval_waiting = forms.BooleanField(
        label=gettext_lazy("Waiting for the director's approval"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("All")),
            (STATUS_OPEN, _("Open (not finished)")),
            *CaseStatus.choices,
        ]
        self.fields["window"].queryset = Window.objects.order_by("number")

    def filters(self, user) -> CaseFilters:
        data = self.cleaned_data if self.is_valid() else {}
        window = data.get("window")
        return CaseFilters(
            status=data.get("status") or None,
            window_id=window.pk if window else None,
            overdue=bool(data.get("overdue")),
            urgent=bool(data.get("urgent")),
            approval_waiting=bool(data.get("approval_waiting")),
            mine_for=user if data.get("mine") else None,
            matter_code=(data.get("matter") or "").strip().split(" ")[0] or None,
            query=(data.get("q") or "").strip() or None,
        )


# --- intake ------------------------------------------------------------------------------------


class DepartmentTermsMixin:
    """联办件 (seed plan 1, 并联审批告知单): for each department, what it needs from the
    applicant and its working days within the case's term, as fields term_<pk>_needs/_days;
    only the departments chosen are used (services.department_terms_check decides)."""

    def add_term_fields(self):
        self.term_departments = list(Department.objects.order_by("order", "name"))
        for department in self.term_departments:
            self.fields[f"term_{department.pk}_needs"] = forms.CharField(
                label=_("%(department)s: what it needs (告知单)") % {"department": department},
                required=False,
                max_length=500,
            )
            self.fields[f"term_{department.pk}_days"] = forms.IntegerField(
                label=_("%(department)s: its working days (default: the whole term)")
                % {"department": department},
                required=False,
                min_value=1,
                max_value=365,
            )

    def term_rows(self):
        """(department, needs field, days field) for the template."""
        return [
            (d, self[f"term_{d.pk}_needs"], self[f"term_{d.pk}_days"])
            for d in getattr(self, "term_departments", [])
        ]

    def terms_data(self) -> dict:
        data = self.cleaned_data
        return {
            d.pk: {
                "needs": data.get(f"term_{d.pk}_needs") or "",
                "days": data.get(f"term_{d.pk}_days"),
            }
            for d in getattr(self, "term_departments", [])
        }


class IntakeForm(DepartmentTermsMixin, forms.Form):
    """The intake at a window (or an agent's at a village point). The materials checklist
    comes as rows mat-<i>-name/state/originals/copies/note and files mat-<i>-file, built in
    the page from the chosen matter's materials."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    matter = forms.CharField(
        label=gettext_lazy("Matter (code or name)"),
        max_length=300,
        widget=forms.TextInput(
            attrs={
                "list": "matter-options",
                "autocomplete": "off",
                "autofocus": True,
                "data-shortcut": "m",
            }
        ),
    )
    applicant_kind = forms.ChoiceField(
        label=gettext_lazy("Applicant"),
        choices=ApplicantKind.choices,
        initial=ApplicantKind.PERSON,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    applicant_id_number = forms.CharField(
        label=gettext_lazy("Resident ID / unified social credit code"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    applicant_phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[
            (c.value, c.label) for c in (Channel.WINDOW, Channel.VILLAGE_POINT, Channel.ONLINE)
        ],
        initial=Channel.WINDOW,
    )
    window = forms.ModelChoiceField(
        label=gettext_lazy("Window"), queryset=Window.objects.none(), required=False
    )
    service_point = forms.ModelChoiceField(
        label=gettext_lazy("Village service point"),
        queryset=ServicePoint.objects.none(),
        required=False,
    )
    urgent = forms.BooleanField(label=gettext_lazy("急办件 (urgent)"), required=False)
    urgent_reason = forms.CharField(
        label=gettext_lazy("Why urgent"),
        max_length=services.URGENT_REASON_MAX,
        required=False,
        help_text=gettext_lazy(
            "Needed with 急办. The director or today's duty leader confirms it; a clerk's "
            "request goes to the director's approval queue."
        ),
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (
                Outcome.ACCEPT,
                gettext_lazy(
                    "Accept (受理, acceptance notice); a matter decided above this center: "
                    "receive and forward (收件回执)"
                ),
            ),
            (Outcome.SUPPLEMENT, gettext_lazy("Incomplete (补正, one-time notice)")),
            (Outcome.REFUSE, gettext_lazy("Not acceptable (不予受理, with reasons)")),
        ],
        initial=Outcome.ACCEPT,
        widget=forms.RadioSelect,
    )
    refusal_kind = forms.ChoiceField(
        label=gettext_lazy("Refusal"),
        choices=RefusalKind.choices,
        initial=RefusalKind.NOT_ACCEPTABLE,
        required=False,
    )
    refusal_reason = forms.CharField(
        label=gettext_lazy("Reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    refusal_basis = forms.CharField(
        label=gettext_lazy("Legal basis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    competent_authority = forms.CharField(
        label=gettext_lazy(
            "Authority to apply to (outside this center's competence; default: the matter's)"
        ),
        required=False,
        max_length=200,
    )
    note = forms.CharField(
        label=gettext_lazy("Note (told to the applicant with the notice)"),
        required=False,
        max_length=500,
    )
    lead_department = forms.ModelChoiceField(
        label=gettext_lazy("Lead department (联办件)"),
        queryset=Department.objects.none(),
        required=False,
    )
    departments = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Other departments (联办件)"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Contact person"), max_length=50, required=False
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    first_contact = StaffChoiceField(
        label=gettext_lazy("首问负责人 (first contact)"),
        queryset=User.objects.none(),
        required=False,
    )
    owner = StaffChoiceField(
        label=gettext_lazy("全程承办人 (case owner; default: first contact)"),
        queryset=User.objects.none(),
        required=False,
    )
    promised_date = forms.DateField(
        label=gettext_lazy("Promised date (earlier than the matter's limit)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    scans = MultipleFileField(label=gettext_lazy("Other scans (images or PDF)"))
    # Where the services' "materials" and "files" errors are shown.
    materials = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.is_agent = not can(user, Capability.HANDLE_CASES)
        self.fields["window"].queryset = Window.objects.order_by("number")
        self.fields["service_point"].queryset = selectors.service_points_for(user)
        self.fields["lead_department"].queryset = Department.objects.order_by("order", "name")
        self.fields["departments"].queryset = Department.objects.order_by("order", "name")
        self.fields["first_contact"].queryset = selectors.intake_staff()
        self.fields["owner"].queryset = selectors.case_handlers()
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault("first_contact", user.pk)
            window = selectors.default_window_for(user)
            if window is not None:
                self.initial.setdefault("window", window.pk)
        if self.is_agent:
            # A village agent forwards applications; the center decides (outcome "receive").
            self.fields["channel"].choices = [(Channel.VILLAGE_POINT, Channel.VILLAGE_POINT.label)]
            self.initial["channel"] = Channel.VILLAGE_POINT
            self.fields["service_point"].required = True
            self.fields["service_point"].empty_label = None
            for name in (
                "window", "outcome", "refusal_kind", "refusal_reason", "refusal_basis",
                "competent_authority", "lead_department", "departments", "first_contact",
                "owner", "promised_date",
            ):  # fmt: skip
                del self.fields[name]
        else:
            self.add_term_fields()

    # --- parsing --------------------------------------------------------------------------

    def clean_matter(self):
        text = (self.cleaned_data.get("matter") or "").strip()
        code = text.split()[0] if text else ""
        try:
            return services.matter_for_intake(code)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["matter"]) from None

    def material_rows(self) -> list[dict]:
        """The checklist rows as posted (name, state, counts, note)."""
        rows = []
        for i in range(MAX_MATERIAL_ROWS):
            name = self.data.get(f"mat-{i}-name")
            if name is None:
                break
            row = {
                "index": i,
                "name": name.strip(),
                "state": (self.data.get(f"mat-{i}-state") or "").strip(),
                "note": (self.data.get(f"mat-{i}-note") or "").strip(),
                "tolerance_due": (self.data.get(f"mat-{i}-tolerance_due") or "").strip(),
            }
            for key in ("originals_received", "copies_received"):
                value = (self.data.get(f"mat-{i}-{key}") or "0").strip() or "0"
                row[key] = value
            rows.append(row)
        return rows

    def clean(self):
        cleaned = super().clean()
        materials = []
        tolerance = []
        for row in self.material_rows():
            counts = {}
            for key in ("originals_received", "copies_received"):
                try:
                    counts[key] = int(row[key])
                    if not 0 <= counts[key] <= 99:
                        raise ValueError
                except ValueError:
                    self.add_error(
                        "materials",
                        _("“%(name)s”: the numbers received must be 0 to 99.")
                        % {"name": row["name"]},
                    )
                    counts[key] = 0
            if row["state"] and row["state"] not in CaseMaterial.State.values:
                self.add_error(
                    "materials", _("“%(name)s”: choose a state.") % {"name": row["name"]}
                )
            materials.append(
                {"name": row["name"], "state": row["state"], "note": row["note"], **counts}
            )
            if row["tolerance_due"]:
                # 容缺受理: the date the applicant promises to bring this material; the
                # service checks that the matter allows it and that the date is not past.
                try:
                    due = datetime.date.fromisoformat(row["tolerance_due"])
                except ValueError:
                    self.add_error(
                        "materials",
                        _("“%(name)s”: the 容缺 date must be a date (YYYY-MM-DD).")
                        % {"name": row["name"]},
                    )
                else:
                    tolerance.append({"name": row["name"], "due": due})
        cleaned["materials"] = materials
        cleaned["tolerance"] = tolerance
        return cleaned

    def uploads(self, files) -> list:
        """(file, material name) for every scan: per material row, then the other scans."""
        result = []
        for row in self.material_rows():
            for upload in files.getlist(f"mat-{row['index']}-file"):
                result.append((upload, row["name"]))
        for upload in self.cleaned_data.get("scans") or []:
            result.append((upload, ""))
        return result

    def intake(self, files) -> services.Intake:
        data = self.cleaned_data
        applicant = {
            "kind": data["applicant_kind"],
            "name": data["applicant_name"],
            "id_number": data["applicant_id_number"],
            "phone": data["applicant_phone"],
            "contact_name": data.get("contact_name", ""),
            "address": data.get("address", ""),
        }
        common = {
            "matter": data["matter"],
            "applicant": applicant,
            "channel": data["channel"],
            "materials": data["materials"],
            "service_point": data.get("service_point"),
            "urgent": data.get("urgent", False),
            "urgent_reason": data.get("urgent_reason", ""),
            "note": data.get("note", ""),
            "uploads": self.uploads(files),
            "idempotency_key": data["idempotency_key"],
        }
        if self.is_agent:
            return services.Intake(
                **common, outcome=Outcome.RECEIVE, first_contact=self.user, window=None
            )
        return services.Intake(
            **common,
            outcome=data["outcome"],
            window=data.get("window"),
            first_contact=data.get("first_contact") or self.user,
            owner=data.get("owner"),
            lead_department=data.get("lead_department"),
            departments=list(data.get("departments") or []),
            promised_date=data.get("promised_date"),
            refusal_kind=data.get("refusal_kind") or RefusalKind.NOT_ACCEPTABLE,
            refusal_reason=data.get("refusal_reason", ""),
            refusal_basis=data.get("refusal_basis", ""),
            competent_authority=data.get("competent_authority", ""),
            department_terms=self.terms_data(),
            tolerance=data.get("tolerance", []),
        )


# --- actions on a case ---------------------------------------------------------------------------


class ActionForm(forms.Form):
    """An action form on the case page; `case` and `user` are known to every one."""

    action = ""
    material_lines: list = []
    notice: str | None = None  # shown above the form's fields (why a step is held back)

    def __init__(self, *args, case, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user

    def plain_fields(self):
        """The fields other than the materials table's."""
        return [self[name] for name in self.fields if not MATERIAL_FIELD.match(name)]


class MaterialStatesMixin:
    """One state, note and count set per material line of the case, as fields m<pk>_…"""

    default_state_for_missing = ""

    def add_material_fields(self):
        self.material_lines = list(self.case.materials.all())
        for line in self.material_lines:
            state = line.state
            if self.default_state_for_missing and state in (
                CaseMaterial.State.MISSING,
                CaseMaterial.State.DEFECTIVE,
            ):
                state = self.default_state_for_missing
            self.fields[f"m{line.pk}_state"] = forms.ChoiceField(
                label=line.name, choices=CaseMaterial.State.choices, initial=state
            )
            self.fields[f"m{line.pk}_note"] = forms.CharField(
                label=_("note"), required=False, max_length=300, initial=line.note
            )

    def material_rows(self):
        """(line, state field, note field) for the template."""
        return [
            (line, self[f"m{line.pk}_state"], self[f"m{line.pk}_note"])
            for line in self.material_lines
        ]

    def materials_data(self) -> list[dict]:
        return [
            {
                "name": line.name,
                "state": self.cleaned_data[f"m{line.pk}_state"],
                "note": self.cleaned_data.get(f"m{line.pk}_note", ""),
            }
            for line in self.material_lines
        ]


class JointFieldsMixin:
    def add_joint_fields(self):
        departments = Department.objects.order_by("order", "name")
        self.fields["lead_department"] = forms.ModelChoiceField(
            label=_("Lead department (联办件)"), queryset=departments, required=False
        )
        self.fields["departments"] = forms.ModelMultipleChoiceField(
            label=_("Other departments (联办件)"),
            queryset=departments,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class AcceptForm(DepartmentTermsMixin, JointFieldsMixin, ActionForm):
    action = "accept"
    owner = StaffChoiceField(
        label=gettext_lazy("全程承办人 (case owner)"), queryset=User.objects.none()
    )
    promised_date = forms.DateField(
        label=gettext_lazy("Promised date (earlier than the matter's limit)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.case_handlers()
        self.initial.setdefault("owner", self.user.pk)
        if self.case.kind == "joint":
            self.add_joint_fields()
            self.add_term_fields()
        # 容缺: a date for each eligible missing material accepts the case without it.
        self.tolerance_lines = [
            m
            for m in self.case.materials.all()
            if m.tolerance_allowed and m.state in (CaseMaterial.State.MISSING, "defective")
        ]
        for line in self.tolerance_lines:
            self.fields[f"tolerance_{line.pk}"] = forms.DateField(
                label=_("容缺: “%(name)s” brought by (blank: not 容缺)") % {"name": line.name},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "owner": data["owner"],
            "lead_department": data.get("lead_department"),
            "departments": list(data.get("departments") or []),
            "department_terms": self.terms_data(),
            "promised_date": data.get("promised_date"),
            "tolerance": [
                {"name": line.name, "due": data[f"tolerance_{line.pk}"]}
                for line in self.tolerance_lines
                if data.get(f"tolerance_{line.pk}")
            ],
        }


class SupplementForm(MaterialStatesMixin, ActionForm):
    action = "request_supplement"
    reason = forms.CharField(
        label=gettext_lazy("Note on the one-time notice"), required=False, max_length=500
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_material_fields()

    def service_kwargs(self) -> dict:
        return {"materials": self.materials_data(), "reason": self.cleaned_data["reason"]}


class CompleteSupplementForm(MaterialStatesMixin, JointFieldsMixin, ActionForm):
    action = "complete_supplement"
    default_state_for_missing = CaseMaterial.State.RECEIVED
    owner = StaffChoiceField(
        label=gettext_lazy("全程承办人 (case owner, if not accepted yet)"),
        queryset=User.objects.none(),
        required=False,
    )
    uploads = MultipleFileField(label=gettext_lazy("Scans of what was brought"))
    via = forms.ChoiceField(
        label=gettext_lazy("How the materials came (at a window: a visit, 两次终结)"),
        choices=Delivery.choices,
        required=False,  # blank: the way the case came in (services.materials_delivery)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_material_fields()
        self.initial.setdefault("via", services.materials_delivery(self.case, None))
        self.fields["owner"].queryset = selectors.case_handlers()
        self.initial.setdefault("owner", self.case.owner_id or self.user.pk)
        if self.case.kind == "joint" and not self.case.tasks.exists():
            self.add_joint_fields()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "materials": self.materials_data(),
            "owner": data.get("owner"),
            "lead_department": data.get("lead_department"),
            "departments": list(data.get("departments") or []),
            "uploads": [(upload, "") for upload in data.get("uploads") or []],
            "via": data.get("via") or None,
        }


class RefuseForm(ActionForm):
    action = "refuse"
    kind = forms.ChoiceField(
        label=gettext_lazy("Refusal"),
        choices=RefusalKind.choices,
        initial=RefusalKind.NOT_ACCEPTABLE,
    )
    reason = forms.CharField(label=gettext_lazy("Reasons"), widget=forms.Textarea({"rows": 2}))
    basis = forms.CharField(label=gettext_lazy("Legal basis"), widget=forms.Textarea({"rows": 2}))
    competent_authority = forms.CharField(
        label=gettext_lazy(
            "Authority to apply to (outside this center's competence; default: the matter's)"
        ),
        required=False,
        max_length=200,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault(
            "competent_authority", services.competent_authority_default(self.case.matter)
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "reason": data["reason"],
            "basis": data["basis"],
            "competent_authority": data.get("competent_authority", ""),
        }


class RevokeForm(ActionForm):
    action = "revoke"
    reason = forms.CharField(label=gettext_lazy("Reasons"), widget=forms.Textarea({"rows": 2}))
    basis = forms.CharField(
        label=gettext_lazy("Legal basis"),
        widget=forms.Textarea({"rows": 2}),
        initial="《中华人民共和国行政许可法》第六十九条",
    )

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "basis": self.cleaned_data["basis"]}


class SpecialStartForm(ActionForm):
    action = "start_special"
    kind = forms.ChoiceField(
        label=gettext_lazy("Special procedure"),
        choices=[(k.value, k.label) for k in PauseKind if k in SPECIAL_PAUSE_KINDS],
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    expected_days = forms.IntegerField(
        label=gettext_lazy("Expected working days (told to the applicant)"),
        min_value=1,
        max_value=365,
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "reason": data["reason"],
            "expected_days": data["expected_days"],
        }


class SpecialEndForm(ActionForm):
    action = "end_special"
    result = forms.CharField(label=gettext_lazy("Result"), required=False, max_length=500)

    def service_kwargs(self) -> dict:
        return {"result": self.cleaned_data["result"]}


class ExtendForm(ActionForm):
    """延长 (行政许可法 art. 42): the days within the case's own maximum, the reason, and the
    approving official's name and post (本行政机关负责人, or 本级人民政府负责人 for joint,
    unified or centralised handling)."""

    action = "extend"
    days = forms.IntegerField(label=gettext_lazy("Extra working days"), min_value=1)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)
    approver_name = forms.CharField(
        label=gettext_lazy("Approved by (name)"), max_length=services.APPROVER_TEXT_MAX
    )
    approver_post = forms.CharField(
        label=gettext_lazy("Approver's post"), max_length=services.APPROVER_TEXT_MAX
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        left = selectors.extension_days_left(self.case)
        self.fields["days"].max_value = max(left, 1)
        self.fields["days"].widget.attrs["max"] = max(left, 1)
        self.fields["days"].help_text = gettext_lazy(
            "At most %(left)s more (art. 42: %(max)s in all for this case)."
        ) % {"left": left, "max": self.case.extension_max_days}
        self.fields["approver_post"].help_text = gettext_lazy(
            "The approval is that of the %(capacity)s."
        ) % {"capacity": selectors.extension_approver_capacity(self.case)}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "days": data["days"],
            "reason": data["reason"],
            "approver_name": data["approver_name"],
            "approver_post": data["approver_post"],
        }


class UrgentForm(ActionForm):
    """急办 (seed plan 1 六办件): the director or today's duty leader marks it, with the
    reason."""

    action = "mark_urgent"
    reason = forms.CharField(
        label=gettext_lazy("Why urgent"), max_length=500, widget=forms.Textarea({"rows": 2})
    )

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class CertificateForm(ActionForm):
    """发证 (art. 44): the certificate of the granting decision was issued."""

    action = "issue_certificate"
    note = forms.CharField(
        label=gettext_lazy("Certificate number or note"), max_length=500, required=False
    )

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class ReassignForm(ActionForm):
    action = "reassign"
    owner = StaffChoiceField(label=gettext_lazy("New case owner"), queryset=User.objects.none())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.case_handlers().exclude(pk=self.case.owner_id)

    def service_kwargs(self) -> dict:
        return {"owner": self.cleaned_data["owner"], "reason": self.cleaned_data["reason"]}


class TaskSignOffForm(ActionForm):
    action = "task_sign_off"
    task = forms.ModelChoiceField(label=gettext_lazy("Department"), queryset=None)
    opinion = forms.CharField(label=gettext_lazy("Opinion"), widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        signable = selectors.tasks_to_sign(self.user, self.case)
        self.fields["task"].queryset = self.case.tasks.filter(
            pk__in=[t.pk for t in signable]
        ).select_related("department")
        self.fields["task"].label_from_instance = lambda task: task.department.name

    def service_kwargs(self) -> dict:
        return {"task": self.cleaned_data["task"], "opinion": self.cleaned_data["opinion"]}


class VisitForm(ActionForm):
    action = "record_visit"
    note = forms.CharField(
        label=gettext_lazy("Note (why, for a third visit)"), required=False, max_length=500
    )

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class FeeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.item} · ¥{obj.amount}"


class ApprovalRequestForm(MaterialStatesMixin, ActionForm):
    """Ask the director for what only the director may approve (两次终结, 减免)."""

    action = "request_approval"
    kind = forms.ChoiceField(label=gettext_lazy("What the director should approve"))
    fee = FeeChoiceField(
        label=gettext_lazy("Fee to waive"), queryset=CaseFee.objects.none(), required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=approvals.REASON_MAX,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds, fees = approvals.requests_offered(self.user, self.case)
        self.fields["kind"].choices = [(k, ApprovalRequest.Kind(k).label) for k in kinds]
        self.fields["fee"].queryset = CaseFee.objects.filter(pk__in=[f.pk for f in fees])
        if ApprovalRequest.Kind.FEE_WAIVER not in kinds:
            del self.fields["fee"]
        if ApprovalRequest.Kind.SECOND_SUPPLEMENT in kinds:
            # The lines the second one-time notice will list, if the director approves it.
            self.add_material_fields()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"kind": data["kind"], "fee": data.get("fee"), "reason": data["reason"]}
        if data["kind"] == ApprovalRequest.Kind.SECOND_SUPPLEMENT:
            kwargs["materials"] = self.materials_data()
        return kwargs


class ApprovalRequestChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        what = obj.get_kind_display()
        if obj.fee_id:
            what = f"{what} · {obj.fee.item} ¥{obj.fee.amount}"
        return f"{what} · {staff_label(obj.requested_by)}: {obj.reason}"


class WaiverFieldsMixin:
    """What a waiver (减免) records: the policy basis (document number and article) and,
    where the city's case policy gives the waiver to the district or the city, their
    approving official and approval document (`fees.fee_waive` says which are needed)."""

    def add_waiver_fields(self, *, required: bool = True) -> None:
        self.fields["basis_document"] = forms.CharField(
            label=gettext_lazy("Policy document number (文号)"), max_length=100, required=required
        )
        self.fields["basis_article"] = forms.CharField(
            label=gettext_lazy("Article (条款)"), max_length=100, required=required
        )
        self.fields["approver_name"] = forms.CharField(
            label=gettext_lazy("Approved by (name; district or city approval)"),
            max_length=100,
            required=False,
        )
        self.fields["approver_post"] = forms.CharField(
            label=gettext_lazy("Approver's post"), max_length=100, required=False
        )
        self.fields["approval_reference"] = forms.CharField(
            label=gettext_lazy("Approval document of the district or city"),
            max_length=100,
            required=False,
        )

    def waiver_kwargs(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in fees.WAIVER_FIELDS}


class ApprovalDecisionForm(WaiverFieldsMixin, ActionForm):
    """The director approves or declines a request waiting on this case."""

    action = "decide_approval"
    request = ApprovalRequestChoiceField(
        label=gettext_lazy("Request"), queryset=ApprovalRequest.objects.none()
    )
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("yes", gettext_lazy("Approve")), ("no", gettext_lazy("Decline"))],
        coerce=lambda value: value == "yes",
    )
    note = forms.CharField(
        label=gettext_lazy("Note (required when declining)"),
        required=False,
        max_length=approvals.NOTE_MAX,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        waiting = self.case.approval_requests.filter(
            state=ApprovalRequest.State.PENDING
        ).select_related("fee", "requested_by")
        self.fields["request"].queryset = waiting
        if len(waiting) == 1:  # the usual case: nothing to choose
            self.fields["request"].empty_label = None
        if any(r.kind == ApprovalRequest.Kind.FEE_WAIVER for r in waiting):
            # Needed to approve a waiver; the service says so, a decline needs none.
            self.add_waiver_fields(required=False)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"request": data["request"], "approve": data["approve"], "note": data["note"]}
        if "basis_document" in self.fields:
            kwargs["waiver"] = self.waiver_kwargs()
        return kwargs


class CloseForm(ActionForm):
    action = "close"
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Decision.choices)

    handover = forms.ChoiceField(label=gettext_lazy("Result handed over"), choices=Handover.choices)
    handed_over_at = forms.DateTimeField(
        label=gettext_lazy("Handed over at (default: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(
        label=gettext_lazy("Note (reasons, for a denial)"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # 容缺: only the decisions the case may close with now (selectors.close_decisions).
        allowed = selectors.close_decisions(self.case)
        self.fields["decision"].choices = [c for c in Decision.choices if c[0] in allowed]
        # 统一收费: why a result cannot be handed over yet (a denial still can).
        self.notice = selectors.handover_refusal(self.case)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "decision": data["decision"],
            "handover": data["handover"],
            "handed_over_at": data.get("handed_over_at"),
            "note": data["note"],
        }


class ReferUpForm(ActionForm):
    action = "refer_up"
    note = forms.CharField(
        label=gettext_lazy("Note to the district (初审意见)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class WithdrawForm(ActionForm):
    action = "withdraw"
    reason = forms.CharField(label=gettext_lazy("The applicant's reason"), max_length=500)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class ToleranceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.tolerance_due:%Y-%m-%d}"


class ToleranceReceiveForm(ActionForm):
    """容缺: the material promised at acceptance is brought in."""

    action = "tolerance_receive"
    material = ToleranceChoiceField(
        label=gettext_lazy("容缺 material"), queryset=CaseMaterial.objects.none()
    )
    via = forms.ChoiceField(
        label=gettext_lazy("How it came (at a window: a visit, 两次终结)"), choices=Delivery.choices
    )
    uploads = MultipleFileField(label=gettext_lazy("Scans of what was brought"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = self.case.materials.filter(
            state=CaseMaterial.State.TOLERATED
        )
        self.initial.setdefault("via", services.materials_delivery(self.case, None))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "material": data["material"],
            "via": data["via"],
            "uploads": list(data.get("uploads") or []),
        }


class ToleranceWaiveForm(ActionForm):
    """容缺: the director waives a material still to come, with the reason."""

    action = "tolerance_waive"
    material = ToleranceChoiceField(
        label=gettext_lazy("容缺 material"), queryset=CaseMaterial.objects.none()
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = self.case.materials.filter(
            state=CaseMaterial.State.TOLERATED
        )

    def service_kwargs(self) -> dict:
        return {"material": self.cleaned_data["material"], "reason": self.cleaned_data["reason"]}


class ScanForm(ActionForm):
    action = "attach"
    file = forms.FileField(label=gettext_lazy("Scan (image or PDF)"))
    material = forms.ModelChoiceField(label=gettext_lazy("Material"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = self.case.materials.all()

    def service_kwargs(self) -> dict:
        return {"upload": self.cleaned_data["file"], "material": self.cleaned_data["material"]}


class ObjectionForm(ActionForm):
    """The applicant's objection brought to the window (异议, seed plan 1 退回件)."""

    action = "object"
    text = forms.CharField(
        label=gettext_lazy("What the applicant objects to, and why"),
        max_length=objections.TEXT_MAX,
        widget=forms.Textarea({"rows": 3}),
    )

    def service_kwargs(self) -> dict:
        return {"text": self.cleaned_data["text"], "channel": CaseObjection.Channel.WINDOW}


class ObjectionAnswerForm(ActionForm):
    """The case owner's written answer with reasons (明确答复,并说明理由)."""

    action = "answer_objection"
    answer = forms.CharField(
        label=gettext_lazy("Answer"),
        max_length=objections.ANSWER_MAX,
        widget=forms.Textarea({"rows": 3}),
    )
    reasons = forms.CharField(
        label=gettext_lazy("Reasons (说明理由)"),
        max_length=objections.ANSWER_MAX,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        waiting = objections.open_objection(self.case)
        if waiting is not None:
            self.notice = _("Objection of %(day)s, to be answered by %(due)s: %(text)s") % {
                "day": waiting.filed_on.isoformat(),
                "due": waiting.due_on.isoformat(),
                "text": waiting.text,
            }

    def service_kwargs(self) -> dict:
        return {"answer": self.cleaned_data["answer"], "reasons": self.cleaned_data["reasons"]}
