"""Reflex state classes: one module per page family, all rooted in ``SessionState``."""
