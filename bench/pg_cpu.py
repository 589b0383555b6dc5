"""CPU used by the PostgreSQL backends of one database: the benches' server-side cost figure."""

from __future__ import annotations


def backend_cpu_s(admin_url: str, db_name: str) -> float:
    """CPU seconds used so far by the backends connected to ``db_name`` (they compete for the same
    cores as the processes measured), if PostgreSQL runs on this machine (else 0)."""
    import psutil
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (db_name,))]
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += times.user + times.system
    return total
