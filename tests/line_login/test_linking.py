from greensmile.accounts import services as accounts
from greensmile.accounts.errors import LineAlreadyLinked, LineIsTheOnlyWayIn, OtherLineLinked
from greensmile.accounts.models import LineLink, Role, User
from greensmile.extensions import db
from greensmile.privacy import services as privacy
from greensmile.privacy.models import ConsentMethod, Purpose
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user
from tests.line_login.conftest import link_of, links_of_user
from tests.line_login.fake_login import new_line_user_id


def test_linking_from_the_account_page_records_the_friendship(browser, given, read, line):
    with given():
        user = make_user(email="somsri@example.com")
    login(browser.client, "somsri@example.com", PASSWORD)
    assert "/account/line/link" in browser.client.get("/account").get_data(as_text=True)
    line.user.friend, line.user.adds_friend = False, True

    linked = browser.link_line()

    assert linked.status_code == 302 and linked.headers["Location"].endswith("/account")
    assert line.authorize_requests[-1]["bot_prompt"] == "aggressive"
    assert browser.callback_args["friendship_status_changed"] == "true"
    link = read(lambda: link_of(line.user.user_id))
    assert link.user_id == user.id and link.display_name == line.user.name
    assert link.friend is True and link.friend_changed_at is not None
    page = browser.client.get("/account").get_data(as_text=True)
    assert "/account/line/unlink" in page
    # the button said that linking means notices come through LINE: that is recorded as the person's consent
    answers = read(lambda: [(c.purpose, c.given, c.method) for c in privacy.history(db.session.get(User, user.id))])
    assert answers == [(Purpose.LINE_MESSAGES, True, ConsentMethod.ON_SCREEN)]


def test_a_link_without_consent_to_line_notices_says_so_on_the_account_page(browser, given, line):
    with given():
        user = make_user(email="suda@example.com")
        db.session.add(LineLink(user=user, line_user_id=new_line_user_id(), friend=True))
    login(browser.client, "suda@example.com", PASSWORD)
    page = browser.client.get("/account").get_data(as_text=True)
    assert "ไม่ได้ส่งทาง LINE" in page and 'href="/account/consents"' in page


def test_a_person_who_declines_the_friend_offer_is_linked_but_not_a_friend(browser, given, read, line):
    with given():
        user = make_user(email="declines@example.com")
    login(browser.client, "declines@example.com", PASSWORD)
    line.user.adds_friend = False

    browser.link_line()

    assert browser.callback_args["friendship_status_changed"] == "false"
    link = read(lambda: link_of(line.user.user_id))
    assert link.user_id == user.id and link.friend is False


def test_the_callbacks_flag_stands_in_when_the_friendship_api_fails(browser, given, read, line):
    with given():
        make_user(email="flaky@example.com")
    login(browser.client, "flaky@example.com", PASSWORD)
    line.friendship_failure = True

    browser.link_line()

    assert read(lambda: link_of(line.user.user_id)).friend is True


def test_a_line_account_linked_to_another_user_is_refused(browser, given, read, says, line):
    with given():
        owner = make_user()
        accounts.link_line(owner, line_user_id=line.user.user_id, display_name="owner's", friend=True)
        make_user(email="other@example.com")
    login(browser.client, "other@example.com", PASSWORD)

    refused = browser.link_line()

    assert refused.status_code == 409 and says(refused, LineAlreadyLinked.message)
    link = read(lambda: link_of(line.user.user_id))
    assert link.user_id == owner.id and link.display_name == "owner's"
    other = read(lambda: accounts.get_user_by_email("other@example.com"))
    assert read(lambda: links_of_user(other.id)) == []


def test_an_account_linked_to_one_line_account_is_not_silently_moved_to_another(browser, given, read, says, line):
    first = new_line_user_id()
    with given():
        user = make_user(email="twice@example.com")
        accounts.link_line(user, line_user_id=first, display_name="", friend=None)
    login(browser.client, "twice@example.com", PASSWORD)

    refused = browser.link_line()

    assert refused.status_code == 409 and says(refused, OtherLineLinked.message)
    assert [link.line_user_id for link in read(lambda: links_of_user(user.id))] == [first]


