"""Defaults shipped in ``data/engage.toml`` and the settings stored in a database.

The TOML file is the single place where the classification, the ladder, the
relationship-depth formula and the lapse threshold are defined; a new database is seeded
from it, and the analyst's edits (Settings page) are stored in the database afterwards.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULTS_FILE = PROJECT_ROOT / "data" / "engage.toml"
DEPTH_PARTS = ("tenure", "frequency", "recency", "breadth", "ties", "touches")
TIERS = ("New", "Acquainted", "Connected", "Committed", "Core")
RUNG_NAMES = {1: "Following", 2: "Endorsing", 3: "Contributing", 4: "Owning", 5: "Leading"}
MODES = ("task", "relationship", "mixed")


class ConfigError(ValueError):
    """A setting that cannot be used (in the defaults file or as saved); the message says
    which and why, so the CLI and the pages show it as one line."""


@cache
def defaults() -> dict[str, Any]:
    """The parsed defaults file (read once per process), its depth formula and lapse
    threshold checked: a mistake in the file is named here, not in the first query."""
    try:
        with DEFAULTS_FILE.open("rb") as fh:
            parsed = tomllib.load(fh)
        DepthConfig.from_dict(parsed["depth"])
        check_lapse_days(parsed["settings"]["lapse_days"])
        check_date_order(parsed["settings"]["date_order"])
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        what = f"lacks {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ConfigError(f"{DEFAULTS_FILE}: {what}") from None
    return parsed


def normalize_keyword(text: str) -> str:
    """Lower-case words separated by one space: the form keywords are matched in."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


@dataclass(frozen=True)
class DepthConfig:
    """Weights, divisors and tier bounds of the relationship-depth score."""

    weights: dict[str, float]
    tenure_days: float
    frequency_count: float
    recency_days: float
    breadth_types: float
    ties_people: float
    touches_count: float
    lookback_days: int
    tiers: dict[str, float]

    def params(self) -> dict[str, float]:
        """Bound parameters for the depth SQL."""
        p = {f"w_{k}": float(v) for k, v in self.weights.items()}
        p.update(
            tenure_days=float(self.tenure_days),
            frequency_count=float(self.frequency_count),
            recency_days=float(self.recency_days),
            breadth_types=float(self.breadth_types),
            ties_people=float(self.ties_people),
            touches_count=float(self.touches_count),
            lookback_days=int(self.lookback_days),
        )
        for name in TIERS[1:]:
            p[f"tier_{name.lower()}"] = float(self.tiers[name])
        return p

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weights,
            "tenure_days": self.tenure_days,
            "frequency_count": self.frequency_count,
            "recency_days": self.recency_days,
            "breadth_types": self.breadth_types,
            "ties_people": self.ties_people,
            "touches_count": self.touches_count,
            "lookback_days": self.lookback_days,
            "tiers": self.tiers,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DepthConfig:
        weights = {k: float(d["weights"][k]) for k in DEPTH_PARTS}
        tiers = {k: float(d["tiers"][k]) for k in TIERS}
        return cls(
            weights=weights,
            tenure_days=float(d["tenure_days"]),
            frequency_count=float(d["frequency_count"]),
            recency_days=float(d["recency_days"]),
            breadth_types=float(d["breadth_types"]),
            ties_people=float(d["ties_people"]),
            touches_count=float(d["touches_count"]),
            lookback_days=int(d["lookback_days"]),
            tiers=tiers,
        )


def default_depth() -> DepthConfig:
    return DepthConfig.from_dict(defaults()["depth"])


def default_settings() -> dict[str, Any]:
    s = dict(defaults()["settings"])
    s["depth"] = default_depth().to_dict()
    return s


def get_setting(con: duckdb.DuckDBPyConnection, key: str) -> Any:
    """A setting from the database, falling back to the shipped default."""
    row = con.execute("SELECT value FROM setting WHERE key = $key", {"key": key}).fetchone()
    if row is None:
        return default_settings()[key]
    return json.loads(row[0])


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: Any) -> None:
    if key not in default_settings():
        raise KeyError(f"unknown setting {key!r}")
    con.execute(
        "INSERT OR REPLACE INTO setting VALUES ($key, $value)",
        {"key": key, "value": json.dumps(value)},
    )


def depth_config(con: duckdb.DuckDBPyConnection) -> DepthConfig:
    return DepthConfig.from_dict(get_setting(con, "depth"))


def check_lapse_days(value: Any) -> int:
    """*value* if it is a lapse threshold: a positive whole number of days."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"the lapse threshold must be a positive whole number of days, "
                         f"not {value!r}")
    return value


DATE_ORDER_CHOICES = ("ask", "mdy", "dmy")


def check_date_order(value: Any) -> str:
    """*value* if it is a date order setting: "ask", "mdy" or "dmy"."""
    if value not in DATE_ORDER_CHOICES:
        raise ConfigError(f"the date order must be one of {', '.join(DATE_ORDER_CHOICES)}, "
                          f"not {value!r}")
    return str(value)


def lapse_days(con: duckdb.DuckDBPyConnection) -> int:
    """The lapse threshold in days (sql/fragments/lapsed.sql binds it as $lapse_days)."""
    return check_lapse_days(get_setting(con, "lapse_days"))


def metric_params(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The bound parameters the settings give the metric SQL: the depth formula's and the
    lapse threshold (read in one query: every metric run asks for them)."""
    return metric_params_of(dict(con.execute(
        "SELECT key, value FROM setting WHERE key IN ('depth', 'lapse_days')").fetchall()))


def metric_params_of(stored: dict[str, str]) -> dict[str, float]:
    """:func:`metric_params` of a store whose setting table holds *stored* (key -> its JSON
    text), the shipped defaults for the keys it lacks: a lake's settings (engage_spark)."""
    settings = {**default_settings(), **{k: json.loads(v) for k, v in stored.items()}}
    return {**DepthConfig.from_dict(settings["depth"]).params(),
            "lapse_days": check_lapse_days(settings["lapse_days"])}
