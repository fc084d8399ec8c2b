"""A deterministic demo organization, so the dashboard's first run has stories to tell.

``generate`` simulates three years of a believable nonprofit with five programs of
distinct character, and returns the three kinds of import file (participation,
people, asks) as DataFrames of strings in the generic export format. ``build_demo``
lands them through the real importer, so the demo exercises the same pipeline as an
analyst's upload.

The simulation walks through every event occurrence in time order. Each person has
an internal *closeness* score (the relationship battery): relational events charge
it a lot, mixed events some, tasks a little, and it decays with time apart. It
drives what the metrics should then reveal:

- churn: an attendance is more likely to be someone's last when closeness is low, so
  the all-task Field program loses most newcomers after one shift while the Social
  Committee keeps its regulars;
- asks: P(yes) = logistic(a + b * closeness - c * stretch), stretch = ask rung - the
  person's rung, so acceptance rises with depth and falls with stretch;
- escalation: a "yes" to a bigger role raises the person's level in that program,
  and later occurrences fill host / lead / organizer slots from people at that level
  (Tenant Organizing moves people attendee -> volunteer -> host -> organizer).
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

DEMO_END = date(2026, 10, 31)
DEMO_START = date(2023, 11, 1)
_DAYS = (DEMO_END - DEMO_START).days + 1

PARTICIPATION_COLUMNS = ("Email", "Phone", "First Name", "Last Name", "Event ID", "Event",
                         "Event Type", "Program", "Start", "End", "Status", "Role", "Hours")
PEOPLE_COLUMNS = ("Email", "First Name", "Last Name", "Phone", "Recruited By")
ASK_COLUMNS = ("Email", "Date", "Ask", "Rung", "Outcome", "Asked By")

# Rungs as data/engage.toml assigns them; the simulation tracks the rung the
# metrics will compute, so an ask's stretch here is the stretch the dashboard sees.
_ROLE_RUNG = {"attendee": 2, "guest": 2, "participant": 2, "volunteer": 3, "canvasser": 3,
              "caller": 3, "host": 4, "shift lead": 4, "team captain": 4, "organizer": 5,
              "trainer": 5, "facilitator": 5}
_ROLES = tuple(_ROLE_RUNG)
_ROLE_CODE = {role: i for i, role in enumerate(_ROLES)}
_ROLE_RUNGS = np.array([_ROLE_RUNG[role] for role in _ROLES])
_MODE_RUNG = {"task": 3, "relationship": 2, "mixed": 2}
# Closeness gained per attended occurrence, by event mode (leads gain a bit more:
# "the bigger the task, the bigger the relationship").
_GAIN = {"relationship": 0.17, "mixed": 0.09, "task": 0.03}
_CLOSE_MAX = 1.5
_CLOSE_DECAY_DAYS = 300.0
# Ask acceptance: logistic(_ASK_A + _ASK_B * closeness - _ASK_C * stretch).
_ASK_A, _ASK_B, _ASK_C = -0.8, 3.0, 1.2

_ATTENDED, _NO_SHOW, _CANCELLED, _REGISTERED = 0, 1, 2, 3


@dataclass(frozen=True)
class _Kind:
    """One kind of recurring event within a program."""

    event_type: str                  # vocabulary that data/engage.toml classifies
    mode: str                        # its mode under that classification
    titles: tuple[str, ...]
    per_month: float                 # event days per month at volume 1
    weekdays: tuple[int, ...]        # Monday = 0
    starts: tuple[float, ...]        # start hours; several = shifts, each its own occurrence
    duration: float                  # hours
    newcomers: float                 # mean first-timers per occurrence at volume 1
    pull: float = 1.0                # multiplier on members' attendance propensity
    min_level: int = 1               # level a member needs to be invited
    slots: tuple[tuple[str, int, int, float], ...] = ()  # (role, min level, how many, chance)
    months: tuple[int, ...] = ()     # calendar months it runs in; empty: all year
    pair: bool = False               # a one-on-one: an organizer and one other person
    alt_role: str = ""               # variant of the base role some exports use


@dataclass(frozen=True)
class _Program:
    """A program's events and the behaviour of its people."""

    name: str
    prefix: str
    kinds: tuple[_Kind, ...]
    rate_mean: float                 # mean per-occurrence attendance propensity of a member
    rate_shape: float                # gamma shape of that propensity
    first_churn: float               # chance a first attendance is the only one, at zero closeness
    churn: float                     # chance a later attendance is the last, at zero closeness
    ask_rate: float                  # chance of an ask after an attendance, x (0.3 + closeness)
    stretch: tuple[tuple[int, ...], tuple[float, ...]]  # stretch values and weights
    referral: float                  # share of newcomers brought by a member
    seeds: tuple[int, ...]           # levels of the founding members
    staff: tuple[str, ...]           # who makes the asks
    asks: dict[int, str]             # ask text by rung
    volume: Callable[[int], float]   # events and newcomers multiplier by day index


def _election_pulse(day: int) -> float:
    """Field volume: a low base that surges in the weeks before each November election."""
    level = 0.35
    for when, weight in ((date(2024, 11, 5), 2.6), (date(2025, 11, 4), 0.9),
                         (date(2026, 11, 3), 2.2)):
        ahead = (when - DEMO_START).days - day
        if ahead >= 0:
            level += weight * math.exp(-ahead / 45.0)
    return level


