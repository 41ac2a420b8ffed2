"""/admin/reauth/: enter the password again before a sensitive action, then back to `next`.
Wrong passwords count towards django-axes' lockout like failed logins do."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from cityplatform.admin_views import AdminScreenMixin
from tenants.audit.models import Action
from tenants.audit.services import audit_record

from .reauth import mark_recent_auth, require_recent_auth
from .selectors import current_lockouts
from .services import login_lockout_clear, may_manage_staff


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            user = authenticate(
                self.request, username=self.request.user.get_username(), password=password
            )
            if user is None or user.pk != self.request.user.pk:
                raise forms.ValidationError(_("The password is not right."))
        return data


class ReauthView(AdminScreenMixin, FormView):
    template_name = "accounts/admin/reauth.html"
    form_class = ReauthForm
    page_title = gettext_lazy("Confirm your password")
    header_icon = "lock"

    def get_initial(self):
        return {"next": self.request.GET.get("next", "")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def _next_url(self, candidate: str) -> str:
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={self.request.get_host()}, require_https=False
        ):
            return candidate
        return reverse("wagtailadmin_home")

    def form_valid(self, form):
        mark_recent_auth(self.request)
        audit_record(action=Action.REAUTH, actor=self.request.user, request=self.request)
        return redirect(self._next_url(form.cleaned_data.get("next", "")))


class LockoutsView(AdminScreenMixin, TemplateView):
    """/admin/lockouts/: the accounts locked after failed logins, each with an unlock button
    (a recent password is needed). The city's administrators see the city's accounts, a
    director their center's."""

    template_name = "accounts/admin/lockouts.html"
    page_title = gettext_lazy("Locked accounts")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not may_manage_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lockouts"] = current_lockouts()
        context["cooloff_minutes"] = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        return context

    @method_decorator(require_recent_auth)
    def post(self, request, *args, **kwargs):
        try:
            login_lockout_clear(
                actor=request.user, username=request.POST.get("username", ""), request=request
            )
        except ValidationError as error:
            for message in error.message_dict.get("username", []):
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(username)s can log in again.") % {"username": request.POST["username"]},
            )
        return redirect("accounts_lockouts")
