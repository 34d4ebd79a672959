import io
from decimal import Decimal

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from greensmile.forms import BaseForm, DecimalField, MultiCheckboxField, at_most, required, strip
from greensmile.plots.csvdata import LATITUDE_RANGE, LONGITUDE_RANGE
from greensmile.plots.models import MAX_AREA_M2, PLOT_TYPE_LABELS, PlotType
from greensmile.plots.services import area_to_m2
from greensmile.submissions.forms import OnceFormMixin

NONE_CHOICE = SelectChoice("0", _l("— none —"))
ANY_CHOICE = SelectChoice("0", _l("Any"))


def _choices(items, locale: str, first: SelectChoice) -> list[SelectChoice]:
    return [first] + [SelectChoice(str(item.id), item.name(locale)) for item in items]


class PlotForm(BaseForm):
    owner = StringField(
        _l("Farmer's e-mail or phone number"), validators=[Optional(), at_most(254)], filters=[strip]
    )
    name = StringField(_l("Plot name (optional)"), validators=[Optional(), at_most(120)], filters=[strip])
    group_id = SelectField(_l("Farmer group"), coerce=int, validators=[Optional()])
    district_id = SelectField(_l("District"), coerce=int, validators=[required()])
    subdistrict = StringField(_l("Subdistrict (ตำบล)"), validators=[Optional(), at_most(80)], filters=[strip])
    village = StringField(_l("Village"), validators=[Optional(), at_most(120)], filters=[strip])
    latitude = DecimalField(
        _l("Latitude"), places=6, validators=[Optional(), NumberRange(
            min=LATITUDE_RANGE[0], max=LATITUDE_RANGE[1],
            message=_l("This latitude is not in Thailand: check the number (about 5.6 to 20.5)."))],
    )
    longitude = DecimalField(
        _l("Longitude"), places=6, validators=[Optional(), NumberRange(
            min=LONGITUDE_RANGE[0], max=LONGITUDE_RANGE[1],
            message=_l("This longitude is not in Thailand: check the number (about 97.3 to 105.7)."))],
    )
    area_unit = RadioField(
        _l("Area entered in"),
        choices=[SelectChoice("rai", _l("rai, ngan and square wa")), SelectChoice("m2", _l("square metres"))],
        default="rai",
    )
    area_rai = IntegerField(_l("Rai"), validators=[Optional(), NumberRange(min=0, max=100_000)], default=0)
    area_ngan = IntegerField(_l("Ngan"), validators=[Optional(), NumberRange(min=0, max=3)], default=0)
    area_wa = DecimalField(_l("Square wa"), validators=[Optional(), NumberRange(min=0, max=Decimal("99.99"))],
                           default=0)
    area_m2 = DecimalField(_l("Square metres"), places=2, validators=[Optional(), NumberRange(min=0)])
    plot_type = SelectField(
        _l("Plot type"), choices=[SelectChoice(t.value, PLOT_TYPE_LABELS[t]) for t in PlotType], validators=[required()]
    )
    crops = MultiCheckboxField(_l("Crops grown"), coerce=int)
    water_source = StringField(_l("Water source"), validators=[Optional(), at_most(200)], filters=[strip])
    neighbour_risks = TextAreaField(
        _l("Risks from neighbours (e.g. a conventional farm upstream)"), validators=[Optional(), at_most(2000)]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), at_most(5000)])

    def set_choices(self, groups, districts, crops, locale: str) -> None:
        self.group_id.choices = [NONE_CHOICE] + [SelectChoice(str(g.id), g.display_name(locale)) for g in groups]
        self.district_id.choices = [SelectChoice(str(d.id), d.name(locale)) for d in districts]
        self.crops.choices = [SelectChoice(str(crop.id), crop.name(locale)) for crop in crops]

    def computed_area_m2(self) -> Decimal:
        if self.area_unit.data == "m2":
            return Decimal(self.area_m2.data or 0)
        return area_to_m2(self.area_rai.data or 0, self.area_ngan.data or 0, self.area_wa.data or 0)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid:
            target = self.area_m2 if self.area_unit.data == "m2" else self.area_rai
            area = self.computed_area_m2().quantize(Decimal("0.01"))
            if area <= 0:
                target.errors.append(_l("Enter the plot's area."))
                valid = False
            elif area > MAX_AREA_M2:
                target.errors.append(_l("The area must be more than 0 and at most 100,000 rai."))
                valid = False
        if valid and (self.latitude.data is None) != (self.longitude.data is None):
            self.longitude.errors.append(_l("Enter both latitude and longitude, or neither."))
            valid = False
        return valid


class PhotoForm(BaseForm):
    photo = FileField(_l("Photo"), validators=[FileRequired(message=_l("Choose a photo to send."))])
    caption = StringField(_l("Caption (optional)"), validators=[Optional(), at_most(200)], filters=[strip])
    shows_people = BooleanField(_l("People can be recognised in this photo"), description=_l(
        "Only with their agreement. The public page shows it only if the farmer agrees to show such photos."))


def within_upload_limit(form, field) -> None:
    """The request's limit (answered 413 as the body is read) stops most; this names the file that is too big."""
    limit = request.max_content_length
    stream = getattr(field.data, "stream", None)
    if not limit or stream is None:
        return
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > limit:
        raise ValidationError(_l("The file is larger than %(mb)s MB: split it into smaller files.",
                                 mb=limit // (1024 * 1024)))


class ImportForm(OnceFormMixin, BaseForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to send.")),
                                                 within_upload_limit])
    dry_run = BooleanField(_l("Only check the file; change nothing"), default=True)
    create_groups = BooleanField(_l("Create farmer groups the file names that do not exist yet"))
    create_crops = BooleanField(_l("Add crops the file names to the catalogue"))


class CropForm(BaseForm):
    name_th = StringField(_l("Thai name"), validators=[required(), at_most(80)], filters=[strip])
    name_en = StringField(_l("English name"), validators=[Optional(), at_most(80)], filters=[strip])


class PlotSearchForm(BaseForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Code, farmer, plot or village"), validators=[Optional(), at_most(100)], filters=[strip])
    group = SelectField(_l("Farmer group"), coerce=int, validators=[Optional()])
    district = SelectField(_l("District"), coerce=int, validators=[Optional()])
    crop = SelectField(_l("Crop"), coerce=int, validators=[Optional()])
    plot_type = SelectField(
        _l("Plot type"),
        choices=[SelectChoice("", _l("Any"))] + [SelectChoice(t.value, PLOT_TYPE_LABELS[t]) for t in PlotType],
        validators=[Optional()],
    )
    status = SelectField(_l("Organic certification"), validators=[Optional()])  # choices from certification

    def set_choices(self, groups, districts, crops, locale: str) -> None:
        self.group.choices = [ANY_CHOICE] + [SelectChoice(str(g.id), g.display_name(locale)) for g in groups]
        self.district.choices = _choices(districts, locale, ANY_CHOICE)
        self.crop.choices = _choices(crops, locale, ANY_CHOICE)


class WhoGrowsForm(BaseForm):
    class Meta:
        csrf = False

    crop = SelectField(_l("Who grows"), coerce=int, validators=[Optional()])
    district = SelectField(_l("in district"), coerce=int, validators=[Optional()])

    def set_choices(self, districts, crops, locale: str) -> None:
        self.crop.choices = _choices(crops, locale, SelectChoice("0", _l("— choose a crop —")))
        self.district.choices = _choices(districts, locale, SelectChoice("0", _l("any district")))