def _growth(day: int) -> float:
    """Youth Climate volume: about eightfold over the three years."""
    return 0.35 * math.exp(math.log(8.0) * day / _DAYS)


def _steady(day: int) -> float:
    """Volume of the established programs: flat."""
    return 1.0


_SAT, _SUN = 5, 6
_EVENINGS = (0, 1, 2, 3)

_PROGRAMS: tuple[_Program, ...] = (
    _Program(
        name="Field", prefix="FLD",
        kinds=(
            _Kind("Canvass", "task",
                  ("Neighborhood Canvass", "Weekend Canvass - Eastside",
                   "Weekend Canvass - Riverside", "Get Out the Vote Canvass"),
                  2.6, (_SAT, _SUN), (10.0, 13.5), 3.0, 9.5, pull=1.0,
                  slots=(("shift lead", 4, 2, 0.9),), alt_role="canvasser"),
            _Kind("Phone Bank", "task", ("Evening Phone Bank", "Get Out the Vote Phone Bank"),
                  3.2, (1, 3), (18.0,), 2.5, 4.5, pull=0.8,
                  slots=(("shift lead", 4, 1, 0.8),), alt_role="caller"),
            _Kind("Text Bank", "task", ("Remote Text Bank", "Voter Reminder Text Bank"),
                  1.8, (2,), (18.5,), 2.0, 3.5, pull=0.7),
            _Kind("Training", "mixed", ("Canvass Training",),
                  0.4, (_SAT,), (9.0,), 2.0, 4.0, pull=0.5,
                  slots=(("trainer", 5, 1, 1.0),)),
            _Kind("Webinar", "mixed", ("Election Volunteer Webinar",),
                  0.3, (2,), (19.0,), 1.0, 6.0, pull=0.15),
        ),
        rate_mean=0.25, rate_shape=1.2, first_churn=0.6, churn=0.06, ask_rate=0.15,
        stretch=((0, 1, 2, 3), (0.45, 0.35, 0.15, 0.05)), referral=0.1,
        seeds=(5, 4, 4, 3, 3),
        staff=("Jordan Ellis", "Priya Raman"),
        asks={1: "Sign up for election updates", 2: "Join the volunteer webinar",
              3: "Canvass again this weekend", 4: "Lead a canvass shift",
              5: "Run the phone bank program"},
        volume=_election_pulse,
    ),
    _Program(
        name="Social Committee", prefix="SOC",
        kinds=(
            _Kind("Potluck", "relationship", ("Community Potluck", "Neighborhood Potluck"),
                  1.0, (_SUN,), (17.0,), 3.0, 2.4, pull=1.0, slots=(("host", 4, 1, 0.95),)),
            _Kind("Social", "relationship", ("Second Friday Social",),
                  1.0, (4,), (19.0,), 2.5, 2.4, pull=0.9, slots=(("host", 4, 1, 0.8),)),
            _Kind("Coffee", "relationship", ("Coffee and Conversation",),
                  1.0, (_SAT,), (10.0,), 1.5, 0.4, pull=0.35),
            _Kind("Picnic", "relationship", ("Summer Picnic in the Park",),
                  1.0, (_SAT,), (12.0,), 4.0, 3.0, pull=1.1,
                  slots=(("host", 4, 2, 0.9),), months=(6, 7, 8)),
            _Kind("Meeting", "mixed", ("Social Committee Planning Meeting",),
                  0.34, (1,), (19.0,), 1.5, 0.0, pull=0.25, slots=(("facilitator", 5, 1, 0.9),)),
        ),
        rate_mean=0.85, rate_shape=2.5, first_churn=0.3, churn=0.07, ask_rate=0.03,
        stretch=((-1, 0, 1), (0.25, 0.5, 0.25)), referral=0.35,
        seeds=(5, 4, 4, 2, 2, 2, 2, 2),
        staff=("Grace Okafor",),
        asks={1: "RSVP for the next social", 2: "Come to the potluck",
              3: "Help set up the summer picnic", 4: "Host a potluck",
              5: "Chair the social committee"},
        volume=_steady,
    ),
    _Program(
        name="Tenant Organizing", prefix="TEN",
        kinds=(
            _Kind("House Meeting", "relationship",
                  ("House Meeting - Maple Court", "House Meeting - Elm Street",
                   "House Meeting - Harbor View", "House Meeting - Linden Towers"),
                  2.2, _EVENINGS, (18.5,), 2.0, 2.2, pull=0.3,
                  slots=(("host", 4, 1, 0.95), ("organizer", 5, 1, 0.35))),
            _Kind("Door Knock", "task", ("Building Door Knock", "Door Knock - Rent Survey"),
                  2.6, (_SAT,), (11.0,), 3.0, 0.0, pull=1.0, min_level=3,
                  slots=(("shift lead", 4, 1, 0.85), ("organizer", 5, 1, 0.5))),
            _Kind("Petition", "task", ("Rent Control Petition Drive",),
                  1.0, (_SUN,), (13.0,), 2.5, 1.0, pull=0.45, slots=(("team captain", 4, 1, 0.6),)),
            _Kind("Meeting", "mixed", ("Tenant Association Meeting",),
                  1.0, (2,), (19.0,), 2.0, 4.0, pull=0.8,
                  slots=(("facilitator", 5, 1, 0.95),)),
            _Kind("Training", "mixed", ("Know Your Rights Training", "Organizer Training"),
                  0.5, (_SAT,), (10.0,), 3.0, 1.0, pull=0.45, min_level=2,
                  slots=(("trainer", 5, 1, 1.0),)),
            _Kind("Rally", "mixed", ("Rent Justice Rally", "City Hall Rally"),
                  0.25, (_SAT,), (12.0,), 2.0, 9.0, pull=0.9,
                  slots=(("organizer", 5, 2, 1.0),)),
            _Kind("One-on-One", "relationship", ("One-on-One",),
                  1.0, _EVENINGS, (17.0,), 1.0, 0.0, slots=(("organizer", 5, 1, 1.0),), pair=True),
        ),
        rate_mean=0.8, rate_shape=2.0, first_churn=0.3, churn=0.08, ask_rate=0.35,
        stretch=((0, 1, 2), (0.2, 0.65, 0.15)), referral=0.25,
        seeds=(5, 5, 4, 3, 2, 2),
        staff=("Rosa Delgado", "Marcus Lee"),
        asks={1: "Sign the tenant petition", 2: "Come to the tenant association meeting",
              3: "Join a door knock", 4: "Host a house meeting", 5: "Organize your building"},
        volume=_steady,
    ),
    _Program(
        name="Youth Climate", prefix="YCL",
        kinds=(
            _Kind("Meeting", "mixed", ("Youth Climate Chapter Meeting",),
                  1.0, (3,), (17.5,), 1.5, 2.0, pull=0.8, slots=(("organizer", 5, 1, 0.95),)),
            _Kind("Cleanup", "task", ("Park Cleanup", "River Cleanup", "Beach Cleanup"),
                  1.0, (_SAT,), (9.0,), 3.0, 3.0, pull=0.9, slots=(("team captain", 4, 2, 0.9),)),
            _Kind("Tree Planting", "task", ("Tree Planting Day",),
                  1.0, (_SUN,), (10.0,), 3.0, 3.0, pull=0.8,
                  slots=(("team captain", 4, 1, 0.9),), months=(3, 4, 5, 9, 10)),
            _Kind("Rally", "mixed", ("Climate Strike Rally",),
                  0.25, (4,), (12.0,), 2.0, 10.0, pull=1.0, slots=(("organizer", 5, 2, 1.0),)),
            _Kind("Workshop", "mixed", ("Climate Justice Workshop",),
                  0.5, (2,), (17.0,), 2.0, 1.5, pull=0.5, slots=(("facilitator", 5, 1, 0.9),)),
            _Kind("Social", "relationship", ("Youth Climate Social", "Climate Cafe Social"),
                  1.0, (4,), (18.0,), 2.0, 1.0, pull=0.7),
        ),
        rate_mean=0.7, rate_shape=1.6, first_churn=0.35, churn=0.1, ask_rate=0.2,
        stretch=((0, 1, 2, 3), (0.3, 0.45, 0.2, 0.05)), referral=0.3,
        seeds=(5, 4, 2),
        staff=("Sam Whitehorse",),
        asks={1: "Follow the campaign", 2: "Come to the climate strike", 3: "Join a park cleanup",
              4: "Captain a cleanup team", 5: "Lead the chapter"},
        volume=_growth,
    ),
    _Program(
        name="Food Justice", prefix="FJ",
        kinds=(
            _Kind("Food Bank Shift", "task", ("Saturday Food Bank Shift",),
                  1.5, (_SAT,), (9.0, 12.5), 3.0, 2.5, pull=1.0,
                  slots=(("shift lead", 4, 1, 0.9),)),
            _Kind("Pantry Distribution", "task", ("Wednesday Pantry Distribution",),
                  1.0, (2,), (16.0,), 2.5, 1.0, pull=0.8, slots=(("shift lead", 4, 1, 0.9),)),
            _Kind("Orientation", "mixed", ("New Volunteer Orientation",),
                  0.5, (1,), (18.0,), 1.5, 4.5, pull=0.1, slots=(("trainer", 5, 1, 0.9),)),
            _Kind("Community Dinner", "relationship", ("Community Dinner",),
                  0.34, (_SUN,), (17.0,), 2.5, 1.5, pull=0.9, slots=(("host", 4, 1, 0.8),)),
        ),
        rate_mean=0.7, rate_shape=1.6, first_churn=0.35, churn=0.08, ask_rate=0.15,
        stretch=((0, 1, 2), (0.45, 0.4, 0.15)), referral=0.15,
        seeds=(5, 4, 4, 3),
        staff=("Aisha Rahman", "Tom Becker"),
        asks={1: "Sign up for shift alerts", 2: "Attend a volunteer orientation",
              3: "Take a food bank shift", 4: "Lead a Saturday shift", 5: "Coordinate the pantry"},
        volume=_steady,
    ),
)

