"""The city's retention screen, /admin/retention/ on the city domain: the city administrator
sets how many days each kind of record keeps its personal data. Saving asks for a recent
password (tenants.accounts.reauth); a period below its legal minimum is refused and changes
nothing. Anyone else, and every center domain, gets 403."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from tenants.accounts.city_policy import CityPolicyView

from . import services
from .forms import RetentionPolicyForm
from .models import KINDS, field_name


class RetentionPolicyView(CityPolicyView):
    template_name = "retention/admin/policy.html"
    page_title = gettext_lazy("Retention of personal data (个人信息保存期限)")
    form_class = RetentionPolicyForm
    success_url_name = "retention_policy"

    def policy(self):
        return services.policy_current()

    def initial(self, policy) -> dict:
        return {field_name(k): policy.days(k) for k in KINDS}

    def save(self, data: dict) -> None:
        services.policy_set(actor=self.request.user, request=self.request, **data)
