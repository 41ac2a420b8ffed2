"""The city's retention screen, /admin/retention/ on the city domain: the city administrator
sets how many days each kind of record keeps its personal data. Saving asks for a recent
password (tenants.accounts.reauth); a period below its legal minimum is refused and changes
nothing. Anyone else, and every center domain, gets 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.permissions import Capability, can
from tenants.accounts.reauth import has_recent_auth, reauth_response

from . import services
from .forms import RetentionPolicyForm
from .models import KINDS, field_name


def policy_editor(user) -> bool:
    return connection.schema_name == "public" and can(user, Capability.EDIT_CITY_STANDARDS)


class RetentionPolicyView(AdminScreenMixin, TemplateView):
    template_name = "retention/admin/policy.html"
    page_title = gettext_lazy("Retention of personal data (个人信息保存期限)")
    header_icon = "cog"

    def dispatch(self, request, *args, **kwargs):
        if not policy_editor(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        policy = services.policy_current()
        form = RetentionPolicyForm(initial={field_name(k): policy.days(k) for k in KINDS})
        return self.render_to_response(self.get_context_data(form=form, policy=policy))

    def post(self, request, *args, **kwargs):
        if not has_recent_auth(request):
            return reauth_response(request)
        form = RetentionPolicyForm(request.POST)
        if form.is_valid():
            try:
                services.policy_set(actor=request.user, request=request, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("retention_policy"))
        context = self.get_context_data(form=form, policy=services.policy_current())
        return self.render_to_response(context, status=400)
