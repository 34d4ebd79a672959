"""A local LINE Login v2.1 provider on 127.0.0.1: a real HTTP server in a daemon thread, with its own keys.

It checks what LINE documents and refuses the rest the way LINE does (400): the authorization request
(response_type, client_id, a registered redirect_uri, a scope with openid, state, bot_prompt, PKCE S256), the token
request (grant_type, a code used once, the same redirect_uri, the channel id and secret in the body, the PKCE
verifier) and the bearer token of the friendship status API.

A web login's ID token is signed as LINE signs it: HS256 with the channel secret, no `kid`. `sign_with = "ES256"`
signs as LINE does for its SDKs and LIFF: ES256 with a key published at /oauth2/v2.1/certs, named by `kid`.
`tamper` makes the next tokens wrong in one way, for the refusal tests."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import ECKey, OctKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SCOPES = {"openid", "profile", "email"}
BOT_PROMPTS = {"normal", "aggressive"}
TAMPERS = {None, "wrong_key", "wrong_aud", "wrong_iss", "expired", "wrong_nonce", "no_nonce", "alg_none"}


def new_line_user_id() -> str:
    return "U" + secrets.token_hex(16)


@dataclass
class LineUser:
    """The person logged in to LINE in the test's browser, and what they do on LINE's pages."""

    user_id: str = field(default_factory=new_line_user_id)
    name: str = "สมชาย ใจดี"
    friend: bool = False  # already a friend of the Official Account before this login
    adds_friend: bool = True  # takes the add-friend offer when bot_prompt shows it
    approves: bool = True  # False: presses Cancel (error=access_denied)


class FakeLineLogin:
    def __init__(self, redirect_uris: list[str]):
        self.channel_id = str(1000000000 + secrets.randbelow(999999999))
        self.channel_secret = secrets.token_hex(16)  # 32 hex characters, like a real channel secret
        self.redirect_uris = set(redirect_uris)
        self.ec_key = ECKey.generate_key("P-256", {"alg": "ES256", "use": "sig"}, auto_kid=True)
        self._lock = threading.Lock()
        self.reset()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # ---------------------------------------------------------------- set-up by the test
    def reset(self) -> None:
        with self._lock:
            self.user = LineUser()
            self.sign_with = "HS256"
            self.tamper: str | None = None
            self.token_failure: int | None = None  # answer the token endpoint with this HTTP status
            self.friendship_failure = False
            self.codes: dict[str, dict] = {}
            self.access_tokens: dict[str, LineUser] = {}
            self.authorize_requests: list[dict] = []
            self.token_requests: list[dict] = []
            self.jwks_requests = 0

    def config(self) -> dict[str, object]:
        return {
            "LINE_LOGIN_CHANNEL_ID": self.channel_id,
            "LINE_LOGIN_CHANNEL_SECRET": self.channel_secret,
            "LINE_LOGIN_AUTHORIZE_URL": self.base_url + "/oauth2/v2.1/authorize",
            "LINE_LOGIN_TOKEN_URL": self.base_url + "/oauth2/v2.1/token",
            "LINE_LOGIN_FRIENDSHIP_URL": self.base_url + "/friendship/v1/status",
            "LINE_LOGIN_JWKS_URL": self.base_url + "/oauth2/v2.1/certs",
            "LINE_LOGIN_ISSUER": "https://access.line.me",
            "LINE_LOGIN_TIMEOUT": 5,
        }

    def stop(self) -> None:
        self._server.shutdown()

    # ---------------------------------------------------------------- HTTP
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        routes = {
            ("GET", "/oauth2/v2.1/authorize"): self._authorize,
            ("POST", "/oauth2/v2.1/token"): self._token,
            ("GET", "/oauth2/v2.1/certs"): self._certs,
            ("GET", "/friendship/v1/status"): self._friendship,
        }
        handler = routes.get((request.method, request.path))
        response = handler(request) if handler else _json({"message": "Not found"}, 404)
        return response(environ, start_response)

    def _authorize(self, request: Request) -> Response:
        args = request.args
        with self._lock:
            self.authorize_requests.append(args.to_dict())
            user = self.user
        # Refused on LINE's own page, never sent back to an address that may not be the client's.
        if args.get("client_id") != self.channel_id:
            return _text("invalid client_id", 400)
        if args.get("redirect_uri") not in self.redirect_uris:
            return _text("redirect_uri does not match the callback URL registered for the channel", 400)
        if args.get("response_type") != "code":
            return _text("unsupported response_type", 400)
        scopes = set(args.get("scope", "").split())
        if "openid" not in scopes or not scopes <= SCOPES:
            return _text("invalid scope", 400)
        if not args.get("state"):
            return _text("state is required", 400)
        bot_prompt = args.get("bot_prompt")
        if bot_prompt is not None and bot_prompt not in BOT_PROMPTS:
            return _text("invalid bot_prompt", 400)
        challenge, method = args.get("code_challenge"), args.get("code_challenge_method")
        if challenge is not None or method is not None:
            if method != "S256" or not challenge or not _is_base64url(challenge, 43, 128):
                return _text("invalid code_challenge or code_challenge_method", 400)

        answer = {"state": args["state"]}
        if not user.approves:
            answer.update(error="access_denied", error_description="The resource owner denied the request.")
            return _redirect(args["redirect_uri"], answer)
        friend_before = user.friend
        if bot_prompt and user.adds_friend:
            user.friend = True
        code = secrets.token_urlsafe(15)
        with self._lock:
            self.codes[code] = {
                "redirect_uri": args["redirect_uri"], "nonce": args.get("nonce"), "challenge": challenge,
                "scope": " ".join(sorted(scopes)), "user": user, "issued": time.time(),
            }
        answer["code"] = code
        if bot_prompt:
            answer["friendship_status_changed"] = "true" if user.friend != friend_before else "false"
        return _redirect(args["redirect_uri"], answer)

    def _token(self, request: Request) -> Response:
        form = request.form
        with self._lock:
            self.token_requests.append({**form.to_dict(), "authorization": request.headers.get("Authorization")})
            failure = self.token_failure
        if failure:
            return _json({"error": "server_error"}, failure)
        if request.content_type is None or not request.content_type.startswith("application/x-www-form-urlencoded"):
            return _json({"error": "invalid_request", "error_description": "unsupported content type"}, 400)
        if form.get("grant_type") != "authorization_code":
            return _json({"error": "unsupported_grant_type"}, 400)
        if form.get("client_id") != self.channel_id or form.get("client_secret") != self.channel_secret:
            # LINE takes the channel id and secret in the body; Basic authentication alone is refused.
            return _json({"error": "invalid_client", "error_description": "invalid client_id or client_secret"}, 400)
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or time.time() - grant["issued"] > 600:
            return _json({"error": "invalid_grant", "error_description": "invalid authorization code"}, 400)
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _json({"error": "invalid_grant", "error_description": "redirect_uri does not match"}, 400)
        verifier = form.get("code_verifier")
        if grant["challenge"] is not None:
            if not verifier or not _is_verifier(verifier) or _s256(verifier) != grant["challenge"]:
                return _json({"error": "invalid_grant", "error_description": "invalid code_verifier"}, 400)
        elif verifier is not None:
            return _json({"error": "invalid_grant", "error_description": "code_verifier without code_challenge"}, 400)

        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self.access_tokens[access_token] = grant["user"]
        return _json({
            "access_token": access_token,
            "expires_in": 2592000,
            "id_token": self._id_token(grant),
            "refresh_token": secrets.token_urlsafe(20),
            "scope": grant["scope"],
            "token_type": "Bearer",
        })

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        user: LineUser = grant["user"]
        claims = {
            "iss": "https://access.line.me", "sub": user.user_id, "aud": self.channel_id,
            "exp": now + 3600, "iat": now, "amr": ["pwd"], "name": user.name,
            "picture": "https://profile.line-scdn.net/0h" + user.user_id[-8:],
        }
        if grant["nonce"] is not None:
            claims["nonce"] = grant["nonce"]
        tamper = self.tamper
        if tamper == "wrong_aud":
            claims["aud"] = str(int(self.channel_id) + 1)
        elif tamper == "wrong_iss":
            claims["iss"] = "https://access.line.example"
        elif tamper == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif tamper == "wrong_nonce":
            claims["nonce"] = secrets.token_urlsafe(16)
        elif tamper == "no_nonce":
            claims.pop("nonce", None)
        if tamper == "alg_none":  # unsigned: a client that trusts the header would take it
            return _b64_json({"typ": "JWT", "alg": "none"}) + "." + _b64_json(claims) + "."
        if self.sign_with == "ES256":
            # The published key's name on a key LINE never published: the signature cannot be verified.
            key = ECKey.generate_key("P-256", {"alg": "ES256"}) if tamper == "wrong_key" else self.ec_key
            return jwt.encode({"typ": "JWT", "alg": "ES256", "kid": self.ec_key.kid}, claims, key)
        secret = secrets.token_hex(16) if tamper == "wrong_key" else self.channel_secret
        return jwt.encode({"typ": "JWT", "alg": "HS256"}, claims, OctKey.import_key(secret))

    def _certs(self, request: Request) -> Response:
        with self._lock:
            self.jwks_requests += 1
        return _json({"keys": [self.ec_key.as_dict(private=False)]})

    def _friendship(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        user = self.access_tokens.get(auth[len("Bearer "):]) if auth.startswith("Bearer ") else None
        if user is None:
            return _json({"message": "invalid token"}, 401)
        if self.friendship_failure:
            return _json({"message": "internal error"}, 500)
        return _json({"friendFlag": user.friend})


# ---------------------------------------------------------------- helpers
def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json",
                    headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def _redirect(uri: str, params: dict) -> Response:
    return Response(status=302, headers={"Location": uri + ("&" if "?" in uri else "?") + urlencode(params)})


def _b64_json(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


_URLSAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_VERIFIER = _URLSAFE | set(".~")


def _is_base64url(value: str, shortest: int, longest: int) -> bool:
    return shortest <= len(value) <= longest and set(value) <= _URLSAFE


def _is_verifier(value: str) -> bool:
    # RFC 7636, as LINE documents it: 43 to 128 of A-Z a-z 0-9 - . _ ~
    return 43 <= len(value) <= 128 and set(value) <= _VERIFIER

