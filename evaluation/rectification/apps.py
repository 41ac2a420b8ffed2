from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "evaluation.rectification"
    label = "rectification"
    verbose_name = _("Rectification (差评整改)")

    def ready(self):
        from centers.ratings.hooks import register_bad_rating_receiver, register_uncounted_source

        from .selectors import upheld_rating_ids
        from .services import rectification_open_for_rating

        # Every 差评 opens its item; a rating whose appeal the district upheld counts nowhere.
        register_bad_rating_receiver("rectification.open", rectification_open_for_rating)
        register_uncounted_source("rectification.upheld_appeals", upheld_rating_ids)
