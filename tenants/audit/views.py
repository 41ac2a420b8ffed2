"""/admin/audit/: the audit log in the Wagtail admin. On the city's domain the city's
administrators read every center's entries (filter by center); on a center's domain its director
reads that center's entries only. /admin/audit/export/ gives the same as xlsx."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin

from . import exports, selectors, services
from .forms import AuditFilterForm


class AuditReaderRequired:
    def dispatch(self, request, *args, **kwargs):
        if not selectors.may_view_audit(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AuditLogView(AuditReaderRequired, AdminScreenMixin, TemplateView):
    template_name = "audit/admin/index.html"
    page_title = gettext_lazy("Audit log")
    header_icon = "history"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET or None)
        try:
            before = int(self.request.GET.get("before", "") or 0) or None
        except ValueError:
            before = None
        rows, next_before = selectors.audit_page(self.request.user, form.filters(), before)
        context.update(
            form=form, query=form.query(), rows=rows, next_before=next_before, before=before
        )
        return context


def export_view(request):
    if not selectors.may_view_audit(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    content = services.audit_export(actor=request.user, filters=form.filters(), request=request)
    response = HttpResponse(content, content_type=exports.CONTENT_TYPE)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response
