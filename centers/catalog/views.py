"""The center's catalog in Wagtail admin (center domains). Every center staff member with
admin access may look; only the center director (MANAGE_CENTER_WORKSPACE) may change. Views
parse input, call one service or selector, render."""

import base64

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.auth import permission_denied

from catalog_cms.standards.selectors import templates_for_center_kind
from catalog_cms.standards.tabular import CONTENT_TYPES, export_catalog
from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.permissions import Capability, can, on_center_domain, on_city_domain
from tenants.audit.services import export_recorded

from . import selectors, services
from .forms import FilterForm, ImportUploadForm, LocalFieldsForm, LocalMatterCreateForm
from .models import LocalMatter

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
IMPORT_SESSION_KEY = "catalog_import"


def may_view(user) -> bool:
    return on_center_domain() and can(user, Capability.ACCESS_ADMIN)


def may_change(user) -> bool:
    return on_center_domain() and can(user, Capability.MANAGE_CENTER_WORKSPACE)


class CatalogAccess:
    """Readers: any center staff with admin access; writers: the center director. A view
    with `write = True` refuses readers even on GET (its page is a form)."""

    write = False

    def dispatch(self, request, *args, **kwargs):
        if on_city_domain():
            raise Http404
        if not may_view(request.user):
            raise PermissionDenied
        if (self.write or request.method not in SAFE_METHODS) and not may_change(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_change"] = may_change(self.request.user)
        return context


def _errors_to_form(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class CatalogIndexView(CatalogAccess, AdminScreenMixin, TemplateView):
    template_name = "catalog/admin/index.html"
    page_title = gettext_lazy("Matter catalog")
    header_icon = "list-ul"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = FilterForm(self.request.GET or None)
        context["filters"] = filters
        context["rows"] = selectors.catalog_listing(**filters.filters())
        return context


class AdoptView(CatalogAccess, AdminScreenMixin, TemplateView):
    write = True
    template_name = "catalog/admin/adopt.html"
    page_title = gettext_lazy("Adopt city matters")
    header_icon = "download"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = selectors.adoptable_templates()
        return context

    def post(self, request):
        if "all" in request.POST:
            templates = templates_for_center_kind(connection.tenant.kind)
        else:
            ids = [int(pk) for pk in request.POST.getlist("template") if pk.isdigit()]
            if not ids:
                messages.error(request, _("Choose at least one matter to adopt."))
                return redirect("catalog_admin:adopt")
            templates = templates_for_center_kind(connection.tenant.kind).filter(pk__in=ids)
        created = services.catalog_adopt(templates=templates, actor=request.user)
        messages.success(request, _("%(count)d matters adopted.") % {"count": len(created)})
        return redirect("catalog_admin:index")


class MatterView(CatalogAccess, AdminScreenMixin, TemplateView):
    """A matter's fields, its local fields (a form for the director), and when its template
    has a newer published version the field-by-field difference."""

    template_name = "catalog/admin/matter.html"
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        self.matter = None
        return super().dispatch(request, *args, **kwargs)

    def get_matter(self) -> LocalMatter:
        if self.matter is None:
            self.matter = get_object_or_404(LocalMatter, code=self.kwargs["code"])
        return self.matter

    def get_page_title(self):
        return self.get_matter().name

    def get_page_subtitle(self):
        return self.get_matter().code

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        matter = self.get_matter()
        context["matter"] = matter
        context["fields"] = [
            (str(LocalMatter._meta.get_field(name).verbose_name), value)
            for name, value in selectors.local_matter_fields(matter)
        ]
        context["diff"] = selectors.matter_diff(matter)
        context["form"] = form or LocalFieldsForm(instance=matter)
        return context

    def post(self, request, code):
        matter = self.get_matter()
        form = LocalFieldsForm(request.POST, instance=LocalMatter.objects.get(pk=matter.pk))
        if form.is_valid():
            try:
                services.local_matter_set_local_fields(
                    local_matter=matter, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("The local fields were saved."))
                return redirect("catalog_admin:matter", code=matter.code)
        return self.render_to_response(self.get_context_data(form=form))


class UpdateFromTemplateView(CatalogAccess, View):
    http_method_names = ["post"]

    def post(self, request, code):
        matter = get_object_or_404(LocalMatter, code=code)
        try:
            services.matter_update_from_template(local_matter=matter, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s now follows version %(version)d of the city template.")
                % {"name": matter.name, "version": matter.adopted_version},
            )
        return redirect("catalog_admin:matter", code=code)


class LocalMatterCreateView(CatalogAccess, AdminScreenMixin, FormView):
    write = True
    template_name = "catalog/admin/form.html"
    page_title = gettext_lazy("New local matter")
    header_icon = "plus"
    form_class = LocalMatterCreateForm

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            matter = services.local_matter_create(
                actor=self.request.user, code=data.pop("code"), name=data.pop("name"), **data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was added.") % {"name": matter.name})
        return redirect("catalog_admin:matter", code=matter.code)


class ImportView(CatalogAccess, AdminScreenMixin, FormView):
    """Upload → preview (every bad row by number, or what would change) → confirm. The file
    waits in the session between the two steps; the service checks it again on confirm."""

    write = True
    template_name = "catalog/admin/import.html"
    page_title = gettext_lazy("Import matters")
    header_icon = "upload"
    form_class = ImportUploadForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        summary = services.local_matters_preview(content=content, filename=upload.name)
        if summary.errors:
            self.request.session.pop(IMPORT_SESSION_KEY, None)
        else:
            self.request.session[IMPORT_SESSION_KEY] = {
                "filename": upload.name,
                "content": base64.b64encode(content).decode("ascii"),
            }
        return self.render_to_response(
            self.get_context_data(form=form, summary=summary, filename=upload.name)
        )


class ImportConfirmView(CatalogAccess, View):
    http_method_names = ["post"]

    def post(self, request):
        pending = request.session.pop(IMPORT_SESSION_KEY, None)
        if not pending:
            messages.error(request, _("Upload the file again: nothing is waiting to be imported."))
            return redirect("catalog_admin:import")
        try:
            summary = services.local_matters_import(
                content=base64.b64decode(pending["content"]),
                filename=pending["filename"],
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("catalog_admin:import")
        messages.success(
            request,
            _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "created": len(summary.created),
                "updated": len(summary.updated),
                "unchanged": len(summary.unchanged),
            },
        )
        return redirect("catalog_admin:index")


class ExportView(CatalogAccess, View):
    http_method_names = ["get"]

    def get(self, request, file_format):
        if file_format not in CONTENT_TYPES:
            raise Http404
        items = [selectors.local_matter_data(m) for m in selectors.local_matters()]
        response = HttpResponse(
            export_catalog(items, file_format), content_type=CONTENT_TYPES[file_format]
        )
        response["Content-Disposition"] = f'attachment; filename="catalog.{file_format}"'
        export_recorded(request, "catalog", rows=len(items), format=file_format)
        return response
