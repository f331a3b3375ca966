"""Pure domain logic: imports neither Flask nor SQLAlchemy (a test enforces it)."""
