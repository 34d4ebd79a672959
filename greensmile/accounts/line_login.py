"""LINE Login v2.1 (OpenID Connect) through Authlib's Flask client: the authorization-code flow with state, nonce and
PKCE (S256), and the ID token verified by Authlib (signature, `iss`, `aud` = channel id, `exp`, `nonce`).

Which key signs an ID token depends on how the person logged in, not on LINE's discovery document (which names only
ES256): a web login, which is what this is, gets HS256 signed with the channel secret and no `kid`; LINE's SDKs and
LIFF get ES256 with a `kid` from the JWKS. Both are accepted (`_LineLoginApp.fetch_jwk_set`).

What one browser is in the middle of lives in its signed session cookie, with an age limit: the flow (state, why it
was started) and, for a LINE account not linked yet, the verified identity until the person confirms. Nothing about
the LINE identity is ever read back from a form field.

No database here: the routes pass what this module verified to the account services."""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from greensmile.input_hygiene import CONTROL
from greensmile.urls import public_url

log = logging.getLogger(__name__)

CLIENT_NAME = "line_login"
SCOPE = "openid profile"
# LINE_LOGIN_... keys the client is built from: another value (a test pointing at its fake) builds a new client.
_SETTINGS = ("CHANNEL_ID", "CHANNEL_SECRET", "AUTHORIZE_URL", "TOKEN_URL", "ISSUER", "JWKS_URL", "TIMEOUT")
_EXTENSION = "greensmile.line_login"
FLOW_KEY = "line_login.flow"
PENDING_KEY = "line_login.identity"
FLOW_MAX_AGE = 15 * 60  # from the button to LINE's answer: time to log in to LINE, not to leave it for a day
PENDING_MAX_AGE = 10 * 60  # a verified LINE identity waits this long for "create my account"
LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
NAME_LENGTH = 120

# Why the person was sent to LINE, kept in the flow.
SIGN_IN, LINK, CLAIM = "sign-in", "link", "claim"
# `aggressive` opens LINE's own "add friend" screen after the consent screen; `normal` only puts a box on the consent
# screen, which LINE skips for someone who already agreed before, so a linking person might never see it. Linking is
# the moment to ask, since a push needs the friendship. A plain sign-in of someone already linked uses `normal`: it
# offers once more without a screen in the way of someone who chose to leave the Official Account.
BOT_PROMPT = {SIGN_IN: "normal", LINK: "aggressive", CLAIM: "aggressive"}


@dataclass(frozen=True)
class LineIdentity:
    """A LINE account as its verified ID token and the friendship status API describe it."""

    user_id: str  # the ID token's `sub`: the same id the Messaging API pushes to (one provider)
    name: str
    friend: bool | None  # friend of the network's Official Account; None: LINE did not say


class LineLoginFailed(Exception):
    """The LINE round trip did not give a verified identity; nothing was changed. `status`: the page's HTTP status."""

    message = _l("Signing in with LINE did not work. Nothing was changed. Try again.")
    status = 400

    def __str__(self) -> str:
        return str(self.message)


class Cancelled(LineLoginFailed):
    message = _l("You cancelled on LINE's page. Nothing was changed.")
    status = 200


class FlowLost(LineLoginFailed):
    message = _l("This answer from LINE does not belong to a sign-in started on this browser, or it came too late. "
                 "Nothing was changed. Start again.")


class LineUnavailable(LineLoginFailed):
    message = _l("LINE could not be reached or did not answer properly. Nothing was changed. Try again in a moment.")
    status = 502


class InvalidIdToken(LineLoginFailed):
    message = _l("LINE's answer could not be verified, so it was not used. Nothing was changed. Try again.")


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("LINE_LOGIN_CHANNEL_ID") and config.get("LINE_LOGIN_CHANNEL_SECRET"))


class _LineLoginApp(FlaskOAuth2App):
    """Authlib's Flask client, told which keys LINE signs ID tokens with."""

    def fetch_jwk_set(self, force=False):
        # Authlib asks without `force` first: the channel secret, the one key of a web login's HS256 token (no kid).
        # A token whose kid that set lacks (an ES256 token from an SDK or LIFF login) makes Authlib ask again with
        # `force`: then LINE's published keys, fetched from the JWKS address.
        if not force:
            return {"keys": [OctKey.import_key(self.client_secret, {"alg": "HS256"}).as_dict(private=True)]}
        return super().fetch_jwk_set(force=True)


def _client() -> _LineLoginApp:
    app = current_app._get_current_object()
    settings = tuple(app.config[f"LINE_LOGIN_{name}"] for name in _SETTINGS)
    cached = app.extensions.get(_EXTENSION)
    if cached is None or cached[0] != settings:
        channel_id, secret, authorize_url, token_url, issuer, jwks_url, timeout = settings
        registry = OAuth()
        registry.init_app(app)
        client = registry.register(
            CLIENT_NAME,
            client_cls=_LineLoginApp,
            client_id=channel_id,
            client_secret=secret,
            authorize_url=authorize_url,
            access_token_url=token_url,
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                # LINE's token endpoint takes the channel id and secret in the body, not as Basic authentication.
                "token_endpoint_auth_method": "client_secret_post",
                "default_timeout": timeout,
            },
            # The provider's metadata, given rather than fetched from LINE's discovery document (which names only
            # ES256, while a web login's tokens are HS256).
            issuer=issuer,
            jwks_uri=jwks_url,
            id_token_signing_alg_values_supported=["HS256", "ES256"],
        )
        cached = app.extensions[_EXTENSION] = (settings, client)
    return cached[1]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"greensmile.line-login.{purpose}")


