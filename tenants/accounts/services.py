"""Creating staff users: the one way a user with a role comes into being, in any schema."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from .models import Role, User
from .permissions import role_belongs_in_schema, role_is_superuser


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
) -> User:
    """Create a staff user in the current schema. City roles only in the public schema,
    center roles only in a center's schema; district staff need their district."""
    errors: dict[str, list[str]] = {}
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
    elif role in (Role.DISTRICT_SUPERVISOR, Role.EVALUATOR) and not district_id:
        errors["district_id"] = [_("A district supervisor or evaluator needs a district.")]
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
    return user
