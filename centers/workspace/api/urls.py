from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("departments", views.DepartmentViewSet, basename="workspace-department")
router.register("windows", views.WindowViewSet, basename="workspace-window")
router.register("closures", views.ClosureViewSet, basename="workspace-closure")
router.register("posts", views.PostViewSet, basename="workspace-post")
router.register("absences", views.AbsenceViewSet, basename="workspace-absence")
router.register("duty-roster", views.DutyShiftViewSet, basename="workspace-duty")
router.register("attendance", views.AttendanceViewSet, basename="workspace-attendance")
router.register("service-points", views.ServicePointViewSet, basename="workspace-service-point")

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="workspace-profile"),
    path("profile/photos/", views.ProfilePhotoView.as_view(), name="workspace-profile-photos"),
    path("opening-hours/", views.OpeningHoursView.as_view(), name="workspace-hours"),
    path(
        "opening-hours/export/",
        views.OpeningHoursExportView.as_view(),
        name="workspace-hours-export",
    ),
    path("staff/export/", views.StaffExportView.as_view(), name="workspace-staff-export"),
    path("", include(router.urls)),
]
