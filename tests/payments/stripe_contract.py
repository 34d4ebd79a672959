"""What the pinned Stripe API version accepts, read from the installed `stripe` library's generated types.

Why: a fake that takes any parameter hid that the app sent `payment_method_types`, which 2026-10-28.endive
refuses. The library ships one TypedDict per request (`stripe.params.PaymentIntentCreateParams`, ...) and one
class per object (`stripe.PaymentIntent`), generated from the OpenAPI spec of its default API version, so
walking them tells the fake what that version takes and returns, at every depth, with no hand-kept lists.

Decoded requests are Stripe's form encoding after `fake_stripe.decode_form`: every leaf is a string, lists
are lists, objects are dicts. The types do not encode everything the API checks; see `validate`.
"""
from __future__ import annotations

import collections.abc
import difflib
import functools
import json
import re
import sys
import types
import typing

import stripe
import stripe.params
import typing_extensions
from stripe._request_options import RequestOptions
from stripe._stripe_context import StripeContext
from stripe._stripe_object import UntypedStripeObject

API_VERSION = stripe._api_version._ApiVersion.CURRENT

# Parameters this version removed. Real Stripe names the replacement rather than calling them unknown.
RETIRED = {
    (request, "payment_method_types"): ("payment_method_types_no_longer_supported", "allowed_payment_method_types")
    for request in ("PaymentIntentCreateParams", "PaymentIntentUpdateParams", "PaymentIntentConfirmParams")
}
# RequestOptions (api_key, idempotency_key, headers...) are the library's client options, sent as headers or
# not at all: a body parameter of one of these names is unknown.
CLIENT_OPTIONS = frozenset(RequestOptions.__annotations__)
_WRAPPERS = {typing.NotRequired, typing.Required, typing_extensions.NotRequired, typing_extensions.Required,
             typing_extensions.ReadOnly, typing.Annotated}
_UNIONS = (typing.Union, types.UnionType)
_MAPPINGS = (dict, collections.abc.Mapping, UntypedStripeObject)


class ContractError(Exception):
    """A request the pinned version refuses: answered 400 with Stripe's invalid_request_error."""

    def __init__(self, message: str, param: str, code: str | None = None):
        super().__init__(message)
        self.message, self.param, self.code = message, param, code

    @property
    def body(self) -> dict:
        error = {"type": "invalid_request_error", "code": self.code, "message": self.message, "param": self.param}
        return {"error": {key: value for key, value in error.items() if value is not None}}


def request_type(name: str) -> type:
    """A request TypedDict by its name in `stripe.params`."""
    return getattr(stripe.params, name)


def validate(params_type: str | type, data: dict) -> None:
    """Raise ContractError for the first thing in `data` the pinned version refuses.

    Checked: unknown parameters at any depth, missing required ones (nested too), integers, booleans, arrays,
    objects, metadata-style string maps, and enums (a value outside the Literal list is refused: the SDK's
    `|str` is only its escape hatch for values newer than itself). Not checked, because the types do not say
    it: requirements that depend on other values (`payment_method` for a card confirm, `billing_details.email`
    for PromptPay), mutually exclusive parameters, ranges and minimums, string formats and lengths, and what
    an id points at. The fake checks the few of those it needs itself.
    """
    cls = request_type(params_type) if isinstance(params_type, str) else params_type
    if not isinstance(data, dict):
        raise ContractError("Invalid object", "")
    _check_fields(cls, data, "")


def check_schema(params_type: str | type) -> int:
    """Walk every type under a request type; raise TypeError at one `validate` would not understand.

    Returns the number of request types visited (a test proves the whole tree resolves and is understood)."""
    seen: set[type] = set()

    def walk(tp, path: str) -> None:
        tp = _unwrap(tp)
        if typing_extensions.is_typeddict(tp):
            if tp not in seen:
                seen.add(tp)
                for key, field in _fields(tp)[0].items():
                    walk(field, _join(path, key))
            return
        origin = typing.get_origin(tp)
        if origin in _UNIONS or origin in (list, *_MAPPINGS):
            for arg in typing.get_args(tp):
                walk(arg, path)
        elif origin is not typing.Literal and tp not in _SCALARS:
            raise TypeError(f"stripe_contract does not know the type {tp!r} at {path}")

    walk(request_type(params_type) if isinstance(params_type, str) else params_type, "")
    return len(seen)


def object_fields(resource: type) -> dict[str, bool]:
    """The top-level fields of an API object on this version, as the library's class declares them: name → nullable."""
    fields = {}
    for name, tp in resource.__annotations__.items():
        if name.startswith("_") or typing.get_origin(tp) is typing.ClassVar:
            continue
        fields[name] = ("None" in tp or "Optional[" in tp) if isinstance(tp, str) else type(None) in typing.get_args(tp)
    return fields


def literal_values(resource: type, field: str) -> tuple:
    """The values an enum field of an API object takes on this version (e.g. stripe.Event's `type`)."""
    return tuple(value for arg in _members([resource.__annotations__[field]])
                 if typing.get_origin(arg) is typing.Literal for value in typing.get_args(arg))


# ---------------------------------------------------------------- walking the types
@functools.cache
def _fields(cls: type) -> tuple[dict, frozenset]:
    """(field name → type, required names) of a request TypedDict, client options left out."""
    namespace = {**vars(sys.modules[RequestOptions.__module__]), "StripeContext": StripeContext,
                 **vars(sys.modules[cls.__module__])}
    hints = typing.get_type_hints(cls, globalns=namespace, include_extras=True)
    client = CLIENT_OPTIONS if _inherits_options(cls) else frozenset()
    return ({key: value for key, value in hints.items() if key not in client},
            frozenset(cls.__required_keys__ - client))


