"""Whatever goes wrong on LINE's side ends on a page that says so, with no stack trace, and changes nothing."""
import socket

import pytest

from greensmile.accounts import line_login
from greensmile.accounts import services as accounts
from greensmile.accounts.models import User
from greensmile.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user
from tests.line_login.conftest import link_of, links_of_user, user_count


@pytest.fixture
def linking(browser, given):
    """A signed-in person who has pressed "Link LINE"; returns their id."""
    with given():
        user = make_user(email="linking@example.com")
    login(browser.client, "linking@example.com", PASSWORD)
    return user.id


def _unchanged(read, user_id: int, line) -> None:
    assert read(lambda: links_of_user(user_id)) == []
    assert read(lambda: link_of(line.user.user_id)) is None


def _no_trace(response) -> None:
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and "Error:" not in page


def test_cancelling_on_line_changes_nothing(browser, linking, read, says, line):
    line.user.approves = False

    cancelled = browser.link_line()

    assert browser.callback_args["error"] == "access_denied"
    assert cancelled.status_code == 200 and says(cancelled, line_login.Cancelled.message)
    _unchanged(read, linking, line)
    assert browser.signed_in()  # still the person who was signed in


def test_cancelling_a_sign_in_leaves_the_browser_signed_out(browser, read, says, line):
    before = read(user_count)
    line.user.approves = False

    cancelled = browser.sign_in_with_line()

    assert says(cancelled, line_login.Cancelled.message)
    assert not browser.signed_in() and read(user_count) == before


@pytest.mark.parametrize("sign_with", ["HS256", "ES256"])
@pytest.mark.parametrize("tamper", ["wrong_key", "wrong_aud", "wrong_iss", "expired", "wrong_nonce", "no_nonce",
                                    "alg_none"])
def test_an_id_token_that_does_not_verify_is_refused(browser, linking, read, says, line, sign_with, tamper):
    line.sign_with, line.tamper = sign_with, tamper

    refused = browser.link_line()

    assert refused.status_code == 400 and says(refused, line_login.InvalidIdToken.message)
    _no_trace(refused)
    _unchanged(read, linking, line)


def test_a_bad_id_token_signs_nobody_in(browser, given, read, says, line):
    with given():
        user = make_user()
        accounts.link_line(user, line_user_id=line.user.user_id, display_name="", friend=False)
    line.tamper = "wrong_key"

    refused = browser.sign_in_with_line()

    assert refused.status_code == 400 and says(refused, line_login.InvalidIdToken.message)
    assert not browser.signed_in()
    assert read(lambda: db.session.get(User, user.id).last_login_at) is None


def test_an_answer_with_another_state_is_refused(browser, linking, read, says, line):
    at_line = browser.to_line(post_form(browser.client, "/account/line/link", {}, page="/account"))
    location = at_line.headers["Location"].replace("state=", "state=x")
    forged = browser.client.get(location.split("greensmile.test", 1)[1])

    assert forged.status_code == 400 and says(forged, line_login.FlowLost.message)
    _unchanged(read, linking, line)


def test_an_answer_nobody_asked_for_is_refused(browser, read, says, line):
    before = read(user_count)
    stray = browser.client.get("/login/line/callback?code=abc&state=def")
    assert stray.status_code == 400 and says(stray, line_login.FlowLost.message)
    assert read(user_count) == before and not line.token_requests


def test_the_same_answer_twice_is_used_once(browser, linking, read, says, line):
    browser.link_line()
    assert read(lambda: link_of(line.user.user_id)) is not None
    replayed = browser.client.get(browser.last_callback)
    assert replayed.status_code == 400 and says(replayed, line_login.FlowLost.message)


def test_a_flow_too_old_is_refused(browser, linking, read, says, line, monkeypatch):
    at_line = browser.to_line(post_form(browser.client, "/account/line/link", {}, page="/account"))
    monkeypatch.setattr(line_login, "FLOW_MAX_AGE", -1)

    late = browser.back(at_line)

    assert late.status_code == 400 and says(late, line_login.FlowLost.message)
    _unchanged(read, linking, line)


def test_a_failing_token_endpoint_changes_nothing(browser, linking, read, says, line):
    line.token_failure = 500

    failed = browser.link_line()

    assert failed.status_code == 502 and says(failed, line_login.LineUnavailable.message)
    _no_trace(failed)
    _unchanged(read, linking, line)


def test_a_token_endpoint_that_refuses_the_code_changes_nothing(browser, linking, read, says, line):
    at_line = browser.to_line(post_form(browser.client, "/account/line/link", {}, page="/account"))
    line.codes.clear()  # the code expired on LINE's side

    refused = browser.back(at_line)

    assert refused.status_code == 400 and says(refused, line_login.LineLoginFailed.message)
    _unchanged(read, linking, line)


def test_an_unreachable_token_endpoint_changes_nothing(browser, linking, read, says, line, app, monkeypatch):
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "LINE_LOGIN_TOKEN_URL", f"http://127.0.0.1:{port}/oauth2/v2.1/token")

    failed = browser.link_line()

    assert failed.status_code == 502 and says(failed, line_login.LineUnavailable.message)
    _unchanged(read, linking, line)


def test_a_link_ends_only_for_the_person_who_started_it(browser, linking, given, read, says, line):
    with given():
        make_user(email="next-person@example.com")
    at_line = browser.to_line(post_form(browser.client, "/account/line/link", {}, page="/account"))
    post_form(browser.client, "/logout", {}, page="/")
    login(browser.client, "next-person@example.com", PASSWORD)

    refused = browser.back(at_line)

    assert refused.status_code == 400
    assert read(lambda: link_of(line.user.user_id)) is None
