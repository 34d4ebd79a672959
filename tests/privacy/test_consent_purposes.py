"""Photos in which people can be recognised are on a plot's public page only while its farmer agrees; the answer takes
effect on the next view of the page."""
from __future__ import annotations

import io

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.plots.models import PlotPhoto
from greensmile.privacy import services as consents
from greensmile.privacy.models import ConsentMethod, Purpose
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_plot, make_user
from tests.notifications.test_line_consent import answer_consent as _answer
from tests.plots.test_photos import jpeg_with_gps


def _upload(client, code, shows_people: bool):
    token = csrf_token(client, f"/plots/{code}")
    data = {"csrf_token": token, "photo": (io.BytesIO(jpeg_with_gps((800, 600))), "p.jpg"), "caption": "แปลง"}
    if shows_people:
        data["shows_people"] = "y"
    return client.post(f"/plots/{code}/photos", data=data, content_type="multipart/form-data")


def test_photos_with_people_are_public_only_while_the_farmer_agrees(app, client, given):
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        plot = make_plot(owner=farmer)
        code = plot.code
    login(client, "farmer@example.com", PASSWORD)
    assert _upload(client, code, shows_people=False).status_code == 302
    assert _upload(client, code, shows_people=True).status_code == 302
    with app.app_context():
        photos = db.session.scalars(sa.select(PlotPhoto).order_by(PlotPhoto.id)).all()
        assert [photo.shows_people for photo in photos] == [False, True]
        plain, people = (photo.stored_name.replace(".jpg", "_t.jpg") for photo in photos)
    detail = client.get(f"/plots/{code}").get_data(as_text=True)
    assert plain in detail and people in detail  # the farmer sees both on their own page
    own = client.get(f"/media/plots/{people}")
    assert own.status_code == 200 and "no-store" in own.headers["Cache-Control"]
    anonymous = app.test_client()
    assert anonymous.get(f"/media/plots/{people}").status_code == 404  # not at its address either, without consent
    assert anonymous.get(f"/media/plots/{plain}").status_code == 200
    assert "public" in anonymous.get(f"/media/plots/{plain}").headers["Cache-Control"]

    public = client.get(f"/p/{code}").get_data(as_text=True)
    assert plain in public and people not in public  # never asked: no
    assert _answer(client, Purpose.PEOPLE_PHOTOS, "yes").status_code == 302
    public = client.get(f"/p/{code}").get_data(as_text=True)
    assert plain in public and people in public
    shown = anonymous.get(f"/media/plots/{people}")
    assert shown.status_code == 200 and "no-store" in shown.headers["Cache-Control"]  # no cache keeps it
    assert _answer(client, Purpose.PEOPLE_PHOTOS, "no").status_code == 302
    public = client.get(f"/p/{code}").get_data(as_text=True)
    assert plain in public and people not in public  # withdrawn: gone on the next view
    assert anonymous.get(f"/media/plots/{people}").status_code == 404
    with app.app_context():
        answers = consents.history(db.session.get(type(farmer), farmer.id))
        assert [(a.purpose, a.given, a.method) for a in answers] == [
            (Purpose.PEOPLE_PHOTOS, False, ConsentMethod.ON_SCREEN), (Purpose.PEOPLE_PHOTOS, True, ConsentMethod.ON_SCREEN)]
