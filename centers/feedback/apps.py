from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "centers.feedback"
    label = "feedback"
    verbose_name = _("Complaints, suggestions and questions (投诉建议咨询)")
