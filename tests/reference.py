"""An independent plain-pandas recomputation of every metric of docs/metrics.md.

Why: the engine computes metrics in SQL; this module recomputes them the way an
analyst would in a notebook, from the canonical tables only, so tests can pair
every engine number with an independently written check (MetricFlow style) and
a benchmark can time "the notebook way". It deliberately shares no code with
``engage_metrics.metrics`` or the metric SQL.

The lead's decisions on docs/metrics.md's ambiguities (P1..P13) are followed: counts
and shares use in-scope participations (events of the selected programs, all
when none), a person's history (first attendance, rung before the window,
depth) uses all of their participations; the window is [start, end) on
``event.event_date``; ratios are ``None`` when their denominator is 0.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from engage_metrics.config import TIERS, DepthConfig, depth_config

TASK_WEIGHT = {"task": 1.0, "mixed": 0.5, "relationship": 0.0}
TOUCH_WEIGHT = {"task": 0.0, "mixed": 0.5, "relationship": 1.0}
QUADRANTS = {
    (True, False): "All task (transactional)",
    (False, True): "All relationship",
    (True, True): "Engaged (balanced)",
    (False, False): "Dormant",
}
ORGANIZATION = "Organization"
DEPTH_COLUMNS = ["person_id", "tenure", "frequency", "recency", "breadth", "ties",
                 "touches", "score", "tier"]
CANONICAL = ("person", "event", "participation", "ask", "ladder", "classification")

DateLike = dt.date | str | pd.Timestamp


@dataclass
class Tables:
    """The canonical tables as DataFrames, plus the depth formula's settings."""

    person: pd.DataFrame
    event: pd.DataFrame
    participation: pd.DataFrame
    ask: pd.DataFrame
    ladder: pd.DataFrame
    classification: pd.DataFrame
    depth: DepthConfig
    parts: pd.DataFrame = field(init=False, repr=False)
    depth_memo: dict[pd.Timestamp, pd.DataFrame] = field(default_factory=dict, init=False,
                                                         repr=False)

    def __post_init__(self) -> None:
        # One participation x event frame is what every metric reads; the task
        # and touch weights are derived from event.mode here, not read from the
        # event table, so a wrong stored weight shows up as a mismatch.
        ev = self.event[["event_id", "event_date", "program", "event_type", "mode"]].copy()
        ev["event_date"] = pd.to_datetime(ev["event_date"]).astype("datetime64[us]")
        ev["task_w"] = ev["mode"].map(TASK_WEIGHT).astype(float)
        ev["touch_w"] = ev["mode"].map(TOUCH_WEIGHT).astype(float)
        pa = self.participation[["person_id", "event_id", "status", "role", "hours", "rung"]]
        self.parts = pa.merge(ev, on="event_id", how="inner", validate="many_to_one")

    @property
    def last_date(self) -> pd.Timestamp | None:
        """The data's last date: the latest event date of any event (any status)."""
        if self.event.empty:
            return None
        return pd.Timestamp(self.event["event_date"].max())

    @property
    def programs(self) -> list[str]:
        return sorted(self.event["program"].dropna().unique().tolist())


def load_tables(con: duckdb.DuckDBPyConnection) -> Tables:
    """Read the canonical tables and the depth settings of a store into pandas."""
    frames = {name: con.execute(f"SELECT * FROM {name}").df() for name in CANONICAL}
    return Tables(**frames, depth=depth_config(con))


# ---------------------------------------------------------------- helpers

def _ts(value: DateLike) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else float(num) / float(den)


def _scope(parts: pd.DataFrame, programs: Sequence[str]) -> pd.DataFrame:
    """In-scope participations: those of events of the selected programs (all when none)."""
    return parts[parts["program"].isin(list(programs))] if programs else parts