_FIRST = (
    "Aaliyah", "Abdul", "Adaeze", "Adriana", "Ahmed", "Aiko", "Alejandro", "Alicia", "Amara",
    "Amir", "Ana", "Andre", "Angela", "Anh", "Anjali", "Arjun", "Aroha", "Ayesha", "Beatriz",
    "Benjamin", "Bich", "Bilal", "Brandon", "Camila", "Carlos", "Carmen", "Chen", "Chidi", "Chloe",
    "Cristina", "Daniel", "Darius", "David", "Deepa", "Demetrius", "Diego", "Dmitri", "Ebony",
    "Eduardo", "Elena", "Elijah", "Emeka", "Emily", "Esperanza", "Fatima", "Feng", "Gabriel",
    "Giulia", "Hana", "Hannah", "Hassan", "Hiroshi", "Ibrahim", "Imani", "Isabel", "Jamal",
    "Jasmine", "Javier", "Jin", "José", "Joseph", "Juan", "Kai", "Kavya", "Keisha", "Kenji",
    "Kwame", "Lakshmi", "Latoya", "Leila", "Liam", "Lin", "Lucía", "Luis", "Malik", "Mariam",
    "Marisol", "Mateo", "Maya", "Mei", "Miguel", "Minh", "Mohammed", "Nadia", "Naomi", "Nia",
    "Nikhil", "Noah", "Nomvula", "Olivia", "Omar", "Oluwaseun", "Pablo", "Patrick", "Priyanka",
    "Rafael", "Rahul", "Rania", "Rashid", "Renée", "Ricardo", "Rosa", "Ruth", "Samir", "Sana",
    "Sara", "Sebastián", "Seo-yeon", "Shanice", "Sipho", "Sofia", "Sun", "Tamika", "Tariq",
    "Thandiwe", "Thomas", "Tomás", "Tyrone", "Valentina", "Victor", "Wei", "Xavier", "Yara",
    "Yasmin", "Yusuf", "Zainab", "Zoe", "Ifeoma", "Mónica", "Kofi", "Aarav", "Bao", "Dalia",
    "Eitan", "Farah", "Gustavo", "Hyun-woo", "Ingrid", "Jade", "Kiana",
)
_LAST = (
    "Abara", "Acosta", "Adeyemi", "Ahmed", "Alvarez", "Anderson", "Appiah", "Baker", "Banerjee",
    "Bello", "Brooks", "Campbell", "Castillo", "Chang", "Chavez", "Chen", "Choi", "Cohen", "Cruz",
    "Das", "Davis", "Delgado", "Diallo", "Díaz", "Dubois", "Edwards", "Eze", "Fernández", "Fischer",
    "Flores", "Fofanah", "García", "Goldberg", "Gomez", "Gonzalez", "Gupta", "Haddad", "Hall",
    "Harris", "Hernández", "Hoang", "Hughes", "Ibrahim", "Iyer", "Jackson", "Jensen", "Johnson",
    "Kaur", "Khan", "Kim", "Kowalski", "Kumar", "Le", "Lee", "Lopez", "Mahmoud", "Martin",
    "Martínez", "Mendoza", "Mensah", "Miller", "Mitchell", "Morales", "Moreno", "Murphy",
    "Nakamura", "Nguyen", "Novak", "Nwosu", "O'Brien", "Okafor", "Okonkwo", "Olsen", "Ortiz",
    "Osei", "Park", "Patel", "Pereira", "Perez", "Petrov", "Pham", "Quispe", "Ramirez", "Reddy",
    "Reyes", "Rivera", "Robinson", "Rodriguez", "Romero", "Rossi", "Saleh", "Sanchez", "Santos",
    "Schmidt", "Shah", "Silva", "Singh", "Smith", "Sokolov", "Suzuki", "Tanaka", "Taylor",
    "Thompson", "Torres", "Tran", "Turner", "Vargas", "Vasquez", "Walker", "Wang", "Washington",
    "Williams", "Wilson", "Wong", "Wu", "Yamamoto", "Yilmaz", "Young", "Zhang", "Zulu", "Mwangi",
    "Haile", "Tesfaye", "Begay", "Yazzie", "Kealoha", "Lindqvist", "Moreau", "Ruiz-Tagle",
    "St. Clair", "Van der Berg", "Achebe", "Farouk",
)
_DOMAINS = ("example.org", "example.com", "example.net")
_AREA_CODES = (212, 215, 202, 312, 404, 415, 503, 510, 602, 617, 718, 773, 206, 305, 713)


