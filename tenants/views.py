"""The city's admin screens for centers (Wagtail admin, city domain, city administrators)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from cityplatform.admin_views import AdminScreenMixin

from . import services
from .accounts.permissions import Capability, can
from .accounts.reauth import RecentAuthRequiredMixin
from .forms import CenterCreateForm, StatusChangeForm
from .models import Center
from .selectors import center_directory, center_url


class CityAdminRequired:
    def dispatch(self, request, *args, **kwargs):
        if not can(request.user, Capability.MANAGE_CENTERS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CenterIndexView(CityAdminRequired, AdminScreenMixin, TemplateView):
    template_name = "tenants/admin/index.html"
    page_title = gettext_lazy("Service centers")
    header_icon = "site"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["centers"] = [(c, center_url(c)) for c in center_directory()]
        context["status_form"] = StatusChangeForm()
        return context


class CenterCreateView(CityAdminRequired, RecentAuthRequiredMixin, AdminScreenMixin, FormView):
    template_name = "tenants/admin/create.html"
    page_title = gettext_lazy("New service center")
    header_icon = "plus"
    form_class = CenterCreateForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            provisioned = services.center_create(
                kind=data["kind"],
                division_code=data["division_code"],
                name=data["name"],
                slug=data["slug"],
                parent_slug=data["parent"] or None,
                actor=f"admin:{self.request.user.username}",
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(name)s is ready at %(url)s. Administrator login: %(user)s / %(password)s")
            % {
                "name": provisioned.center.display_name,
                "url": provisioned.url,
                "user": provisioned.admin_username,
                "password": provisioned.admin_password,
            },
        )
        return redirect("tenants_admin:index")


class CenterStatusView(CityAdminRequired, FormView):
    form_class = StatusChangeForm
    http_method_names = ["post"]
    services_by_action = {
        "suspend": services.center_suspend,
        "resume": services.center_resume,
        "archive": services.center_archive,
    }

    def form_valid(self, form):
        center = get_object_or_404(Center.objects.centers(), slug=self.kwargs["slug"])
        service = self.services_by_action[self.kwargs["action"]]
        try:
            service(
                center=center,
                actor=f"admin:{self.request.user.username}",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
        else:
            center.refresh_from_db()
            messages.success(
                self.request,
                _("%(name)s: %(status)s")
                % {"name": center.display_name, "status": center.get_status_display()},
            )
        return redirect("tenants_admin:index")

    def form_invalid(self, form):
        return redirect("tenants_admin:index")
