"""The metric definitions as one Markdown document (``docs/metrics.md``).

Why generated: the registry (each ``sql/metrics/<id>.sql`` header) is the one place a
metric is defined; the document is rendered from it, with a short hand-written preamble
for the conventions every definition shares, and ``tests/test_docs.py`` fails when the
committed file differs, so the docs never drift from the SQL. Regenerate with
``python -m engage_metrics definitions --format markdown > docs/metrics.md``.
"""
from __future__ import annotations

import re

from engage_metrics import config, registry, targets

# the rooms in the order the dashboard's Definitions page and this document show them
ROOMS = {"participation": "Participation", "ladder": "Ladder and asks",
         "depth": "Relationship depth", "spectrum": "Task/relationship spectrum",
         "people": "People lists"}
REGENERATE = "python -m engage_metrics definitions --format markdown > docs/metrics.md"

PREAMBLE = """\
Every number Engage shows is one SQL query in `engage_metrics/sql/metrics/`, whose header
declares its label, unit, room, plain-language definition and formula. The dashboard (the
help text of each card and the Definitions page), the command line, the board pack and this
document all read those headers. The conventions below hold for every definition.

- **Window.** A window is `[start, end)` on the local start date of each event occurrence:
  `start` is its first day, `end` the day after its last. The default window is the last
  12 months of data, ending with the latest event date in the store. "Before the window's
  end" means on a date before `end`.
- **Local dates.** Timestamps with a UTC offset are converted to the organization's time
  zone (the `settings.timezone` setting) on import; timestamps without one are taken as
  local time.
- **Attended.** A participation (one person at one event occurrence) is attended when its
  status is `attended`; the other statuses are `registered`, `no_show` and `cancelled`.
  Hours are summed over attended participations only.
- **Program filter.** With programs selected, counts and shares use only the participations
  in events of those programs (all programs when none is selected). A person's history
  (first attendance ever, rung before the window, relationship depth) always uses all of
  their participations, in every program.
- **Empty ratios.** Ratios are between 0 and 1 and are empty (`null`) when their
  denominator is 0.
- **Ladder.** A participation's rung is the higher of its role's rung and its event type's
  rung (settings `ladder.role` and `ladder.event_type`); a person's rung at a date is the
  highest rung they attended before it, and 1 when they have participations but attended
  none. The rungs: {rungs}.
- **Modes.** Each event is `task`, `relationship` or `mixed`, from the keyword
  classification (setting `classification`; no matching keyword: mixed, listed as
  unclassified). Task weight: task 1, mixed 0.5, relationship 0. Relational touch:
  relationship 1, mixed 0.5, task 0.
- **Relationship depth** (0–100) as of a date D, from attended participations before D in
  all programs; "the last {lookback} days" = `[D − {lookback}, D)`. With the shipped defaults
  of `data/engage.toml`:

  `depth = 100 × ({weights})`

  where each part is clipped to [0, 1]:

{parts}

  Tiers: {tiers}.
  The weights, divisors and tier bounds are settings (see [settings.md](settings.md)); the
  Definitions page shows the formula with the current weights.
"""

_PARTS = {
    "tenure": "days since first attendance ÷ {tenure_days:g}",
    "frequency": "attended participations in the last {lookback_days} days ÷ {frequency_count:g}",
    "recency": "1 − days since last attendance ÷ {recency_days:g}",
    "breadth": "distinct event types attended in the last {lookback_days} days ÷ "
               "{breadth_types:g}",
    "ties": "distinct people who attended at least 2 of the same event occurrences as the "
            "person in the last {lookback_days} days ÷ {ties_people:g}",
    "touches": "relational touches in the last {lookback_days} days ÷ {touches_count:g}",
}


def preamble() -> str:
    """The hand-written conventions, with the ladder and the depth formula's shipped
    defaults filled in from ``data/engage.toml`` (so they cannot disagree with it)."""
    depth = config.default_depth()
    values = depth.to_dict()
    weights = " + ".join(f"{w:.2f} × {part}" for part, w in depth.weights.items())
    parts = "\n".join(f"  - {part} = {_PARTS[part].format(**values)}"
                      for part in config.DEPTH_PARTS)
    bounds = [(name, depth.tiers[name]) for name in config.TIERS]
    tiers = ", ".join(f"below {upper:g} {name}" for (name, _), (_, upper)
                      in zip(bounds, bounds[1:], strict=False)) + f", else {bounds[-1][0]}"
    rungs = ", ".join(f"{r} {name}" for r, name in config.RUNG_NAMES.items())
    return PREAMBLE.format(rungs=rungs, lookback=depth.lookback_days, weights=weights,
                           parts=parts, tiers=tiers)


def rooms() -> dict[str, str]:
    """Room id -> title: the known rooms in their order, then any other room a metric names."""
    extra = {m.room: m.room.capitalize() for m in registry.metrics().values()
             if m.room not in ROOMS}
    return {**ROOMS, **extra}


def markdown() -> str:
    """``docs/metrics.md``: the preamble, then every metric grouped by room."""
    metrics = registry.metrics().values()
    out = ["# Metric definitions", "",
           "<!-- Generated from the metric registry; do not edit. Edit the headers of",
           "     engage_metrics/sql/metrics/*.sql (or the preamble in",
           "     engage_metrics/definitions.py), then regenerate:",
           f"     {REGENERATE} -->", "",
           preamble().rstrip("\n"), ""]
    for room, title in rooms().items():
        found = [m for m in metrics if m.room == room]
        if not found:
            continue
        out += [f"## {_text(title)}", ""]
        for m in found:
            params = ", ".join(m.params) or "none"
            out += [f"### {_text(m.label)}", "",
                    f"`{m.id}` · unit: {m.unit} · parameters: {params}", "",
                    _text(m.definition), ""]
            if m.formula:
                out += [f"Formula: {_code(m.formula)}", ""]
    out += ["## Targets", "", "How a target (a metric, a value, a due date, optionally a "
            "program) is read; the Overview, the board pack and `engage targets list` show it.",
            ""]
    out += [f"- **{_text(term)}.** {_text(text)}" for term, text in targets.DEFINITIONS.items()]
    out += [""] + _models()
    return "\n".join(out).rstrip("\n") + "\n"


def _models() -> list[str]:
    """The predictions (registry.models()): each with its features, backtest and fallback."""
    found = registry.models().values()
    if not found:
        return []
    out = ["## Predictions", "",
           "Scores learned from the organization's own history, each backtested before it is "
           "shown ([predictions.md](predictions.md)).", ""]
    for m in found:
        out += [f"### {_text(m.label)}", "",
                f"`{m.id}` · model · unit: {m.unit} · parameters: {', '.join(m.params) or 'none'}",
                "", _text(m.definition), "",
                f"Features: {_text(m.features)}", "",
                f"Backtest: {_text(m.backtest)}", "",
                f"Fallback: {_text(m.fallback)}", ""]
        if m.formula:
            out += [f"Formula: {_code(m.formula)}", ""]
    return out


def _text(text: str) -> str:
    """Text that renders as written: Markdown's inline markers escaped (an underscore only
    where it could start or end emphasis; inside a word it is plain)."""
    text = re.sub(r"([\\`*]|<(?=[A-Za-z/!?])|(?<!\w)_|_(?!\w))", r"\\\1", text)
    return re.sub(r"^([#>+=-])", r"\\\1", text)


def _code(text: str) -> str:
    """A code span that holds *text* even when it contains backticks."""
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"
