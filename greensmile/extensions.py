"""Unbound extension instances, bound to an app in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from greensmile.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def per_account(kind: str):
    """A rate-limit key per account (the same on every device it signs in on), per address when signed out. Not the
    cookie's device secret: a limit must not reset with a new sign-in, and the limiter's store must hold no secret."""
    from flask_login import current_user

    def key() -> str:
        who = current_user.id if current_user.is_authenticated else get_remote_address()
        return f"{kind}:{who}"

    return key
