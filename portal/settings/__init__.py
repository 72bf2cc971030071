"""Settings entry point: DJANGO_ENV=production selects the hardened production settings."""

import os

if os.environ.get("DJANGO_ENV", "").lower() == "production":
    from .production import *  # noqa: F401,F403
else:
    from .base import *  # noqa: F401,F403
