"""The city's own admin screens (city domain, Wagtail admin): importing and exporting matter
templates, and the center standards. Thin: parse the request, call a service, render."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import Capability, can

from . import selectors, services
from .forms import CenterStandardForm, MatterTemplateImportForm
from .models import CenterStandard, MatterTemplate
from .tabular import CONTENT_TYPES, RowError, export_catalog

IMPORT_CACHE_PREFIX = "standards-import:"
IMPORT_TTL_SECONDS = 3600


def require_city_editor(request) -> None:
    """City domain and a user who may edit the city's standards, or refused."""
    if connection.schema_name != settings.PUBLIC_SCHEMA_NAME or not can(
        request.user, Capability.EDIT_CITY_STANDARDS
    ):
        raise PermissionDenied


def _templates_index_url() -> str:
    return reverse(MatterTemplate.snippet_viewset.get_url_name("list"))


# ---------------------------------------------------------------- import and export


def _upload_key(token: str) -> str:
    return f"{IMPORT_CACHE_PREFIX}{token}"


def _upload_stash(request, *, content: bytes, filename: str) -> str:
    """Keep an uploaded file between preview and confirm: in the cache (Redis), under a random
    token, for one hour, bound to the user who uploaded it."""
    token = secrets.token_urlsafe(32)
    cache.set(
        _upload_key(token),
        {"user": request.user.pk, "filename": filename, "content": content},
        IMPORT_TTL_SECONDS,
    )
    return token


def _upload_take(request, token: str) -> dict | None:
    if not token or len(token) > 100:
        return None
    stashed = cache.get(_upload_key(token))
    if not stashed or stashed.get("user") != request.user.pk:
        return None
    return stashed


def _preview_context(rows: list[dict], summary: services.ImportSummary) -> dict:
    state = {code: "created" for code in summary.created}
    state.update({code: "updated" for code in summary.updated})
    state.update({code: "unchanged" for code in summary.unchanged})
    labels = {"created": _("new"), "updated": _("changed"), "unchanged": _("unchanged")}
    return {
        "rows": [
            {
                "row": r["_row"],
                "code": r["code"],
                "name": r["name"],
                "state": state.get(r["code"], ""),
                "status": labels.get(state.get(r["code"], ""), ""),
            }
            for r in rows
        ],
        "summary": summary,
        "errors": sorted(summary.errors, key=lambda e: (e.row, e.column)),
    }


def templates_import(request):
    """Upload a file → a preview (each row new, changed or unchanged; or every error with its
    row and column, nothing saved) → confirm (templates_import_confirm)."""
    require_city_editor(request)
    context: dict = {"index_url": _templates_index_url()}
    if request.method == "POST":
        form = MatterTemplateImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            rows, summary = services.matter_templates_preview(
                content=content, filename=upload.name, actor=request.user
            )
            context.update(_preview_context(rows, summary), filename=upload.name)
            if not summary.errors:
                context["token"] = _upload_stash(request, content=content, filename=upload.name)
            return render(request, "standards/templates_import_preview.html", context)
    else:
        form = MatterTemplateImportForm()
    context["form"] = form
    return render(request, "standards/templates_import.html", context)


@require_POST
def templates_import_confirm(request):
    """Apply the previewed file: each new or changed template is published, as the command
    does. The stashed file is used once."""
    require_city_editor(request)
    token = request.POST.get("token", "")
    stashed = _upload_take(request, token)
    if stashed is None:
        messages.error(request, _("The uploaded file has expired or is unknown; upload it again."))
        return redirect("standards_templates_import")
    try:
        summary = services.matter_templates_import(
            content=stashed["content"], filename=stashed["filename"], actor=request.user
        )
    except ValidationError as exc:
        # Something changed since the preview (a lock, a deleted category): show it again.
        rows, summary = services.matter_templates_preview(
            content=stashed["content"], filename=stashed["filename"], actor=request.user
        )
        if not summary.errors:
            summary.errors = [RowError(0, "", message) for message in exc.messages]
        cache.delete(_upload_key(token))
        context = {"index_url": _templates_index_url(), "filename": stashed["filename"]}
        context.update(_preview_context(rows, summary))
        return render(request, "standards/templates_import_preview.html", context)
    cache.delete(_upload_key(token))
    messages.success(
        request,
        _("Imported %(file)s: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
        % {
            "file": stashed["filename"],
            "created": len(summary.created),
            "updated": len(summary.updated),
            "unchanged": len(summary.unchanged),
        },
    )
    return redirect(_templates_index_url())


def templates_export(request):
    """The published templates as a file in the agreed columns (?file_format=xlsx|csv)."""
    require_city_editor(request)
    fmt = "csv" if request.GET.get("file_format") == "csv" else "xlsx"
    items = [selectors.matter_data(t) for t in selectors.published_templates()]
    response = HttpResponse(export_catalog(items, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="matter-templates.{fmt}"'
    return response


# ---------------------------------------------------------------- center standards


def center_standards(request):
    require_city_editor(request)
    return render(
        request,
        "standards/center_standards.html",
        {"standards": CenterStandard.objects.order_by("kind")},
    )


def center_standard_edit(request, kind: str):
    require_city_editor(request)
    standard = get_object_or_404(CenterStandard, kind=kind)
    if request.method == "POST":
        form = CenterStandardForm(request.POST)
        if form.is_valid():
            try:
                services.center_standard_update(
                    standard=standard, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("The standard for %(kind)s centers is saved.")
                    % {"kind": standard.get_kind_display()},
                )
                return redirect("standards_center_standards")
    else:
        form = CenterStandardForm(
            initial={
                "min_floor_area_m2": standard.min_floor_area_m2,
                "min_weekly_open_hours": standard.min_weekly_open_hours,
                "required_rules": standard.required_rules,
            }
        )
    return render(
        request, "standards/center_standard_edit.html", {"standard": standard, "form": form}
    )