def begin(purpose: str, **data) -> str:
    """Start a LINE Login for `purpose` (with what its end needs in `data`); returns LINE's authorization address."""
    client = _client()
    callback = public_url("accounts.line_callback")
    # Only the latest flow is honoured (FLOW_KEY): Authlib's records of earlier, abandoned ones would only fatten the
    # session cookie.
    for key in [key for key in session if key.startswith(f"_state_{CLIENT_NAME}_")]:
        session.pop(key)
    started = client.create_authorization_url(callback, bot_prompt=BOT_PROMPT[purpose])
    client.save_authorize_data(redirect_uri=callback, **started)  # state, nonce and PKCE verifier, for Authlib
    session[FLOW_KEY] = _serializer("flow").dumps({"state": started["state"], "purpose": purpose, **data})
    return started["url"]


def finish() -> tuple[dict, LineIdentity]:
    """End the LINE Login this callback answers: the flow it belongs to and the verified identity, or raise
    LineLoginFailed. The flow is used up either way."""
    packed = session.pop(FLOW_KEY, None)
    try:
        flow = _serializer("flow").loads(packed, max_age=FLOW_MAX_AGE) if packed else None
    except (BadSignature, SignatureExpired):
        flow = None
    state = request.args.get("state")
    if flow is None or not state or flow.get("state") != state:
        raise FlowLost()
    if request.args.get("error"):
        _client().framework.clear_state_data(session, state)
        log.info("LINE Login ended with %s: %s", request.args["error"], request.args.get("error_description", ""))
        raise Cancelled() if request.args["error"] == "access_denied" else LineLoginFailed()
    client = _client()
    claims = {
        "iss": {"essential": True, "value": current_app.config["LINE_LOGIN_ISSUER"]},
        "aud": {"essential": True, "value": client.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=claims)
    except requests.RequestException as error:  # unreachable, timed out, or a 5xx from the token endpoint
        log.warning("LINE Login: the token endpoint failed: %s", error)
        raise LineUnavailable() from None
    except JoseError as error:  # the ID token's signature or claims (iss, aud, exp, nonce)
        log.warning("LINE Login: ID token refused: %r", error)
        raise InvalidIdToken() from None
    except MismatchingStateError:  # Authlib's own record of the state (beside ours) is gone
        raise FlowLost() from None
    except AuthlibBaseError as error:  # an error answer from the token endpoint (a used or expired code, ...)
        log.warning("LINE Login: the token endpoint refused: %r", error)
        raise LineLoginFailed() from None
    except ValueError as error:  # an answer that is not a JSON object
        log.warning("LINE Login: the token endpoint answered nonsense: %r", error)
        raise LineUnavailable() from None
    userinfo = token.get("userinfo")
    user_id = userinfo.get("sub") if userinfo else None
    if not isinstance(user_id, str) or not LINE_USER_ID.match(user_id):
        log.warning("LINE Login: no ID token, or a subject that is no LINE user id")
        raise InvalidIdToken()
    name = userinfo.get("name")
    name = " ".join(CONTROL.sub("", name).split())[:NAME_LENGTH] if isinstance(name, str) else ""
    return flow, LineIdentity(user_id=user_id, name=name, friend=_friendship(client, token))


def _friendship(client: _LineLoginApp, token) -> bool | None:
    """Whether the person is a friend of the Official Account now. The status API says so (it needs only the access
    token); if it fails, the callback's `friendship_status_changed=true` still says they added it on the way."""
    try:
        response = client.get(current_app.config["LINE_LOGIN_FRIENDSHIP_URL"], token=token)
        flag = response.json().get("friendFlag") if response.status_code == 200 else None
        if isinstance(flag, bool):
            return flag
        log.warning("LINE Login: the friendship status API answered %s", response.status_code)
    except (requests.RequestException, ValueError, AttributeError, AuthlibBaseError) as error:
        log.warning("LINE Login: the friendship status API failed: %r", error)
    return True if request.args.get("friendship_status_changed") == "true" else None


def keep_pending(identity: LineIdentity) -> None:
    """Hold a verified LINE identity (not linked to any account yet) while its owner decides what to do with it."""
    session[PENDING_KEY] = _serializer("identity").dumps(asdict(identity))


def pending() -> LineIdentity | None:
    """The identity `keep_pending` holds, if it is still young enough."""
    packed = session.get(PENDING_KEY)
    if not packed:
        return None
    try:
        return LineIdentity(**_serializer("identity").loads(packed, max_age=PENDING_MAX_AGE))
    except (BadSignature, SignatureExpired, TypeError):
        return None


def drop_pending() -> None:
    session.pop(PENDING_KEY, None)