class _Sim:
    """Mutable state of one simulation run: people, memberships and what they did."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        cap = 8000                      # well above the ~3,200 people and ~3,700 memberships
        # people
        self.n_people = 0
        self.close = np.zeros(cap)
        self.close_day = np.zeros(cap, dtype=np.int64)
        self.rung = np.zeros(cap, dtype=np.int64)          # max attended rung so far
        self.last_att = np.full(cap, -10**6, dtype=np.int64)
        self.last_ask = np.full(cap, -10**6, dtype=np.int64)
        self.progmask = np.zeros(cap, dtype=np.int64)
        self.phone_only = np.zeros(cap, dtype=bool)
        self.recruiter = np.full(cap, -1, dtype=np.int64)
        # memberships (person x program)
        self.n_members = 0
        self.m_person = np.zeros(cap, dtype=np.int64)
        self.m_prog = np.full(cap, -1, dtype=np.int64)
        self.m_active = np.zeros(cap, dtype=bool)
        self.m_rate = np.zeros(cap)
        self.m_level = np.zeros(cap, dtype=np.int64)
        self.m_count = np.zeros(cap, dtype=np.int64)        # attendances in the program
        # output: participation (event, person, status, role code, hours) arrays per
        # occurrence, and asks (day, person, text, rung, outcome, asked by, program)
        self.rows: list[tuple[np.ndarray, ...]] = []
        # asked by: a person id, or -1 - i for the program's staff member i
        self.asks: list[tuple[int, int, str, int, int, int, int]] = []

    # ------------------------------------------------------------ people

    def new_person(self, recruiter: int) -> int:
        """A new person; a few known only by phone (a sign-in sheet), never the referred."""
        pid = self.n_people
        self.n_people += 1
        self.phone_only[pid] = self.rng.random() < 0.008 and recruiter < 0
        self.recruiter[pid] = recruiter
        if recruiter >= 0:
            self.close[pid] = 0.15      # knows the friend who brought them
        return pid

    def join(self, pid: int, g: int, level: int, rate: float) -> int:
        """Person pid starts taking part in program g; returns the membership id."""
        mid = self.n_members
        self.n_members += 1
        self.m_person[mid] = pid
        self.m_prog[mid] = g
        self.m_active[mid] = True
        self.m_rate[mid] = rate
        self.m_level[mid] = level
        self.progmask[pid] |= 1 << g
        return mid

    def draw_rate(self, prog: _Program) -> float:
        """How keen a new member is: their chance of registering for each occurrence."""
        return float(self.rng.gamma(prog.rate_shape, prog.rate_mean / prog.rate_shape))

    def closeness_of(self, pids: np.ndarray, day: int) -> np.ndarray:
        """Closeness now: the stored scores decayed over the days since they were set."""
        return self.close[pids] * np.exp(-(day - self.close_day[pids]) / _CLOSE_DECAY_DAYS)

    # ------------------------------------------------------------ one occurrence

    def run_event(self, e: int, g: int, kind: _Kind, day: int) -> None:
        """Who registers for occurrence e, how it goes for them, and what follows."""
        prog = _PROGRAMS[g]
        rng = self.rng
        if not (self.m_prog == g).any():
            for level in prog.seeds:    # the founders show up at the first occurrence
                pid = self.new_person(-1)
                self.phone_only[pid] = False
                self.close[pid] = 0.6
                self.close_day[pid] = day
                self.join(pid, g, level, min(0.9, 3 * prog.rate_mean + 0.2))
        active = np.nonzero((self.m_prog == g) & self.m_active)[0]
        lead_mids: list[int] = []
        lead_roles: list[int] = []
        for role, min_level, count, chance in kind.slots:
            cand = active[(self.m_level[active] >= min_level) & ~np.isin(active, lead_mids)]
            if cand.size and rng.random() < chance:
                w = self.m_rate[cand] + 0.05
                pick = rng.choice(cand, size=min(count, cand.size), replace=False, p=w / w.sum())
                lead_mids.extend(int(m) for m in pick)
                lead_roles.extend([_ROLE_CODE[role]] * pick.size)
        if kind.pair:
            if not lead_mids:
                return
            regular = self._pair_partner(active[~np.isin(active, lead_mids)], day)
        else:
            elig = active[(self.m_level[active] >= kind.min_level) & ~np.isin(active, lead_mids)]
            p = np.minimum(self.m_rate[elig] * kind.pull, 0.95)
            regular = elig[rng.random(elig.size) < p]
        # returning registrants: closer people flake less
        close_now = self.closeness_of(self.m_person[regular], day)
        no_show = ((0.15 if kind.mode == "task" else 0.09)
                   * (1.25 - 0.6 * np.minimum(close_now, 1.0)))
        statuses = self._statuses(no_show)
        newcomers = np.zeros(0, dtype=np.int64)
        if kind.newcomers and not kind.pair:
            n_new = int(rng.poisson(kind.newcomers * prog.volume(day)))
            attended = self.m_person[regular[statuses == _ATTENDED]]
            newcomers = self._newcomers(g, day, n_new, attended[~self.phone_only[attended]])
        new_status = self._statuses(np.full(newcomers.size, 0.26 if kind.mode == "task" else 0.14))

        lead_status = np.where(rng.random(len(lead_mids)) < 0.02, _NO_SHOW, _ATTENDED)
        others = np.concatenate([regular, newcomers])
        who = np.concatenate([np.asarray(lead_mids, dtype=np.int64), others])
        self._record(e, g, kind, day, who,
                     np.concatenate([lead_status, statuses, new_status]),
                     np.concatenate([np.asarray(lead_roles, dtype=np.int64),
                                     self._base_roles(kind, others)]),
                     n_lead=len(lead_mids), n_first=newcomers.size)

    def _pair_partner(self, cand: np.ndarray, day: int) -> np.ndarray:
        """A one-on-one's guest: a newer member the organizer wants to know better."""
        cand = cand[self.m_level[cand] <= 3]
        if not cand.size:
            return cand
        w = 1.2 - np.minimum(self.closeness_of(self.m_person[cand], day), 1.1)
        return self.rng.choice(cand, size=1, p=w / w.sum())

    def _statuses(self, no_show: np.ndarray) -> np.ndarray:
        """No-show with the given chances; a few cancel or are never marked (stay registered)."""
        u = self.rng.random(no_show.size)
        out = np.full(no_show.size, _ATTENDED, dtype=np.int64)
        out[u < no_show + 0.045] = _REGISTERED
        out[u < no_show + 0.035] = _CANCELLED
        out[u < no_show] = _NO_SHOW
        return out

    def _newcomers(self, g: int, day: int, n_new: int, attended: np.ndarray) -> np.ndarray:
        """First-timers in program g: regulars of other programs, friends of attendees,
        strangers."""
        prog = _PROGRAMS[g]
        rng = self.rng
        if not n_new:
            return np.zeros(0, dtype=np.int64)
        n = self.n_people
        recent = self.last_att[:n] >= day - 120
        others = np.nonzero(recent & ((self.progmask[:n] >> g) & 1 == 0))[0]
        n_cross = min(int((rng.random(n_new) < 0.09).sum()), others.size)
        out = [self.join(int(pid), g, 2, self.draw_rate(prog))
               for pid in rng.choice(others, size=n_cross, replace=False)]
        for _ in range(n_new - n_cross):
            rate = self.draw_rate(prog)
            recruiter = -1
            if attended.size and rng.random() < prog.referral:
                recruiter = int(attended[rng.integers(attended.size)])
                rate *= 1.3
            out.append(self.join(self.new_person(recruiter), g, 2, rate))
        return np.asarray(out, dtype=np.int64)

    def _base_roles(self, kind: _Kind, mids: np.ndarray) -> np.ndarray:
        """Roles of those who hold no lead slot; members at level 3+ often help out."""
        rng = self.rng
        u, v = rng.random(mids.size), rng.random(mids.size)
        out = np.full(mids.size, _ROLE_CODE["volunteer" if kind.mode == "task" else "attendee"])
        if kind.mode == "task":
            if kind.alt_role:
                out[u < 0.35] = _ROLE_CODE[kind.alt_role]
            return out
        out[u < 0.1] = _ROLE_CODE["guest" if kind.mode == "relationship" else "participant"]
        helps = (self.m_level[mids] >= 3) & (v < (0.35 if kind.mode == "mixed" else 0.15))
        out[helps] = _ROLE_CODE["volunteer"]
        return out

    def _record(self, e: int, g: int, kind: _Kind, day: int, mids: np.ndarray, status: np.ndarray,
                roles: np.ndarray, n_lead: int, n_first: int) -> None:
        """Store the rows, then charge closeness, raise rungs, make asks and let some go."""
        rng = self.rng
        prog = _PROGRAMS[g]
        n = mids.size
        is_lead = np.arange(n) < n_lead
        is_first = np.arange(n) >= n - n_first
        pids = self.m_person[mids]
        att = status == _ATTENDED
        quarters = np.round((kind.duration + 0.5 * is_lead + rng.normal(0, 0.3, n)) * 4)
        hours = np.maximum(0.5, quarters / 4)
        self.rows.append((np.full(n, e), pids, status, roles, np.where(att, hours, 0.0)))

        pa, ma = pids[att], mids[att]
        c = self.closeness_of(pa, day)
        gain = _GAIN[kind.mode] + 0.05 * is_lead[att]
        c = c + gain * (_CLOSE_MAX - c) / _CLOSE_MAX
        self.close[pa] = c
        self.close_day[pa] = day
        rung_before = self.rung[pa]
        self.rung[pa] = np.maximum(rung_before,
                                   np.maximum(_ROLE_RUNGS[roles[att]], _MODE_RUNG[kind.mode]))
        self.last_att[pa] = day
        # organizers ask people they know, and not again within a fortnight
        asked = ((~self.phone_only[pa]) & (rung_before >= 2) & (self.rung[pa] < 5)
                 & (day - self.last_ask[pa] >= 14)
                 & (rng.random(pa.size) < prog.ask_rate * (0.3 + c)))
        self.last_ask[pa[asked]] = day
        for i in np.nonzero(asked)[0]:
            self._ask(g, day, int(ma[i]), int(self.rung[pa[i]]), float(c[i]))

        stop = np.where(is_first, 0.5, 0.12)       # after a no-show or a cancellation
        base = np.where(self.m_count[ma] == 0, prog.first_churn, prog.churn)
        stop[att] = (base * (1.0 - 0.8 * np.minimum(c / 1.2, 1.0))
                     * np.where(self.m_level[ma] >= 4, 0.3, 1.0))
        self.m_count[ma] += 1
        self.m_active[mids[rng.random(n) < stop]] = False

    def _ask(self, g: int, day: int, mid: int, rung: int, c: float) -> None:
        """An organizer asks for the next step; the answer depends on closeness and stretch."""
        prog = _PROGRAMS[g]
        rng = self.rng
        values, weights = prog.stretch
        ask_rung = min(max(rung + int(rng.choice(values, p=weights)), 1), 5)
        stretch = ask_rung - rung
        p_yes = 1.0 / (1.0 + math.exp(-(_ASK_A + _ASK_B * c - _ASK_C * stretch)))
        if rng.random() < p_yes:
            outcome = 0
            if ask_rung >= 3:
                self.m_level[mid] = max(int(self.m_level[mid]), ask_rung)
            self.m_rate[mid] = min(0.9, self.m_rate[mid] * 1.2)
        else:
            outcome = 2 if rng.random() < max(0.15, 0.65 - 0.45 * c) else 1
        # staff make most asks; volunteer organizers of the program make some
        leaders = np.nonzero((self.m_prog == g) & self.m_active & (self.m_level >= 5))[0]
        leaders = leaders[leaders != mid]
        asker = -1 - int(rng.integers(len(prog.staff)))
        if leaders.size and rng.random() < 0.3:
            asker = int(self.m_person[leaders[rng.integers(leaders.size)]])
        when = min(day + int(rng.integers(1, 6)), _DAYS - 1)
        self.asks.append((when, int(self.m_person[mid]), prog.asks[ask_rung], ask_rung, outcome,
                          asker, g))


