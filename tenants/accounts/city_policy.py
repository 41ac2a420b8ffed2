"""The screen of a policy the city office sets (rectification deadline, retention periods,
appointment limits, case policy): one base view the apps' policy screens subclass."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin

from .permissions import may_edit_city_policy
from .reauth import has_recent_auth, reauth_response


class CityPolicyView(AdminScreenMixin, TemplateView):
    """A policy the city office sets (rectification deadline, retention periods, appointment
    limits), on the city domain only and for those who may edit the city's standards. Saving
    asks for a recent password; the service's ValidationError lands on the form's fields and
    changes nothing (400). A screen names its form, template and URL and says how to read and
    save its policy."""

    form_class: type[forms.Form]
    success_url_name: str
    success_message = gettext_lazy("Saved.")
    header_icon = "cog"

    def dispatch(self, request, *args, **kwargs):
        if not may_edit_city_policy(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def policy(self):
        raise NotImplementedError

    def initial(self, policy) -> dict:
        raise NotImplementedError

    def save(self, data: dict) -> None:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        policy = self.policy()
        form = self.form_class(initial=self.initial(policy))
        return self.render_to_response(self.get_context_data(form=form, policy=policy))

    def post(self, request, *args, **kwargs):
        if not has_recent_auth(request):
            return reauth_response(request)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.save(form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, str(self.success_message))
                return redirect(reverse(self.success_url_name))
        context = self.get_context_data(form=form, policy=self.policy())
        return self.render_to_response(context, status=400)
