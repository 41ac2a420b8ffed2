"""Wagtail's users screens with the platform's role: the create and edit forms carry the role
(only the roles of this domain's schema) and the district for district staff, and the role is
set through tenants.accounts.services.staff_role_change (checked and audited). The superuser flag
follows the role, so it is shown but not editable.

Wagtail's groups screens need a recent password (tenants.accounts.reauth) and every saved or
deleted group, with its permissions, is written to the audit log."""

from django import forms
from django.db import connection
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import groups as wagtail_groups
from wagtail.users.views import users as wagtail_users

from tenants.audit.models import Action
from tenants.audit.services import audit_record

from .models import Role
from .permissions import role_belongs_in_schema
from .reauth import RecentAuthRequiredMixin
from .services import role_errors, staff_role_change


class _RoleFields:
    """The role and district fields, made per form (choices depend on the schema)."""

    def _setup_role_fields(self):
        schema = connection.schema_name
        self.fields["role"] = forms.ChoiceField(
            label=_("role"),
            choices=[(r.value, r.label) for r in Role if role_belongs_in_schema(r, schema)],
        )
        self.fields["district_id"] = forms.IntegerField(
            label=_("district"),
            required=False,
            help_text=_("For district supervisors and evaluators: the id of their district."),
        )
        if self.instance.pk:
            self.fields["role"].initial = self.instance.role
            self.fields["district_id"].initial = self.instance.district_id
        if "is_superuser" in self.fields:
            self.fields["is_superuser"].disabled = True
            self.fields["is_superuser"].help_text = _("Follows the role.")

    def _clean_role(self):
        errors: dict[str, list[str]] = {}
        role_errors(
            self.cleaned_data.get("role") or "", self.cleaned_data.get("district_id"), errors
        )
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else "role", message)


class StaffCreationForm(_RoleFields, UserCreationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_role_fields()

    def clean(self):
        data = super().clean()
        self._clean_role()
        return data


class StaffEditForm(_RoleFields, UserEditForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_role_fields()
        if kwargs.get("editing_self"):  # nobody changes their own role
            self.fields["role"].disabled = True
            self.fields["district_id"].disabled = True

    def clean(self):
        data = super().clean()
        if not self.fields["role"].disabled:
            self._clean_role()
        return data


class _SetsRole:
    def save_instance(self):
        user = super().save_instance()
        role_field = self.form.fields["role"]
        if not role_field.disabled:
            staff_role_change(
                actor=self.request.user,
                user=user,
                role=self.form.cleaned_data["role"],
                district_id=self.form.cleaned_data.get("district_id"),
                request=self.request,
            )
        return user


class StaffCreateView(_SetsRole, wagtail_users.CreateView):
    template_name = "accounts/admin/user_create.html"


class StaffEditView(_SetsRole, wagtail_users.EditView):
    template_name = "accounts/admin/user_edit.html"


class StaffUserViewSet(wagtail_users.UserViewSet):
    add_view_class = StaffCreateView
    edit_view_class = StaffEditView

    def get_form_class(self, for_update=False):
        return StaffEditForm if for_update else StaffCreationForm


class _AuditsGroup(RecentAuthRequiredMixin):
    """A group's save (with its permission panels) or deletion is a permission change."""

    def _audit_group(self, group_name: str, permissions: list[str] | None):
        audit_record(
            action=Action.PERMISSIONS_CHANGED,
            actor=self.request.user,
            request=self.request,
            obj=f"group:{group_name}",
            detail={"group": group_name, "permissions": permissions},
        )


class _SavesGroup(_AuditsGroup):
    def process_form(self):
        response = super().process_form()
        if response.status_code == 302 and self.object.pk:
            perms = self.object.permissions.values_list("content_type__app_label", "codename")
            self._audit_group(self.object.name, sorted(f"{a}.{c}" for a, c in perms))
        return response


class StaffGroupCreateView(_SavesGroup, wagtail_groups.CreateView):
    pass


class StaffGroupEditView(_SavesGroup, wagtail_groups.EditView):
    pass


class StaffGroupDeleteView(_AuditsGroup, wagtail_groups.DeleteView):
    def delete_action(self):
        name = self.object.name
        super().delete_action()
        self._audit_group(name, None)


class StaffGroupViewSet(wagtail_groups.GroupViewSet):
    add_view_class = StaffGroupCreateView
    edit_view_class = StaffGroupEditView
    delete_view_class = StaffGroupDeleteView