def _between(parts: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    return parts[(parts["event_date"] >= lo) & (parts["event_date"] < hi)]


def _attended(parts: pd.DataFrame) -> pd.DataFrame:
    return parts[parts["status"] == "attended"]


def _months(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Period]:
    """Calendar months from month(start) to month(end - 1 day)."""
    last = (end - pd.Timedelta(days=1)).to_period("M")
    first = start.to_period("M")
    return list(pd.period_range(first, last, freq="M")) if first <= last else []


def _quadrant(task_share: float | None, strength: float | None) -> str | None:
    if task_share is None or strength is None:
        return None
    return QUADRANTS[(task_share >= 0.5, strength >= 0.5)]


def _tier(score: float, bounds: dict[str, float]) -> str:
    """The highest tier whose lower bound the score reaches."""
    name = TIERS[0]
    for tier in sorted(TIERS, key=lambda t: bounds[t]):
        if score >= bounds[tier]:
            name = tier
    return name


def first_attended(tables: Tables) -> pd.Series:
    """Date of each person's first attended participation ever (all programs)."""
    return _attended(tables.parts).groupby("person_id")["event_date"].min()


def rung_at(tables: Tables, date: DateLike) -> pd.Series:
    """Each person's rung at a date (P7): max rung attended before it, 1 if only
    non-attended participations before it; people with none before it are absent."""
    day = _ts(date)
    before = tables.parts[tables.parts["event_date"] < day]
    best = _attended(before).groupby("person_id")["rung"].max()
    people = pd.Index(before["person_id"].unique(), name="person_id")
    return best.reindex(people).fillna(1).astype(int)


# ---------------------------------------------------------------- ladder rungs

def _normalize(text: Any) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).lower()).split())


def match_keyword(text: Any, keywords: dict[str, Any]) -> Any | None:
    """The value of the longest keyword found in *text* at a word start.

    Keywords match whole words from a word's start, case and punctuation
    insensitive ("phone bank" matches "PHONE_BANK" and "Phone banks"). On equal
    length the larger value wins, so the result does not depend on table order.
    """
    padded = " " + _normalize(text)
    hits = [(len(k), v, k) for k, v in keywords.items() if k and (" " + k) in padded]
    return max(hits)[1] if hits else None


def _ladder_keywords(ladder: pd.DataFrame, kind: str) -> dict[str, int]:
    rows = ladder.loc[ladder["kind"] == kind, ["keyword", "rung"]]
    return {k: int(r) for k, r in rows.itertuples(index=False)}


def event_type_rungs(event: pd.DataFrame, ladder: pd.DataFrame) -> pd.Series:
    """Each event's type rung: its ladder event_type keyword if any, else 3 for
    task-mode events and 2 otherwise; aligned with *event*'s index."""
    keywords = _ladder_keywords(ladder, "event_type")
    return pd.Series(
        [hit if (hit := match_keyword(t, keywords)) is not None else (3 if m == "task" else 2)
         for t, m in zip(event["event_type"], event["mode"], strict=True)],
        index=event.index, dtype=int, name="type_rung")


def recompute_rungs(participation: pd.DataFrame, event: pd.DataFrame,
                    ladder: pd.DataFrame) -> pd.Series:
    """Each participation's rung: max(role rung, event type rung); unknown roles 2.

    Aligned with *participation*'s index, to check ``participation.rung``.
    """
    roles = _ladder_keywords(ladder, "role")
    by_role = {r: hit if (hit := match_keyword(r, roles)) is not None else 2
               for r in participation["role"].unique()}
    role_rung = participation["role"].map(by_role)
    by_event = pd.Series(event_type_rungs(event, ladder).to_numpy(), index=event["event_id"])
    event_rung = participation["event_id"].map(by_event)
    return np.maximum(role_rung, event_rung).astype(int).rename("rung")


def classify_mode(text: Any, classification: pd.DataFrame) -> str | None:
    """The mode of an event type by the classification keywords (None: no match)."""
    return match_keyword(text, dict(classification[["keyword", "mode"]].itertuples(index=False)))


# ---------------------------------------------------------------- depth