def _schedule(rng: np.random.Generator) -> pd.DataFrame:
    """Every event occurrence of every program, in time order."""
    months = pd.period_range(DEMO_START, DEMO_END, freq="M")
    month_first = [(m.start_time.date() - DEMO_START).days for m in months] + [_DAYS]
    weekday = (np.arange(_DAYS) + DEMO_START.weekday()) % 7
    recs: list[tuple[int, int, int, float, int]] = []
    for g, prog in enumerate(_PROGRAMS):
        for k, kind in enumerate(prog.kinds):
            usable = np.isin(weekday, kind.weekdays)
            for i, month in enumerate(months):
                if kind.months and month.month not in kind.months:
                    continue
                lo, hi = month_first[i], month_first[i + 1]
                days = lo + np.nonzero(usable[lo:hi])[0]
                n = min(days.size, int(rng.poisson(kind.per_month * prog.volume(lo + 14))))
                for d in np.sort(rng.choice(days, size=n, replace=False)):
                    title = int(rng.integers(len(kind.titles)))
                    recs.extend((int(d), g, k, start, title) for start in kind.starts)
    events = pd.DataFrame(recs, columns=["day", "program", "kind", "start", "title"])
    return (events.sort_values(["day", "start", "program", "kind"], kind="stable")
            .reset_index(drop=True))


