"""Flask extensions, created unbound; create_app() binds them."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from survey.models.base import db

__all__ = ["babel", "csrf", "db", "limiter", "migrate"]

migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
# The client address is used only in the limiter's in-memory or Redis counters, never logged
# or stored with a response.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