def reference_depth(tables: Tables, asof: DateLike) -> pd.DataFrame:
    """Relationship depth of every person with an attended participation before *asof* (P10)."""
    cfg = tables.depth
    day = _ts(asof)
    att = _attended(tables.parts)
    att = att[att["event_date"] < day]
    if att.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DEPTH_COLUMNS})
    people = att.groupby("person_id")["event_date"].agg(["min", "max"])
    recent = att[att["event_date"] >= day - pd.Timedelta(days=cfg.lookback_days)]
    by_person = recent.groupby("person_id")

    types = recent.assign(t=recent["event_type"].str.strip().str.lower())
    breadth = types.dropna(subset=["t"]).groupby("person_id")["t"].nunique()

    pairs = recent[["event_id", "person_id"]].drop_duplicates()
    pairs = pairs.merge(pairs, on="event_id", suffixes=("", "_other"))
    pairs = pairs[pairs["person_id"] != pairs["person_id_other"]]
    shared = pairs.groupby(["person_id", "person_id_other"]).size()
    ties = (shared[shared >= 2].reset_index().groupby("person_id")["person_id_other"].nunique())

    raw = pd.DataFrame({
        "tenure": (day - people["min"]).dt.days / cfg.tenure_days,
        "frequency": by_person.size().reindex(people.index, fill_value=0) / cfg.frequency_count,
        "recency": 1 - (day - people["max"]).dt.days / cfg.recency_days,
        "breadth": breadth.reindex(people.index, fill_value=0) / cfg.breadth_types,
        "ties": ties.reindex(people.index, fill_value=0) / cfg.ties_people,
        "touches": by_person["touch_w"].sum().reindex(people.index, fill_value=0.0)
        / cfg.touches_count,
    }).astype(float).clip(0.0, 1.0)
    raw["score"] = 100 * sum(cfg.weights[part] * raw[part] for part in cfg.weights)
    raw["tier"] = raw["score"].map(lambda s: _tier(s, cfg.tiers))
    return raw.rename_axis("person_id").reset_index()[DEPTH_COLUMNS]


def _strength(tables: Tables, day: pd.Timestamp,
              people: Sequence[int]) -> tuple[float | None, pd.DataFrame]:
    """Mean depth score at *day* of *people* (None when none) and their depth rows.

    Depth at a date does not depend on the program filter, so it is computed
    once per date (as a notebook would keep it in a variable) and reused.
    """
    if len(people) == 0:
        return None, pd.DataFrame(columns=DEPTH_COLUMNS)
    if day not in tables.depth_memo:
        tables.depth_memo[day] = reference_depth(tables, day)
    depth = tables.depth_memo[day]
    rows = depth[depth["person_id"].isin(list(people))]
    return (None if rows.empty else float(rows["score"].mean())), rows


# ---------------------------------------------------------------- report

def _participation(tables: Tables, scope: pd.DataFrame, start: pd.Timestamp,
                   end: pd.Timestamp) -> dict[str, Any]:
    win = _between(scope, start, end)
    att = _attended(win)
    per_person = att.groupby("person_id").size()
    active = len(per_person)
    first = first_attended(tables).reindex(per_person.index)
    new_first = first[(first >= start) & (first < end)]

    last = tables.last_date
    cohort = new_first[new_first <= last - pd.Timedelta(days=90)] if last is not None else new_first
    all_att = _attended(tables.parts)
    later = all_att.merge(cohort.rename("first").reset_index(), on="person_id")
    gap = later["event_date"] - later["first"]
    returned = later.loc[(gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=90)),
                         "person_id"].nunique()

    no_show = int((win["status"] == "no_show").sum())
    before_end = _attended(scope[scope["event_date"] < end]).groupby("person_id")["event_date"]
    counts, latest = before_end.size(), before_end.max()
    lapsed = int(((counts >= 3) & (latest <= end - pd.Timedelta(days=180))).sum())
    return {
        "active": active,
        "new": int(len(new_first)),
        "attended": int(len(att)),
        "hours": float(att["hours"].fillna(0.0).sum()),
        "repeat_rate": _ratio(int((per_person >= 2).sum()), active),
        "return_rate_90d": _ratio(returned, len(cohort)),
        "no_show_rate": _ratio(no_show, len(att) + no_show),
        "lapsed": lapsed,
    }


def _escalation(tables: Tables, scope: pd.DataFrame, start: pd.Timestamp,
                end: pd.Timestamp) -> tuple[int, float | None]:
    """(escalated count, escalation rate) of the window (P7)."""
    att = _attended(_between(scope, start, end))
    best_in_window = att.groupby("person_id")["rung"].max()
    before = _attended(tables.parts[tables.parts["event_date"] < start])
    rung_before = before.groupby("person_id")["rung"].max()
    population = best_in_window.index.intersection(rung_before[rung_before < 5].index)
    escalated = int((best_in_window[population] > rung_before[population]).sum())
    return escalated, _ratio(escalated, len(population))


