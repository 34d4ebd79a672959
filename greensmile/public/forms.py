from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from greensmile.forms import BaseForm, at_most, required, strip


class ConcernForm(BaseForm):
    message = TextAreaField(_l("What worries you about this plot or its produce?"),
                            validators=[required(), at_most(3000)])
    contact = StringField(_l("Your phone or e-mail, if you want an answer (optional)"),
                          validators=[Optional(), at_most(200)], filters=[strip])
