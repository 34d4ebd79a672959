"""The read API under /api/v1: JSON for other systems and apps, composed from the domains."""
