from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from greensmile.forms import BaseForm


class BoundaryFileForm(BaseForm):
    file = FileField(_l("GeoJSON or KML file"), validators=[FileRequired(message=_l("Choose a file to send."))])
