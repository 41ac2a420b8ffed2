"""Creating staff users and changing their roles: the one way a user with a role comes into
being or changes role, in any schema. Both are written to the audit log."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from tenants.audit.models import Action
from tenants.audit.services import audit_record

from .models import Role, User
from .permissions import (
    ROLE_COLLECTION_PERMISSIONS,
    ROLE_PAGE_PERMISSIONS,
    Capability,
    can,
    on_city_domain,
    role_belongs_in_schema,
    role_is_superuser,
    role_needs_district,
)


def role_group_ensure(role: str):
    """The current schema's group for `role`, holding the role's Wagtail page and collection
    permissions (on the root page and the root collection). None for a role that needs none
    and has no group yet."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    page_types = ROLE_PAGE_PERMISSIONS.get(role, ())
    collection_perms = ROLE_COLLECTION_PERMISSIONS.get(role, ())
    if not page_types and not collection_perms:
        # Rights given later on particular pages (portal.notices) still go through the group.
        return Group.objects.filter(name=f"role:{role}").first()
    group, created = Group.objects.get_or_create(name=f"role:{role}")
    if created:
        root_page = Page.get_first_root_node()
        for permission_type in page_types:
            GroupPagePermission.objects.create(
                group=group, page=root_page, permission_type=permission_type
            )
        root_collection = Collection.get_first_root_node()
        for dotted in collection_perms:
            app_label, codename = dotted.split(".")
            GroupCollectionPermission.objects.create(
                group=group,
                collection=root_collection,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                ),
            )
    return group


def staff_user_create(
    *,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    district_id: int | None = None,
    check_password: bool = True,
    actor=None,
    request=None,
) -> User:
    """Create a staff user in the current schema. City roles only in the public schema,
    center roles only in a center's schema; district staff need their district. `actor` (and
    the `request`, for the address) is who creates them, recorded in the audit log; None for
    provisioning and commands."""
    errors: dict[str, list[str]] = {}
    role_errors(role, district_id, errors)
    if User.objects.filter(username=username).exists():
        errors["username"] = [_("The username %(username)s is taken.") % {"username": username}]
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        email=email,
        district_id=district_id,
        is_staff=True,
        is_superuser=role_is_superuser(role),
    )
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    with transaction.atomic():
        user.full_clean(exclude=["password"])
        user.save()
        group = role_group_ensure(role)
        if group is not None:
            user.groups.add(group)
        audit_record(
            action=Action.USER_CREATED,
            actor=actor,
            username="" if actor else "system",
            request=request,
            obj=user.username,
            detail={"role": role},
        )
    return user


def role_errors(role: str, district_id, errors: dict) -> None:
    if role not in Role.values:
        errors["role"] = [_("Unknown role %(role)s.") % {"role": role}]
    elif not role_belongs_in_schema(role, connection.schema_name):
        errors["role"] = [
            _(
                "The role %(role)s cannot be given here: city roles live on the city's domain, "
                "center roles on a center's domain."
            )
            % {"role": Role(role).label}
        ]
    elif role_needs_district(role) and not district_id:
        errors["district_id"] = [_("A district supervisor or evaluator needs a district.")]


def may_manage_staff(actor) -> bool:
    """The city's administrators manage the city's staff, a center's director their center's."""
    if on_city_domain():
        return can(actor, Capability.MANAGE_CENTERS)
    return can(actor, Capability.MANAGE_CENTER_STAFF)


def staff_role_change(
    *, actor, user: User, role: str, district_id: int | None = None, request=None
) -> User:
    """Give `user` another role (and its Wagtail group), recorded in the audit log. Nobody
    changes their own role."""
    if not may_manage_staff(actor):
        raise PermissionDenied(_("You may not change the roles of this domain's staff."))
    district_id = district_id if district_id is not None else user.district_id
    errors: dict[str, list[str]] = {}
    role_errors(role, district_id, errors)
    if errors:
        raise ValidationError(errors)
    old_role = user.role
    if old_role == role and user.district_id == district_id:
        return user
    if actor.pk == user.pk:
        raise PermissionDenied(_("You cannot change your own role."))
    with transaction.atomic():
        if old_role and old_role != role:
            user.groups.remove(*user.groups.filter(name=f"role:{old_role}"))
        user.role = role
        user.district_id = district_id if role_needs_district(role) else None
        user.is_superuser = role_is_superuser(role)
        user.save(update_fields=["role", "district_id", "is_superuser"])
        group = role_group_ensure(role)
        if group is not None:
            user.groups.add(group)
        audit_record(
            action=Action.ROLE_CHANGED,
            actor=actor,
            request=request,
            obj=user.username,
            detail={"from": old_role, "to": role, "district_id": user.district_id},
        )
    return user


def login_lockout_clear(*, actor, username: str, request=None) -> int:
    """Lift django-axes' lockout of `username` in this schema (every failed attempt recorded
    for it goes), recorded in the audit log; the number of attempt records removed. Only who
    manages this domain's staff may, and never for their own account."""
    from axes.models import AccessAttempt

    if not may_manage_staff(actor):
        raise PermissionDenied
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": [_("Choose the account to unlock.")]})
    if username == actor.get_username():
        raise ValidationError({"username": [_("You cannot unlock your own account.")]})
    with transaction.atomic():
        removed, _by_model = AccessAttempt.objects.filter(username=username).delete()
        if not removed:
            raise ValidationError({"username": [_("This account is not locked.")]})
        audit_record(
            action=Action.LOCKOUT_CLEARED,
            actor=actor,
            request=request,
            obj=username,
            detail={"attempt_records": removed},
        )
    return removed
