"""The fake refuses what LINE refuses, so the app's requests passing it means something."""
import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

CALLBACK = "http://greensmile.test/login/line/callback"
VERIFIER = "v" * 43


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _authorize(line, **changes):
    params = {"response_type": "code", "client_id": line.channel_id, "redirect_uri": CALLBACK,
              "scope": "openid profile", "state": "s1", "nonce": "n1", "bot_prompt": "normal",
              "code_challenge": _challenge(VERIFIER), "code_challenge_method": "S256"}
    params.update(changes)
    params = {key: value for key, value in params.items() if value is not None}
    return requests.get(f"{line.base_url}/oauth2/v2.1/authorize?{urlencode(params)}", allow_redirects=False,
                        timeout=5)


def _code(line, **changes) -> str:
    answer = _authorize(line, **changes)
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def _token(line, code: str, **changes):
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            "client_id": line.channel_id, "client_secret": line.channel_secret, "code_verifier": VERIFIER}
    body.update(changes)
    return requests.post(f"{line.base_url}/oauth2/v2.1/token",
                         data={key: value for key, value in body.items() if value is not None}, timeout=5)


@pytest.mark.parametrize("changes", [
    {"response_type": "token"}, {"client_id": "1"}, {"redirect_uri": "http://evil.example/cb"},
    {"scope": "profile"}, {"scope": "openid admin"}, {"state": None}, {"bot_prompt": "always"},
    {"code_challenge_method": "plain"}, {"code_challenge": "short"}, {"code_challenge_method": None},
])
def test_the_authorization_endpoint_refuses_what_line_refuses(line, changes):
    assert _authorize(line, **changes).status_code == 400


def test_a_good_exchange_answers_like_line(line):
    answer = _token(line, _code(line))
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "expires_in", "id_token", "refresh_token", "scope", "token_type"}
    status = requests.get(f"{line.base_url}/friendship/v1/status",
                          headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5)
    assert status.json() == {"friendFlag": True}  # the preset person takes the add-friend offer


@pytest.mark.parametrize("changes", [
    {"grant_type": "client_credentials"}, {"client_secret": "wrong"}, {"client_id": "1"},
    {"redirect_uri": "http://greensmile.test/other"}, {"code_verifier": "w" * 43}, {"code_verifier": None},
])
def test_the_token_endpoint_refuses_what_line_refuses(line, changes):
    assert _token(line, _code(line), **changes).status_code == 400


def test_a_code_works_once(line):
    code = _code(line)
    assert _token(line, code).status_code == 200
    assert _token(line, code).status_code == 400


def test_basic_authentication_alone_is_refused(line):
    code = _code(line)
    answer = requests.post(f"{line.base_url}/oauth2/v2.1/token", auth=(line.channel_id, line.channel_secret),
                           data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                                 "code_verifier": VERIFIER}, timeout=5)
    assert answer.status_code == 400


def test_the_friendship_api_wants_a_token_it_issued(line):
    answer = requests.get(f"{line.base_url}/friendship/v1/status", headers={"Authorization": "Bearer nope"},
                          timeout=5)
    assert answer.status_code == 401