def _event_columns(events: pd.DataFrame) -> pd.DataFrame:
    """The event part of a participation row, formatted once per occurrence."""
    kinds = [_PROGRAMS[g].kinds[k] for g, k in zip(events["program"], events["kind"], strict=True)]
    start = (pd.Timestamp(DEMO_START) + pd.to_timedelta(events["day"], unit="D")
             + pd.to_timedelta(events["start"], unit="h"))
    end = start + pd.to_timedelta([kd.duration for kd in kinds], unit="h")
    return pd.DataFrame({
        "Event ID": [f"{_PROGRAMS[g].prefix}-{10001 + e}" for e, g in enumerate(events["program"])],
        "Event": [kd.titles[t] for kd, t in zip(kinds, events["title"], strict=True)],
        "Event Type": [kd.event_type for kd in kinds],
        "Program": [_PROGRAMS[g].name for g in events["program"]],
        "Start": start.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "End": end.dt.strftime("%Y-%m-%d %H:%M:%S"),
    })


def _ascii(names: np.ndarray) -> np.ndarray:
    """Names folded to the lower-case letters and digits an email address would use."""
    folded = [unicodedata.normalize("NFKD", x).encode("ascii", "ignore").decode().lower()
              for x in names]
    return np.array(["".join(ch for ch in x if ch.isalnum()) for x in folded], dtype=object)


