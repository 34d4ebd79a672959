import io
from pathlib import Path

from PIL import Image

from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.plots.models import PlotPhoto
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_plot, make_user

GPS_IFD = 0x8825


def jpeg_with_gps(size=(2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (40, 140, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0131] = "secret-firmware"  # software
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (7.0, 0.0, 30.96), 3: "E", 4: (100.0, 28.0, 28.9)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90, comment=b"owner phone 0812345678",
               xmp=b"<x:xmpmeta>secret-xmp 7.1605,100.418</x:xmpmeta>")
    return out.getvalue()


def _upload(client, code, data: bytes, filename="photo.jpg"):
    token = csrf_token(client, f"/plots/{code}")
    return client.post(
        f"/plots/{code}/photos",
        data={"csrf_token": token, "photo": (io.BytesIO(data), filename), "caption": "หน้าแปลง"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _only_photo(app):
    with app.app_context():
        photos = db.session.query(PlotPhoto).all()
        assert len(photos) == 1
        return photos[0]


def test_stored_photos_carry_no_exif_and_are_resized(client, given, app):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the upload does carry GPS
    assert b"0812345678" in original and b"secret-xmp" in original  # and a comment, and XMP
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        plot = make_plot(owner)
    login(client, "owner@example.com", PASSWORD)
    response = _upload(client, plot.code, original)
    assert "เพิ่มรูปภาพแล้ว" in response.get_data(as_text=True)
    photo = _only_photo(app)
    assert (photo.width, photo.height) == (1600, 1200)

    folder = Path(app.config["UPLOAD_DIR"]) / "plots"
    for name in (photo.stored_name, photo.stored_name.replace(".jpg", "_t.jpg")):
        served = client.get(f"/media/plots/{name}")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.headers["Cache-Control"] == "public, max-age=3600" and served.headers["ETag"]
        stored = Image.open(io.BytesIO(served.data))
        assert len(stored.getexif()) == 0, "EXIF left in a public photo"
        for secret in (b"secret-firmware", b"PhoneMaker", b"0812345678", b"secret-xmp", b"Exif\0\0"):
            assert secret not in served.data, secret
        assert b"\xff\xfe" not in served.data.split(b"\xff\xda", 1)[0]  # no COM segment before the image data
        assert (folder / name).read_bytes() == served.data
    assert max(Image.open(folder / photo.stored_name.replace(".jpg", "_t.jpg")).size) == 400


def test_png_and_webp_are_accepted(client, given, app):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        plot = make_plot(owner)
    login(client, "owner@example.com", PASSWORD)
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGBA", (300, 200), (200, 50, 50, 128)).save(out, fmt)
        assert "เพิ่มรูปภาพแล้ว" in _upload(client, plot.code, out.getvalue(), f"x.{fmt.lower()}").get_data(as_text=True)


def test_a_file_that_is_not_an_image_is_refused(client, given, app):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        plot = make_plot(owner)
    login(client, "owner@example.com", PASSWORD)
    for data, name in [(b"%PDF-1.4 not a photo", "photo.jpg"), (b"GIF89a" + b"\0" * 50, "a.gif")]:
        body = _upload(client, plot.code, data, name).get_data(as_text=True)
        assert "ไฟล์นี้ไม่ใช่รูปภาพที่ใช้ได้" in body
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")  # a real image, but not a format we take
    assert "ไฟล์นี้ไม่ใช่รูปภาพที่ใช้ได้" in _upload(client, plot.code, gif.getvalue(), "a.gif").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(PlotPhoto).count() == 0


def test_an_oversized_image_is_refused(client, given, app, monkeypatch):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        plot = make_plot(owner)
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 50_000)
    login(client, "owner@example.com", PASSWORD)
    noisy = Image.effect_noise((800, 800), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > 50_000
    body = _upload(client, plot.code, out.getvalue()).get_data(as_text=True)
    assert "รูปนี้ใหญ่เกินไป" in body
    with app.app_context():
        assert db.session.query(PlotPhoto).count() == 0


def test_a_decompression_bomb_is_refused(client, given, app):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        plot = make_plot(owner)
    login(client, "owner@example.com", PASSWORD)
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, "PNG")  # 144 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    body = _upload(client, plot.code, bomb.getvalue(), "bomb.png").get_data(as_text=True)
    assert "รูปนี้มีจำนวนพิกเซลมากเกินไป" in body
    with app.app_context():
        assert db.session.query(PlotPhoto).count() == 0


def test_only_the_owner_or_a_coordinator_adds_or_removes_photos(client, given, app):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        make_user(Role.FARMER, email="other@example.com")
        plot = make_plot(owner)
    login(client, "owner@example.com", PASSWORD)
    _upload(client, plot.code, jpeg_with_gps((400, 300)))
    photo = _only_photo(app)
    post = "/logout"
    client.post(post, data={"csrf_token": csrf_token(client, "/")})

    login(client, "other@example.com", PASSWORD)
    token = csrf_token(client, "/account")
    refused = client.post(f"/plots/{plot.code}/photos",
                          data={"csrf_token": token, "photo": (io.BytesIO(jpeg_with_gps((40, 30))), "x.jpg")},
                          content_type="multipart/form-data")
    assert refused.status_code == 403
    assert client.post(f"/plots/{plot.code}/photos/{photo.id}/delete", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert db.session.query(PlotPhoto).count() == 1


def test_media_names_cannot_leave_the_folder(client):
    for path in ["/media/plots/..%2Fsecret_key", "/media/plots/../../instance/secret_key", "/media/private/x.jpg",
                 "/media/plots/0123456789abcdef0123456789abcdef.jpg"]:
        assert client.get(path).status_code == 404, path
