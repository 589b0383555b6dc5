"""Berrys: a multi-agent orchestration platform (Reflex dashboard + REST + arq workers)."""
