from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "centers.cases"
    label = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from catalog_cms.standards.calendar import on_year_confirmed
        from tenants.exchange.models import MessageKind
        from tenants.exchange.receivers import register_receiver

        from . import referrals, tasks

        on_year_confirmed("cases.due_dates", tasks.official_year_confirmed)

        register_receiver(MessageKind.REFERRAL, referrals.referral_receive)
        register_receiver(MessageKind.STATUS, referrals.referral_status_apply)
        register_receiver(MessageKind.DECISION, referrals.referral_decision_apply)
        register_receiver(MessageKind.WITHDRAWAL, referrals.referral_withdrawal_apply)
