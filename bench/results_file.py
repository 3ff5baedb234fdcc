"""The one place that reads and writes ``bench/results.json``.

Each benchmark owns one top-level key (``"notebooks"``, ``"rnn_speed"``, ``"forecasting"``,
``"video"``, ``"tracking_speed"``, ``"tracking_quality"``) and replaces only that key; the write is
atomic (a temporary file renamed over the old one), so two benchmarks never corrupt the file.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def load(path: Path = RESULTS) -> dict:
    """The whole results file (an empty dict if it is missing or not valid JSON)."""
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        print(f"warning: {path.name} was not valid JSON; starting a new file", file=sys.stderr)
        return {}


def save(key: str, value, path: Path = RESULTS) -> None:
    """Replace ``results[key]`` by ``value``; every other key is kept as it is."""
    data = load(path)
    data[key] = value
    tmp = path.with_suffix(f".json.{key}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
