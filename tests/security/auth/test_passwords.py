import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from tenants.accounts.models import Role, User
from tenants.accounts.services import staff_user_create
from tenants.accounts.validators import CharacterClassesValidator, character_classes
from tests.conftest import PASSWORD


def test_character_classes():
    assert character_classes("abc") == {"lower"}
    assert character_classes("aB3!") == {"lower", "upper", "digit", "symbol"}
    assert character_classes("密码Abc1") == {"lower", "upper", "digit"}


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Ab1!Ab1!Ab1!", True),  # four classes, 12 characters
        ("abcdefgh1234", False),  # two classes
        ("abcdefgh123!", True),  # three classes
        ("ABCDEFGH123a", True),
    ],
)
def test_validator_three_of_four(password, ok):
    validator = CharacterClassesValidator(min_classes=3)
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError) as exc:
            validator.validate(password)
        assert exc.value.error_list[0].code == "password_too_simple"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["Ab1!short", "alllowercase-and-long", "Zq8#xY2!"],  # 9 chars; two classes; 8 chars
)
def test_settings_refuse_weak_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.django_db
def test_staff_user_create_applies_the_rules(township):
    with schema_context(township.schema_name):
        with pytest.raises(ValidationError) as exc:
            staff_user_create(username="weak", password="abcdefghijk1", role=Role.WINDOW_STAFF)
        assert "password" in exc.value.message_dict
        assert not User.objects.filter(username="weak").exists()
        user = staff_user_create(username="strong", password=PASSWORD, role=Role.WINDOW_STAFF)
        assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_password_change_in_admin_applies_the_rules(township, make_user, client_for):
    from tests.security.auth.conftest import login

    make_user(township, "director1", Role.CENTER_DIRECTOR)
    client = login(client_for(township), "director1")
    response = client.post(
        "/admin/account/",
        {
            "password-old_password": PASSWORD,
            "password-new_password1": "onlylowercase",
            "password-new_password2": "onlylowercase",
        },
    )
    assert response.status_code == 200  # the form again, with errors
    with schema_context(township.schema_name):
        assert User.objects.get(username="director1").check_password(PASSWORD)
