"""The metric names the shipped Grafana dashboard and Prometheus alert rules query, and the
names a process's exposition exports (families expanded to their sample names)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "berrys.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
_NAME = re.compile(r"\b(berrys_[a-z0-9_]+)\b")
_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def alert_queries() -> list[str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def names_in(queries: list[str]) -> set[str]:
    return {name for query in queries for name in _NAME.findall(query)}


def exported_names(exposition: str) -> set[str]:
    """Every sample name the exposition declares, whether or not a labelled child exists yet."""
    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        names.add(family.name)
        names.update(family.name + suffix for suffix in _SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names
