"""Read side: SELECTs returning plain dataclasses, never ORM rows to templates."""
