from urllib.parse import parse_qs, urlsplit

from greensmile.accounts import line_login
from greensmile.accounts import services as accounts
from greensmile.accounts.errors import LineAccountClosed
from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose
from tests.conftest import post_form
from tests.factories import make_user
from tests.line_login.conftest import link_of, user_count


def test_a_linked_line_account_signs_its_user_in(browser, given, read, line):
    with given():
        user = make_user(Role.FARMER, display_name="สมชาย ใจดี")
        accounts.link_line(user, line_user_id=line.user.user_id, display_name="old name", friend=False)
    line.user.friend = True  # became a friend since, on LINE

    landed = browser.sign_in_with_line()

    assert landed.status_code == 302
    assert browser.signed_in()
    assert "สมชาย ใจดี" in browser.client.get("/account").get_data(as_text=True)
    link = read(lambda: link_of(line.user.user_id))
    assert link.user_id == user.id and link.display_name == line.user.name
    assert link.friend is True and link.friend_changed_at is not None
    assert read(lambda: db.session.get(User, user.id).last_login_at) is not None
    # what went to LINE: the code flow with state, nonce and PKCE, and the credentials in the token request's body
    asked = line.authorize_requests[-1]
    assert asked["response_type"] == "code" and asked["scope"] == "openid profile"
    assert asked["state"] and asked["nonce"] and asked["code_challenge_method"] == "S256"
    assert asked["bot_prompt"] == "normal"
    sent = line.token_requests[-1]
    assert sent["code_verifier"] and sent["client_secret"] == line.channel_secret and sent["authorization"] is None
    assert line.jwks_requests == 0  # a web login's HS256 token is checked with the channel secret alone


def test_an_es256_id_token_from_the_published_keys_is_accepted_too(browser, given, line):
    line.sign_with = "ES256"  # how LINE signs for its SDKs and LIFF
    with given():
        user = make_user()
        accounts.link_line(user, line_user_id=line.user.user_id, display_name="", friend=None)

    assert browser.sign_in_with_line().status_code == 302
    assert browser.signed_in()
    assert line.jwks_requests >= 1


def test_sign_in_goes_on_to_the_page_asked_for(browser, given, line):
    with given():
        user = make_user()
        accounts.link_line(user, line_user_id=line.user.user_id, display_name="", friend=None)

    landed = browser.sign_in_with_line(next_path="/account/devices")
    assert landed.headers["Location"].endswith("/account/devices")


def test_a_new_line_account_is_offered_an_account_and_gets_one_once_confirmed(browser, read, says, line):
    before = read(user_count)
    line.user.name = "  มาลี   ชาวสวน "

    offered = browser.sign_in_with_line()

    assert offered.status_code == 302 and "/login/line/new" in offered.headers["Location"]
    page = browser.client.get("/login/line/new")
    assert page.status_code == 200 and "มาลี ชาวสวน" in page.get_data(as_text=True)
    assert read(user_count) == before and read(lambda: link_of(line.user.user_id)) is None  # nothing yet
    assert not browser.signed_in()

    created = post_form(browser.client, "/login/line/new", {})

    assert created.status_code == 302
    assert browser.signed_in()
    link = read(lambda: link_of(line.user.user_id))
    user = read(lambda: db.session.get(User, link.user_id))
    assert user.display_name == "มาลี ชาวสวน" and user.email is None and user.password_hash is None
    assert user.role_set == {Role.CONSUMER}
    assert link.friend is True  # took the add-friend offer on LINE's consent screen
    assert read(user_count) == before + 1
    # the page said notices would come through LINE: creating the account there is the consent to it
    assert read(lambda: privacy.has_given(db.session.get(User, user.id), Purpose.LINE_MESSAGES))
    # the identity is used up: the page does not make a second account
    assert post_form(browser.client, "/logout", {}, page="/").status_code == 302
    again = post_form(browser.client, "/login/line/new", {}, page="/login")
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    assert read(user_count) == before + 1


def test_the_new_account_page_offers_a_password_sign_in_to_link_from_the_account_page(browser, line):
    browser.sign_in_with_line()
    page = browser.client.get("/login/line/new").get_data(as_text=True)
    assert "/login?next=%2Faccount" in page or "/login?next=/account" in page


def test_the_identity_waiting_for_confirmation_expires(browser, read, line, monkeypatch):
    before = read(user_count)
    browser.sign_in_with_line()
    monkeypatch.setattr(line_login, "PENDING_MAX_AGE", -1)

    page = browser.client.get("/login/line/new")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    post_form(browser.client, "/login/line/new", {}, page="/login")
    assert read(user_count) == before


def test_the_identity_comes_from_the_session_never_from_the_form(browser, read, given, line):
    with given():
        victim = make_user()
        accounts.link_line(victim, line_user_id="U" + "a" * 32, display_name="", friend=None)
    browser.sign_in_with_line()  # an unlinked LINE account of the visitor's own

    post_form(browser.client, "/login/line/new", {"user_id": "U" + "a" * 32, "line_user_id": "U" + "a" * 32},
              page="/login/line/new")

    mine = read(lambda: link_of(line.user.user_id))
    assert mine is not None and mine.user_id != victim.id
    assert read(lambda: link_of("U" + "a" * 32)).user_id == victim.id


def test_a_closed_account_does_not_sign_in_with_line(browser, given, says, line):
    with given():
        coordinator = make_user(Role.COORDINATOR)
        user = make_user()
        accounts.link_line(user, line_user_id=line.user.user_id, display_name="", friend=None)
        accounts.close_account(user, acting=coordinator)

    refused = browser.sign_in_with_line()

    assert refused.status_code == 403 and says(refused, LineAccountClosed.message)
    assert not browser.signed_in()


def test_nothing_about_line_shows_without_a_channel(client, app):
    assert not app.config["LINE_LOGIN_CHANNEL_ID"]
    assert "/login/line" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/line/callback?code=x&state=y").status_code == 404
    assert client.get("/login/line/new").status_code == 404
    assert post_form(client, "/login/line", {}, page="/login").status_code == 404


def test_the_authorization_request_names_the_registered_callback(browser, line):
    assert "/login/line" in browser.client.get("/login").get_data(as_text=True)
    started = post_form(browser.client, "/login/line", {}, page="/login")
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    assert query["redirect_uri"] == ["http://greensmile.test/login/line/callback"]
    assert query["client_id"] == [line.channel_id]


def test_signing_in_with_line_needs_the_form_token(browser, read):
    assert browser.client.post("/login/line", data={}).status_code == 400

