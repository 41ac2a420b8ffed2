from django.urls import path

from . import views

urlpatterns = [
    path("calendar/due-date/", views.DueDateView.as_view(), name="calendar-due-date"),
    path("progress/", views.ProgressView.as_view(), name="case-progress"),
    path("cases/", views.CaseListView.as_view(), name="cases"),
    path("cases/<str:receipt>/", views.CaseDetailView.as_view(), name="case"),
    path("cases/<str:receipt>/events/", views.CaseEventsView.as_view(), name="case-events"),
    path(
        "cases/<str:receipt>/personal-data/",
        views.CasePersonalDataView.as_view(),
        name="case-personal-data",
    ),
    *[
        path(f"cases/<str:receipt>/{name}/", view.as_view(), name=f"case-{name}")
        for name, view in views.STEP_VIEWS.items()
    ],
    path(
        "cases/<str:receipt>/fees/<int:fee_id>/pay/",
        views.FeePayView.as_view(),
        name="case-fee-pay",
    ),
    path(
        "cases/<str:receipt>/fees/<int:fee_id>/waive/",
        views.FeeWaiveView.as_view(),
        name="case-fee-waive",
    ),
    path(
        "cases/<str:receipt>/approvals/<int:approval_id>/decide/",
        views.ApprovalDecideView.as_view(),
        name="case-approval-decide",
    ),
    path(
        "cases/<str:receipt>/tasks/<int:task_id>/sign-off/",
        views.SignOffView.as_view(),
        name="case-task-sign-off",
    ),
]