def _inherits_options(cls) -> bool:
    return any(base is RequestOptions or _inherits_options(base) for base in getattr(cls, "__orig_bases__", ()))


def _unwrap(tp):
    while typing.get_origin(tp) in _WRAPPERS:
        tp = typing.get_args(tp)[0]
    return tp


def _members(args) -> list:
    """A union's members, nested unions flattened; a bare `str` beside a real enum is the SDK's escape hatch."""
    flat = []
    for arg in map(_unwrap, args):
        flat.extend(_members(typing.get_args(arg)) if typing.get_origin(arg) in _UNIONS else [arg])
    if any(typing.get_origin(arg) is typing.Literal and set(typing.get_args(arg)) - {""} for arg in flat):
        flat = [arg for arg in flat if arg is not str]
    return flat


def _join(path: str, key) -> str:
    return f"{path}[{key}]" if path else str(key)


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _form(value) -> str:
    """A Literal value as the library form-encodes it."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _one_of(values: list[str]) -> str:
    if not values:
        return "an empty string"
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])}{',' if len(values) > 2 else ''} or {values[-1]}"


def _check(tp, value, path: str) -> None:
    tp = _unwrap(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if typing_extensions.is_typeddict(tp):
        _check_fields(tp, value, path)
    elif origin in _UNIONS:
        _check_union(_members(args), value, path)
    elif origin is typing.Literal:
        if not (isinstance(value, str) and value in {_form(arg) for arg in args}):
            raise _enum_error(args, path)
    elif origin is list:
        if not isinstance(value, list):
            raise ContractError("Invalid array", path)
        for index, item in enumerate(value):
            _check(args[0], item, _join(path, index))
    elif origin in _MAPPINGS:
        if isinstance(value, list):  # decode_form read keys "0", "1"... as a list
            value = {str(index): item for index, item in enumerate(value)}
        if not isinstance(value, dict):
            raise ContractError("Invalid object", path)
        for key, item in value.items():
            _check(args[-1], item, _join(path, key))
    elif tp in _SCALARS:
        _SCALARS[tp](value, path)
    else:
        raise TypeError(f"stripe_contract does not know the type {tp!r} at {path}")


def _check_fields(cls: type, value, path: str) -> None:
    if not isinstance(value, dict):
        raise ContractError("Invalid object", path)
    fields, required = _fields(cls)
    for key in value:
        if key not in fields:
            raise _unknown(cls, key, path, fields)
    for key in sorted(required - value.keys()):
        raise ContractError(f"Missing required param: {_join(path, key)}.", _join(path, key), "parameter_missing")
    for key, item in value.items():
        _check(fields[key], item, _join(path, key))


def _unknown(cls: type, key: str, path: str, fields: dict) -> ContractError:
    if not path and (cls.__name__, key) in RETIRED:
        code, replacement = RETIRED[cls.__name__, key]
        return ContractError(f"The parameter {key} is no longer supported on API version {API_VERSION}. "
                             f"Use {replacement} instead.", key, code)
    message = f"Received unknown parameter: {_join(path, key)}"
    if close := difflib.get_close_matches(key, fields, n=1, cutoff=0.8):
        message += f". Did you mean {close[0]}?"
    return ContractError(message, _join(path, key), "parameter_unknown")


def _check_union(members: list, value, path: str) -> None:
    errors = []
    for member in members:
        try:
            return _check(member, value, path)
        except ContractError as error:
            errors.append((member, error))
    # Answer with the member the value was meant for: a dict for an object, a list for an array, a string for
    # a scalar; and for a string, name the enum (the Literal[''] that allows unsetting is never the point).
    shaped = [(member, error) for member, error in errors if _shape(member) == _shape_of(value)] or errors
    meant = [(member, error) for member, error in shaped if typing.get_args(member) != ("",)] or shaped
    enums = [arg for member, _ in meant if typing.get_origin(member) is typing.Literal
             for arg in typing.get_args(member)]
    raise _enum_error(enums, path) if enums else meant[0][1]


def _shape(tp) -> str:
    origin = typing.get_origin(tp)
    if typing_extensions.is_typeddict(tp) or origin in _MAPPINGS:
        return "object"
    return "array" if origin is list else "scalar"


def _shape_of(value) -> str:
    return "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "scalar"


def _enum_error(args, path: str) -> ContractError:
    # Stripe's published error codes have none for a bad enum value: it answers with a message and the param.
    values = [_form(arg) for arg in args if arg != ""]
    return ContractError(f"Invalid {path}: must be one of {_one_of(values)}", path)


def _string(value, path: str) -> None:
    if not isinstance(value, str):
        raise ContractError(f"Invalid string: {_shown(value)}", path)


def _integer(value, path: str) -> None:
    if not (isinstance(value, str) and re.fullmatch(r"-?\d+", value)):
        raise ContractError(f"Invalid integer: {_shown(value)}", path, "parameter_invalid_integer")


def _decimal(value, path: str) -> None:
    if not (isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value)):
        raise ContractError(f"Invalid decimal: {_shown(value)}", path)


def _boolean(value, path: str) -> None:
    if value not in ("true", "false"):  # Stripe answers "Invalid boolean: ..." with no error code
        raise ContractError(f"Invalid boolean: {_shown(value)}", path)


def _anything(value, path: str) -> None:
    pass


_SCALARS = {str: _string, int: _integer, float: _decimal, bool: _boolean, typing.Any: _anything}
