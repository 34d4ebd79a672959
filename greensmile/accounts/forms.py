from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, Length, Optional, ValidationError

from greensmile.accounts.models import ROLE_LABELS, Role
from greensmile.accounts.services import normalise_phone
from greensmile.forms import BaseForm, MultiCheckboxField, at_most, email_address, required, strip

PASSWORD_RULES = [
    required(),
    Length(min=8, max=128, message=_l("A password must have between 8 and 128 characters.")),
]
LANGUAGE_CHOICES = [SelectChoice("th", "ไทย"), SelectChoice("en", "English")]


def thai_phone(form, field):
    try:
        normalise_phone(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a Thai phone number, for example 081-234-5678.")) from None


class LoginForm(BaseForm):
    login = StringField(_l("E-mail or phone number"), validators=[required(), at_most(254)], filters=[strip])
    password = PasswordField(_l("Password"), validators=[required(), at_most(128)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class SignupForm(BaseForm):
    display_name = StringField(_l("Your name"), validators=[required(), at_most(120)])
    email = EmailField(_l("E-mail"), validators=[required(), email_address(), at_most(254)], filters=[strip])
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), thai_phone])
    password = PasswordField(_l("Password"), validators=PASSWORD_RULES)
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    # Shown, and required, while a privacy notice is in force (the page says which version).
    notice_read = BooleanField(_l("I have read the privacy notice"))


class ProfileForm(BaseForm):
    display_name = StringField(_l("Your name"), validators=[required(), at_most(120)])
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), thai_phone])
    address = TextAreaField(_l("Home address (optional)"), validators=[Optional(), at_most(500)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), at_most(128)])
    password = PasswordField(_l("New password"), validators=PASSWORD_RULES)
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[required(), email_address(), at_most(254)], filters=[strip])


class ResetPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=PASSWORD_RULES)
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class RolesForm(BaseForm):
    roles = MultiCheckboxField(
        _l("Roles"), choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in Role], validate_choice=True
    )


class UserSearchForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Name, e-mail or phone"), validators=[Optional(), at_most(100)])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("All roles"))] + [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role],
        validators=[Optional()],
    )
