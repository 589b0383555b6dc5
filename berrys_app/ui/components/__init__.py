"""Reusable dashboard components (pure functions returning ``rx.Component``)."""
