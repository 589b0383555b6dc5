"""The Reflex dashboard: pages, components and state. Thin: it calls services."""