def _identities(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Names, emails and phones: unique except a dozen deliberate same-name pairs."""
    combos = rng.choice(len(_FIRST) * len(_LAST), size=n, replace=False)
    first = np.array(_FIRST, dtype=object)[combos // len(_LAST)]
    last = np.array(_LAST, dtype=object)[combos % len(_LAST)]
    # different people who share a name: the identity review must keep them apart
    pairs = rng.choice(n, size=(12, 2), replace=False)
    first[pairs[:, 1]] = first[pairs[:, 0]]
    last[pairs[:, 1]] = last[pairs[:, 0]]
    a, b = _ascii(first), _ascii(last)
    styles = rng.integers(4, size=n)
    numbers = rng.integers(10, 99, size=n)
    domains = rng.integers(len(_DOMAINS), size=n)
    used: set[str] = set()
    emails = []
    for fa, la, style, num, dom in zip(a, b, styles, numbers, domains, strict=True):
        local = (f"{fa}.{la}", f"{fa}{la}", f"{fa[0]}{la}", f"{fa}_{la}{num}")[style]
        email, k = f"{local}@{_DOMAINS[dom]}", 2
        while email in used:
            email, k = f"{local}{k}@{_DOMAINS[dom]}", k + 1
        used.add(email)
        emails.append(email)
    lines = rng.choice(len(_AREA_CODES) * 10000, size=n, replace=False)
    phones = [f"{_AREA_CODES[x // 10000]}555{x % 10000:04d}" for x in lines]
    return pd.DataFrame({"first": first, "last": last, "email": emails, "phone": phones,
                         "home_email": [f"{fa}.{la}.home@{_DOMAINS[2]}"
                                        for fa, la in zip(a, b, strict=True)],
                         "has_phone": rng.random(n) < 0.55})


def _phone_styles(digits: pd.Series) -> np.ndarray:
    """Each number written the four ways exports write it (one column per way)."""
    return np.array([[f"({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}", d,
                      f"+1 {d[:3]} {d[3:6]} {d[6:]}"] for d in digits], dtype=object)


_STATUS_TEXT = {_ATTENDED: ("Attended", "Checked In", "Completed"),
                _NO_SHOW: ("No-Show", "No Show"),
                _CANCELLED: ("Cancelled", "Canceled"),
                _REGISTERED: ("Registered", "Confirmed")}


def _status_text(status: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mostly the plain word, and for one row in eight a variant other tools write."""
    out = np.empty(status.size, dtype=object)
    variant = rng.random(status.size) < 0.12
    pick = rng.integers(1, 3, size=status.size)
    for code, words in _STATUS_TEXT.items():
        mask = status == code
        out[mask] = words[0]
        alt = mask & variant
        out[alt] = np.array(words, dtype=object)[np.minimum(pick[alt], len(words) - 1)]
    return out


def generate(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The demo organization's participation, people and ask files (all cells strings)."""
    rng = np.random.default_rng(seed)
    events = _schedule(rng)
    sim = _Sim(rng)
    columns = zip(events["day"], events["program"], events["kind"], strict=True)
    for e, (day, g, k) in enumerate(columns):
        sim.run_event(e, int(g), _PROGRAMS[int(g)].kinds[int(k)], int(day))
    n_people = sim.n_people
    phone_only = sim.phone_only[:n_people]
    ident = _identities(rng, n_people)
    ident.loc[phone_only, "has_phone"] = True
    email = ident["email"].to_numpy(dtype=object)
    email[phone_only] = ""
    phones = _phone_styles(ident["phone"])

    event, person, status, role, hours = (np.concatenate([r[i] for r in sim.rows])
                                          for i in range(5))
    n = person.size
    row_email = email[person].copy()
    typed = rng.random(n) < 0.03            # some tools keep the case people typed
    row_email[typed] = [x.capitalize() for x in row_email[typed]]
    # a few regulars sometimes sign up with a home address and no phone: same name,
    # no shared identifier, so the identity review offers them to the analyst
    counts = np.bincount(person[status == _ATTENDED], minlength=n_people)
    shared_name = ident.duplicated(["first", "last"], keep=False).to_numpy()
    regulars = np.nonzero((counts >= 8) & ~phone_only & ~shared_name)[0]
    second = np.isin(person, rng.choice(regulars, size=min(6, regulars.size), replace=False))
    second &= rng.random(n) < 0.35
    row_email[second] = ident["home_email"].to_numpy(dtype=object)[person[second]]
    show_phone = ident["has_phone"].to_numpy()[person] & (rng.random(n) < 0.75) & ~second
    show_phone |= phone_only[person]
    row_phone = np.where(show_phone, phones[person, rng.integers(4, size=n)], "")

    participation = pd.concat([
        pd.DataFrame({"Email": row_email, "Phone": row_phone,
                      "First Name": ident["first"].to_numpy(dtype=object)[person],
                      "Last Name": ident["last"].to_numpy(dtype=object)[person]}),
        _event_columns(events).iloc[event].reset_index(drop=True),
        pd.DataFrame({"Status": _status_text(status, rng),
                      "Role": np.array(_ROLES, dtype=object)[role],
                      "Hours": np.where(status == _ATTENDED,
                                        np.char.mod("%.2f", hours).astype(object), "")}),
    ], axis=1)[list(PARTICIPATION_COLUMNS)]

    recruiter = sim.recruiter[:n_people]
    people = pd.DataFrame({
        "Email": email,
        "First Name": ident["first"].to_numpy(dtype=object),
        "Last Name": ident["last"].to_numpy(dtype=object),
        "Phone": np.where(ident["has_phone"], phones[:, 0], ""),
        "Recruited By": np.where(recruiter >= 0, email[np.maximum(recruiter, 0)], ""),
    })[list(PEOPLE_COLUMNS)]

    a = pd.DataFrame(sim.asks, columns=["day", "person", "ask", "rung", "outcome", "by", "program"])
    a = a.sort_values(["day", "person"], kind="stable")
    full_name = ident["first"].to_numpy(dtype=object) + " " + ident["last"].to_numpy(dtype=object)
    asked_by = [full_name[by] if by >= 0 else _PROGRAMS[g].staff[-1 - by]
                for by, g in zip(a["by"], a["program"], strict=True)]
    asks = pd.DataFrame({
        "Email": email[a["person"].to_numpy()],
        "Date": (pd.Timestamp(DEMO_START)
                 + pd.to_timedelta(a["day"], unit="D")).dt.strftime("%Y-%m-%d"),
        "Ask": a["ask"],
        "Rung": a["rung"].astype(str),
        "Outcome": np.array(["yes", "no", "no response"], dtype=object)[a["outcome"].to_numpy()],
        "Asked By": asked_by,
    }).reset_index(drop=True)[list(ASK_COLUMNS)]
    return {"participation": participation, "people": people, "asks": asks}


def build_demo(con: duckdb.DuckDBPyConnection, seed: int = 7) -> None:
    """Land the demo organization through the importer, on a store with no imports yet."""
    from engage_metrics.importer import import_frame

    if con.execute("SELECT COUNT(*) FROM import_log").fetchall()[0][0]:
        raise ValueError("the demo organization can only be built on an empty store "
                         "(this one already has imports)")
    frames = generate(seed)
    import_frame(con, frames["participation"], file_name="demo-participations.csv",
                 kind="participation", source="demo")
    import_frame(con, frames["people"], file_name="demo-people.csv", kind="people", source="demo")
    import_frame(con, frames["asks"], file_name="demo-asks.csv", kind="ask", source="demo")