def reference_report(tables: Tables, start: DateLike, end: DateLike,
                     programs: Sequence[str] = ()) -> dict[str, Any]:
    """Every headline number of a window, in the report's JSON shape."""
    s, e = _ts(start), _ts(end)
    scope = _scope(tables.parts, programs)
    active_people = _attended(_between(scope, s, e))["person_id"].unique()
    mean, rows = _strength(tables, e, active_people)
    strength = None if mean is None else mean / 100
    funnel = reference_funnel(tables, e, programs)
    escalated, escalation_rate = _escalation(tables, scope, s, e)
    task_share = _task_share(scope, s, e)
    return {
        "window": {"start": s.date().isoformat(), "end": e.date().isoformat(),
                   "program": list(programs) or None},
        "participation": _participation(tables, scope, s, e),
        "ladder": {
            "reached": {str(r.rung): int(r.reached) for r in funnel.itertuples()},
            "escalation_rate": escalation_rate,
            "escalated": escalated,
        },
        "depth": {
            "mean": mean,
            "tiers": {t: int((rows["tier"] == t).sum()) for t in TIERS},
        },
        "spectrum": {
            "task_share": task_share,
            "relationship_strength": strength,
            "quadrant": _quadrant(task_share, strength),
        },
    }


def _task_share(scope: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float | None:
    att = _attended(_between(scope, start, end))
    return _ratio(float(att["task_w"].sum()), len(att))


# ---------------------------------------------------------------- tables

def reference_funnel(tables: Tables, end: DateLike, programs: Sequence[str] = ()) -> pd.DataFrame:
    """Ladder funnel at *end* (P8): reached, conversion r->r+1, median days to each rung."""
    e = _ts(end)
    scope = _scope(tables.parts, programs)
    population = scope.loc[scope["event_date"] < e, "person_id"].unique()
    rung = rung_at(tables, e).reindex(population)
    first_any = tables.parts.groupby("person_id")["event_date"].min()
    att = _attended(tables.parts)
    reached = {r: int((rung >= r).sum()) for r in range(1, 6)}
    rows = []
    for r in range(1, 6):
        who = rung.index[rung >= r]
        if r == 1:
            days = pd.Series(0.0, index=who)
        else:
            first_r = att[att["rung"] >= r].groupby("person_id")["event_date"].min()
            days = (first_r.reindex(who) - first_any.reindex(who)).dt.days.astype(float)
        rows.append({
            "rung": r,
            "reached": reached[r],
            "conversion": _ratio(reached[r + 1], reached[r]) if r < 5 else None,
            "median_days": float(days.median()) if len(days) else None,
        })
    return pd.DataFrame(rows)


def reference_rung_flows(tables: Tables, a_start: DateLike, a_end: DateLike, start: DateLike,
                         end: DateLike, programs: Sequence[str] = ()) -> pd.DataFrame:
    """Rung flows from period A to period B (P9): one row per person who took part (any
    status) in A or B in the programs; source = rung at A's end if in A, else New when the
    first participation ever is in B, else Back; target = rung at B's end if in B, else
    Lapsed."""
    scope = _scope(tables.parts, programs)
    in_a = set(_between(scope, _ts(a_start), _ts(a_end))["person_id"])
    in_b = set(_between(scope, _ts(start), _ts(end))["person_id"])
    first_any = tables.parts.groupby("person_id")["event_date"].min()
    rung_a, rung_b = rung_at(tables, a_end), rung_at(tables, end)
    rows = []
    for person in in_a | in_b:
        if person in in_a:
            source = f"Rung {rung_a[person]} (A)"
        else:
            source = "New" if first_any[person] >= _ts(start) else "Back"
        target = f"Rung {rung_b[person]} (B)" if person in in_b else "Lapsed"
        rows.append((source, target))
    frame = pd.DataFrame(rows, columns=["source", "target"])
    return (frame.groupby(["source", "target"]).size().rename("people").reset_index()
            .sort_values(["source", "target"], ignore_index=True))


def reference_cohort_retention(tables: Tables, start: DateLike, end: DateLike,
                               programs: Sequence[str] = ()) -> pd.DataFrame:
    """Monthly cohort retention matrix (P5); unobserved cells are NaN."""
    s, e = _ts(start), _ts(end)
    att_scope = _attended(_scope(tables.parts, programs))
    first_month = first_attended(tables).dt.to_period("M")
    active_months = set(zip(att_scope["person_id"], att_scope["event_date"].dt.to_period("M"),
                             strict=True))
    members_all = set(att_scope["person_id"])
    last_month = tables.last_date.to_period("M") if tables.last_date is not None else None
    rows = []
    for cohort in _months(s, e):
        members = [p for p in first_month.index[first_month == cohort] if p in members_all]
        if not members:
            continue
        for k in range(12):
            month = cohort + k
            if last_month is None or month > last_month:
                retained: float = np.nan
            else:
                retained = sum((p, month) in active_months for p in members)
            rows.append({"cohort": cohort.start_time.date(), "k": k,
                         "cohort_size": len(members), "retained": retained,
                         "rate": retained / len(members)})
    return pd.DataFrame(rows, columns=["cohort", "k", "cohort_size", "retained", "rate"])


def reference_battery(tables: Tables, start: DateLike, end: DateLike,
                      programs: Sequence[str] = ()) -> pd.DataFrame:
    """Per calendar month of the window: charge, discharge and level (P13)."""
    s, e = _ts(start), _ts(end)
    att = _attended(_scope(tables.parts, programs))
    rows = []
    for month in _months(s, e):
        lo = max(s, month.start_time)
        hi = min(e, (month + 1).start_time)
        in_month = _between(att, lo, hi)
        mean, _ = _strength(tables, hi, in_month["person_id"].unique())
        rows.append({
            "month": month.start_time.date(),
            "charge": float(in_month["touch_w"].sum()),
            "discharge": float(in_month["task_w"].sum()),
            "level": None if mean is None else mean / 100,
        })
    return pd.DataFrame(rows, columns=["month", "charge", "discharge", "level"])


def reference_spectrum_by_program(tables: Tables, start: DateLike,
                                  end: DateLike) -> pd.DataFrame:
    """Task share, relationship strength and quadrant per program and for the whole org."""
    s, e = _ts(start), _ts(end)
    rows = []
    for program in [*tables.programs, ORGANIZATION]:
        scope = _scope(tables.parts, () if program == ORGANIZATION else (program,))
        att = _attended(_between(scope, s, e))
        mean, _ = _strength(tables, e, att["person_id"].unique())
        strength = None if mean is None else mean / 100
        task_share = _task_share(scope, s, e)
        rows.append({"program": program, "attended": len(att), "task_share": task_share,
                     "relationship_strength": strength,
                     "quadrant": _quadrant(task_share, strength)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- random data

EVENT_TYPES = [
    "Canvass", "Phone Bank", "PHONE_BANK", "text bank", "Food bank shift", "Cleanup",
    "Social", "House Meeting", "Potluck", "One-on-one", "Coffee",
    "Training", "Leadership Training", "Rally", "Webinar", "Town hall",
    "Mystery event", None,
]
ROLES = ["attendee", "Attendee", "volunteer", "Volunteer", "guest", "Host", "co-host",
         "shift lead", "Team Leader", "captain", "Organizer", "trainer", "chapter lead",
         "caller", "mystery role", ""]
ROLE_P = np.array([20, 6, 20, 6, 3, 3, 2, 3, 2, 2, 2, 1, 1, 3, 2, 1], dtype=float)
PROGRAMS = ["Tenants", "Climate", "Youth", "Food"]
STATUSES = ["attended", "registered", "no_show", "cancelled"]


def random_canonical(con: duckdb.DuckDBPyConnection, seed: int, n_people: int = 300,
                     n_events: int = 120) -> None:
    """Insert a random but internally consistent organization into the canonical tables.

    Why: lets the engine and this reference be compared before (and besides) the
    demo generator, on data with every status, null hours and event types,
    unknown roles, several programs and about two years of history. Modes,
    weights and rungs follow the store's classification and ladder tables.
    """
    rng = np.random.default_rng(seed)
    classification = con.execute("SELECT * FROM classification").df()
    ladder = con.execute("SELECT * FROM ladder").df()
    base = pd.Timestamp("2023-01-01")
    span = 730

    days = np.sort(rng.integers(0, span, n_events))
    events = pd.DataFrame({
        "event_id": np.arange(1, n_events + 1),
        "source": "random",
        "event_key": [f"r{i}" for i in range(1, n_events + 1)],
        "event_type": rng.choice(np.array(EVENT_TYPES, dtype=object), n_events),
        "program": rng.choice(PROGRAMS, n_events, p=[0.4, 0.3, 0.2, 0.1]),
        "starts_at": [base + pd.Timedelta(days=int(d), hours=int(h))
                      for d, h in zip(days, rng.integers(8, 21, n_events), strict=True)],
    })
    events["title"] = [f"{t or 'Event'} #{i}" for t, i in zip(events["event_type"],
                                                             events["event_id"], strict=True)]
    events["ends_at"] = events["starts_at"] + pd.Timedelta(hours=2)
    events["event_date"] = events["starts_at"].dt.normalize()
    modes = events["event_type"].map(lambda t: classify_mode(t, classification))
    events["classified"] = modes.notna()
    events["mode"] = modes.fillna("mixed")
    events["task_weight"] = events["mode"].map(TASK_WEIGHT)
    events["touch_weight"] = events["mode"].map(TOUCH_WEIGHT)

    chosen_ids: list[np.ndarray] = []
    for _ in range(n_people):
        if rng.random() < 0.05:
            chosen_ids.append(np.array([], dtype=int))  # known from a people file only
            continue
        join = rng.integers(0, span)
        in_life = (days >= join) & (days <= join + rng.integers(1, span))
        picked = in_life & (rng.random(n_events) < rng.beta(1.2, 4))
        if not picked.any():
            picked[min(int(np.searchsorted(days, join)), n_events - 1)] = True
        chosen_ids.append(events["event_id"].to_numpy()[picked])
    n_rows = sum(len(c) for c in chosen_ids)
    status = rng.choice(STATUSES, n_rows, p=[0.66, 0.12, 0.12, 0.10])
    hours = rng.choice([1.0, 1.5, 2.0, 3.0], n_rows)
    parts = pd.DataFrame({
        "person_id": np.repeat(np.arange(1, n_people + 1), [len(c) for c in chosen_ids]),
        "event_id": np.concatenate(chosen_ids),
        "status": status,
        "role": rng.choice(ROLES, n_rows, p=ROLE_P / ROLE_P.sum()),
        "hours": np.where((status == "attended") & (rng.random(n_rows) < 0.8), hours, np.nan),
    })
    parts["import_id"] = 1

    events["type_rung"] = event_type_rungs(events, ladder)
    parts["rung"] = recompute_rungs(parts, events, ladder)

    first_seen = (parts.merge(events[["event_id", "event_date"]], on="event_id")
                  .groupby("person_id")["event_date"].min())
    ids = np.arange(1, n_people + 1)
    people = pd.DataFrame({
        "person_id": ids,
        "full_name": [f"Person {i}" for i in ids],
        "first_name": "Person",
        "last_name": [str(i) for i in ids],
        "email": [f"p{i}@example.org" for i in ids],
        "phone": None,
        "first_seen": first_seen.reindex(ids).dt.date.to_numpy(),
        "recruited_by": [int(rng.integers(1, i)) if i > 1 and rng.random() < 0.2 else None
                         for i in ids],
        "weak_identity": False,
    })
    n_asks = n_people // 3
    asked = [base + pd.Timedelta(days=int(d), hours=10) for d in rng.integers(0, span, n_asks)]
    asks = pd.DataFrame({
        "ask_id": np.arange(1, n_asks + 1),
        "person_id": rng.integers(1, n_people + 1, n_asks),
        "asked_at": asked,
        "ask_date": [a.date() for a in asked],
        "ask": "Lead a shift",
        "rung": rng.integers(2, 6, n_asks),
        "outcome": rng.choice(["yes", "no", "no_response"], n_asks),
        "asked_by": "Organizer",
        "import_id": 1,
    })
    for name, frame in (("person", people), ("event", events), ("participation", parts),
                        ("ask", asks)):
        columns = [c[0] for c in con.execute(f"DESCRIBE {name}").fetchall()]
        con.register("_random_rows", frame[columns])
        con.execute(f"INSERT INTO {name} SELECT * FROM _random_rows")
        con.unregister("_random_rows")
    from engage_metrics import resolve  # data set-up only: the reference reads no engine code
    resolve.refresh_facts(con)   # the per-person facts, as an import leaves them
