"""wagtail.users with the platform's role on its user forms, and groups guarded and audited
(tenants.accounts.admin_users): INSTALLED_APPS names
"tenants.accounts.users_app.StaffUsersAppConfig" instead of "wagtail.users"."""

from wagtail.users.apps import WagtailUsersAppConfig


class StaffUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "tenants.accounts.admin_users.StaffUserViewSet"
    group_viewset = "tenants.accounts.admin_users.StaffGroupViewSet"