def test_unlinking_removes_the_link(browser, given, read, line):
    with given():
        user = make_user(email="unlink@example.com")
        accounts.link_line(user, line_user_id=line.user.user_id, display_name="", friend=True)
    login(browser.client, "unlink@example.com", PASSWORD)

    done = post_form(browser.client, "/account/line/unlink", {}, page="/account")

    assert done.status_code == 302
    assert read(lambda: link_of(line.user.user_id)) is None
    # and LINE no longer signs anyone in to it: it is offered a new account instead
    post_form(browser.client, "/logout", {}, page="/")
    again = browser.sign_in_with_line()
    assert "/login/line/new" in again.headers["Location"]


def test_unlinking_is_refused_when_line_is_the_only_way_in(browser, read, says, line):
    browser.sign_in_with_line()
    post_form(browser.client, "/login/line/new", {})  # an account made with LINE: no e-mail, no password
    assert browser.signed_in()

    refused = post_form(browser.client, "/account/line/unlink", {}, page="/account", follow_redirects=True)

    assert says(refused, LineIsTheOnlyWayIn.message)
    assert read(lambda: link_of(line.user.user_id)) is not None


def test_nobody_can_unlink_someone_elses_line(browser, given, read, line):
    with given():
        owner = make_user()
        accounts.link_line(owner, line_user_id=line.user.user_id, display_name="", friend=True)
        make_user(email="meddler@example.com")
    login(browser.client, "meddler@example.com", PASSWORD)

    browser.client.post("/account/line/unlink", data={})  # without the form's token: refused outright
    post_form(browser.client, "/account/line/unlink", {"user_id": str(owner.id)}, page="/account")

    link = read(lambda: link_of(line.user.user_id))
    assert link is not None and link.user_id == owner.id


def test_linking_needs_a_signed_in_person(browser, line):
    started = post_form(browser.client, "/account/line/link", {}, page="/login")
    assert started.status_code == 302 and "/login" in started.headers["Location"]
    assert not line.authorize_requests


def test_the_one_time_link_of_a_farmer_without_email_links_line_and_signs_in(browser, given, read, line, app):
    with given():
        coordinator = make_user(Role.COORDINATOR)
        farmer = accounts.create_user(email=None, display_name="ลุงเขียว", phone="081-234-5678",
                                      roles=(Role.FARMER,), granted_by=coordinator)
        token = accounts.reset_token_for_member(farmer, acting=coordinator)
    reset_page = f"/password/reset/{token}"
    assert f"{reset_page}/line" in browser.client.get(reset_page).get_data(as_text=True)

    landed = browser.through_line(post_form(browser.client, f"{reset_page}/line", {}, page=reset_page))

    assert landed.status_code == 302
    assert line.authorize_requests[-1]["bot_prompt"] == "aggressive"
    assert browser.signed_in()
    assert "ลุงเขียว" in browser.client.get("/account").get_data(as_text=True)
    link = read(lambda: link_of(line.user.user_id))
    assert link.user_id == farmer.id and link.friend is True
    assert read(lambda: privacy.has_given(db.session.get(User, farmer.id), Purpose.LINE_MESSAGES))
    # the one-time link is used up
    used = browser.client.get(reset_page)
    assert used.status_code == 302 and "/password/forgot" in used.headers["Location"]
    assert read(lambda: db.session.get(User, farmer.id).password_hash) is None


def test_a_one_time_link_whose_line_account_belongs_to_someone_else_stays_unused(browser, given, read, says, line):
    with given():
        coordinator = make_user(Role.COORDINATOR)
        owner = make_user()
        accounts.link_line(owner, line_user_id=line.user.user_id, display_name="", friend=None)
        farmer = accounts.create_user(email=None, display_name="ป้าแดง", phone="0819999999",
                                      roles=(Role.FARMER,), granted_by=coordinator)
        token = accounts.reset_token_for_member(farmer, acting=coordinator)
    reset_page = f"/password/reset/{token}"

    refused = browser.through_line(post_form(browser.client, f"{reset_page}/line", {}, page=reset_page))

    assert refused.status_code == 409 and says(refused, LineAlreadyLinked.message)
    assert not browser.signed_in()
    assert read(lambda: links_of_user(farmer.id)) == []
    assert browser.client.get(reset_page).status_code == 200  # still good for choosing a password


def test_a_used_or_forged_one_time_link_does_not_start_line(browser, line):
    response = post_form(browser.client, "/password/reset/not-a-token/line", {}, page="/login")
    assert response.status_code == 302 and "/password/forgot" in response.headers["Location"]
    assert not line.authorize_requests
