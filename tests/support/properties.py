"""How many examples a property test tries (more with PROPERTY_EXAMPLES_FACTOR)."""

from __future__ import annotations

import os


def examples(count: int) -> int:
    return count * int(os.environ.get("PROPERTY_EXAMPLES_FACTOR", "1"))
