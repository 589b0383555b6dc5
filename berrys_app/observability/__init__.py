"""Operators' view of the processes: Prometheus metrics (``metrics``, ``scrape``) and structured
logs (``logs``). Infrastructure: imported by every layer, imports none of them."""
