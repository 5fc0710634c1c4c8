"""Seeded, reproducible instances from the real school table, feasible by construction.

``generate(preset, seed, ...)`` builds an :class:`~composer.model.instance.Instance`
from the derived school and holiday tables (real schools, regions, holiday regions and
the 2026-2028 calendar) and synthetic people: LOS learners, facilitators, OCW
coordinators and TN participants. The same arguments give the same instance, byte for
byte (every random draw comes from :class:`random.Random` seeded with a string derived
from the seed and a purpose; nothing iterates a set or depends on the clock).

**Planted feasibility (LOS).** For every region the builder first decides a hidden plan:
each network's slot (weekday, block), its schoolopleider and second facilitator, and
its members. Then it derives the data from that plan so every rule of
``LOS_SEMANTICS.md`` holds for it: members are of the network's region and of allowed
kinds (L2: an opleiding network gets students first), need only components it offers
(L3: UU students only where a UU component is offered or UU students are admitted), are
free at its slot (L4: the slot's cell is never in their roster), live within the travel
limit (L7); facilitators are available at the slot with the right role, institution and
region (L5), an IO works on exactly the day of its network, nobody leads two planted
networks at one weekday and block (an SO leading two networks leads them at one
location), and every SO's capacity covers its planted members (L6). Sizes are within
bounds (L1) and pins point at the planted network.

The planted slots and duos also admit the yearly visits (L9, ``visits_per_year`` k of
the default settings): every network's duo can visit k others of its region and host k,
no pair both ways where the region has 2k+1 networks or more, a duo visiting only where
each member can attend both sessions (on one weekday the travel between the two schools
must fit between the blocks, L5) and leads neither the host nor a network clashing with
it. Spreading networks over weekdays and blocks does not ensure this by itself (three
networks on one weekday in neighbouring blocks at schools 20 minutes apart admit no
cycle: ``generate("tiny", 172)`` had no LOS plan), so after the facilitators are planted
a plain-Python check (a networkx b-matching, then an exact bounded search) tests each
region, and a region that fails gets its slots re-drawn from a stream of its own
(:func:`_plant_visitable_slots`). Regions that pass keep the draws they always had, so
only instances that used to miss the visits changed. ``visits_within_availability`` is
off in generated instances (the default); with it on, an IO available one day could only
visit networks of that day, which the plan does not promise. The plan is returned
(:class:`Planted`) but never written into the instance; the data around it stays open:
rosters are busy for 50-70 % of the blocks, most facilitators and slots are free
choices, and most learners fit several networks.

BV and TN parts are built the same way: the subsidised subset is seeded, coordinator
capacity is derived from the eligible counts (some regions exactly tight), and TN
participants come in planted groups of a feasible size.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TypeVar

from composer.builders.real_data import SchoolRecord
from composer.builders.tables import (
    DEFAULT_SCHOOL_YEARS,
    Tables,
    load_tables,
    nl_calendar,
    region_id,
    regions_of,
    to_school,
)
from composer.bv_rules import is_bv_eligible
from composer.los_rules import blocks_fit
from composer.model.index import great_circle_km
from composer.model.instance import (
    BvProgramme,
    Calendar,
    Component,
    Facilitator,
    Instance,
    Institution,
    Learner,
    LosNetwork,
    LosProgramme,
    LosSettings,
    Slot,
    Source,
    TnNetwork,
    TnParticipant,
    TnProgramme,
    TravelSettings,
    Unavailability,
    WeeklyRoster,
)

T = TypeVar("T")

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
DAY_WEIGHTS = {"mon": 1.0, "tue": 1.2, "wed": 1.0, "thu": 1.2, "fri": 0.6}
"""Networks meet less on Fridays."""
SLOT_BLOCK_WEIGHTS = (0.3, 0.5, 0.9, 1.2, 1.0)
"""Networks meet mostly in the afternoon and the late block."""
TEACH_BLOCK_WEIGHTS = (1.0, 1.0, 0.9, 0.7, 0.35)
"""Teaching is mostly in the morning; the late block is busy least."""

SOURCES: tuple[Source, ...] = (
    Source(
        name="DUO school locations (Nov 2024), geocoded with BAG, via edugis-repo/data-nl-scholen",
        url="https://github.com/edugis-repo/data-nl-scholen",
        licence="CC0 (DUO open data, BAG)",
    ),
    Source(
        name="DUO primary schools (holiday region, board) and pupils per location",
        url="https://duo.nl/open_onderwijsdata/",
        licence="CC0",
    ),
    Source(
        name="OpenHolidays API: Dutch school holidays (south spring 2027 corrected)",
        url="https://www.openholidaysapi.org",
        licence="ODbL 1.0, attribution: OpenHolidays API",
    ),
    Source(
        name="holidays (Python package): Dutch public holidays",
        url="https://github.com/vacanza/holidays",
        licence="MIT",
    ),
)

FIRST_NAMES = (
    "Anna", "Bram", "Chaima", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ilse", "Jesse",
    "Julia", "Kevin", "Lotte", "Mees", "Noor", "Omar", "Priya", "Quinten", "Rosa", "Sem",
    "Tess", "Umut", "Vera", "Wouter", "Yara", "Zeynep", "Ahmed", "Britt", "Cas", "Demi",
    "Emma", "Finn", "Hamza", "Iris", "Jan", "Kim", "Lars", "Mila", "Nina", "Olaf",
    "Pien", "Ruben", "Sara", "Thijs", "Wessel", "Yusuf", "Femke", "Joris", "Maaike", "Tim",
)  # fmt: skip
SURNAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
    "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
    "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
    "de Graaf", "van der Meer", "Kok", "Jacobs", "Yilmaz", "El Amrani", "Haddou",
    "van Wijk", "Willems", "Vermeulen", "van Dam", "Kuipers", "Postma", "Huisman",
    "Kaya", "Boukhari", "Nguyen", "Verhoeven", "Koster", "Prins", "Blom", "Wouters",
)  # fmt: skip
TN_THEMES = (
    "basisvaardigheden",
    "onderwijskundig leiderschap",
    "inclusief onderwijs",
    "lerarentekort en opleiden",
    "kansengelijkheid",
    "digitale geletterdheid",
)
TN_LEADER_FUNCTIONS = ("schoolleider", "teamleider")
TN_OTHER_FUNCTIONS = ("ib-er", "coordinator", "leraar", "bouwcoordinator")


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Preset:
    """Defaults of a preset; every field can be overridden by an option."""

    learners: int
    los_regions: int | None
    region: str | None
    min_size: int
    max_size: int
    tn_networks: int
    max_travel_minutes: float | None
    subset_schools: bool = False


PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        learners=12,
        los_regions=1,
        region=None,
        min_size=3,
        max_size=5,
        tn_networks=1,
        max_travel_minutes=60,
        subset_schools=True,
    ),
    "region": Preset(
        learners=595,
        los_regions=1,
        region="utrecht-en-omstreken",
        min_size=15,
        max_size=18,
        tn_networks=3,
        max_travel_minutes=60,
    ),
    "national": Preset(
        learners=21_000,
        los_regions=None,
        region=None,
        min_size=15,
        max_size=18,
        tn_networks=6,
        max_travel_minutes=60,
    ),
}
"""``tiny``: one region, a few schools, 3 networks of 3-5; ``region``: one region at the
scale of seed 000 (34 networks, ~600 learners, ~70 facilitators); ``national``: every
school of the country in BV, LOS in every region (>= 20,000 learners)."""

SUBSIDY_RATE = {"po": 0.29, "vo": 0.36, "go": 0.32}
"""Seeded share of schools marked as having received the basisvaardigheden subsidy (no
public list exists); gives ~2,400 eligible schools nationally."""
INDIVIDUAL_SUPPORT_RATE = 0.09
"""Share of subsidised schools that already receive individual support (excluded, B1)."""
TIGHT_REGION_RATE = 0.15
"""Share of regions whose coordinator capacity exactly equals the clusters needed."""


@dataclass
class Planted:
    """The hidden plan an instance was built around: proof that it is feasible.

    Never written into the instance. ``network_of`` maps every learner to a network,
    ``slot_of`` every network to its (weekday, block), ``so_of``/``second_of`` every
    network to its facilitators; ``tn_network_of`` maps every TN participant to a TN
    network. (BV needs no planted plan: any splittable sector-region can be split, and
    coordinator capacity is derived from the eligible counts.)
    """

    network_of: dict[str, str] = field(default_factory=dict)
    slot_of: dict[str, tuple[str, str]] = field(default_factory=dict)
    so_of: dict[str, str] = field(default_factory=dict)
    second_of: dict[str, str] = field(default_factory=dict)
    tn_network_of: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Generated:
    """An instance and the planted plan it was built around."""

    instance: Instance
    planted: Planted


# --------------------------------------------------------------------------- helpers


def _rng(seed: int, *purpose: object) -> random.Random:
    """An independent, reproducible stream per purpose (string seeds hash with SHA-512)."""
    return random.Random("/".join([str(seed), *map(str, purpose)]))


def _weighted_sample(
    rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int
) -> list[T]:
    """``k`` distinct items, drawn with probability proportional to weight (Efraimidis-
    Spirakis keys), in draw order."""
    keyed = [(rng.random() ** (1.0 / w) if w > 0 else 0.0, i) for i, w in enumerate(weights)]
    keyed.sort(reverse=True)
    return [items[i] for _, i in keyed[:k]]


def _choice(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def travel_minutes(a: SchoolRecord, b: SchoolRecord, settings: TravelSettings) -> int:
    """Travel minutes between two schools, exactly as ``InstanceIndex.travel_minutes``
    estimates them (great circle x detour / speed, rounded)."""
    if a.id == b.id:
        return 0
    km = great_circle_km(a.lat, a.lon, b.lat, b.lon) * settings.detour_factor
    return round(km / settings.speed_kmh * 60.0)


def _pupils(record: SchoolRecord) -> int:
    return record.pupils if record.pupils is not None else 300


def region_code(region: str, taken: set[str]) -> str:
    """A short code for ids: initials of the region id's words (``UEO``), made unique."""
    base = "".join(word[0] for word in region.split("-") if word).upper() or "R"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}{n}", n + 1
    taken.add(code)
    return code


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def _split_sizes(rng: random.Random, total: int, count: int, low: int, high: int) -> list[int]:
    """``count`` sizes in ``low..high`` summing to ``total`` (which must fit)."""
    sizes = [low] * count
    rest = total - low * count
    open_ = list(range(count))
    while rest > 0:
        i = rng.choice(open_)
        sizes[i] += 1
        rest -= 1
        if sizes[i] == high:
            open_.remove(i)
    return sizes


def network_count(learners: int, low: int, high: int) -> tuple[int, int]:
    """(networks, learners) for a region: about ``high - 0.5`` learners per network,
    with the learner count nudged so it fits ``low..high`` per network."""
    learners = max(learners, low)
    count = max(1, round(learners / (high - 0.5)))
    count = min(max(count, math.ceil(learners / high)), max(1, learners // low))
    learners = min(max(learners, low * count), high * count)
    return count, learners


# --------------------------------------------------------------------------- LOS


@dataclass
class _NetSpec:
    id: str
    type: str
    institution: str | None
    components: tuple[str, ...]
    admits_uu: bool
    location: SchoolRecord
    size: int = 0
    day: str = ""
    block: str = ""
    so: str = ""
    second: str = ""


def _network_kinds(n: int) -> list[tuple[str, str | None, tuple[str, ...], bool]]:
    """(type, institution, components, admits_uu) for ``n`` networks, in the seed's
    proportions: of 34, 5 inductie, 1 mixed, 16 with Pedagogisch Handelen, 13 with
    Professional in Praktijk (3 offer both), 2 without a component."""
    n_ind = round(n * 5 / 34)
    if n >= 3:
        n_ind = max(n_ind, 1)
    n_mixed = 1 if n >= 8 else 0
    n_opl = n - n_ind - n_mixed
    n_ph = min(n_opl, round(n * 16 / 34)) if n_opl else 0
    n_pip = min(n_opl, round(n * 13 / 34)) if n_opl else 0
    if n_opl >= 2:
        n_ph, n_pip = max(n_ph, 1), max(n_pip, 1)
    both = min(n_ph, n_pip, max(n_ph + n_pip - n_opl, round(n * 3 / 34)))
    ph_only, pip_only = n_ph - both, n_pip - both
    neither = n_opl - ph_only - pip_only - both
    if neither < 0:  # tiny counts: trim the PH-only networks first
        ph_only += neither
        neither = 0
    kinds: list[tuple[str, str | None, tuple[str, ...], bool]] = []
    kinds += [("opleiding", "HU", ("PH",), False)] * ph_only
    kinds += [("opleiding", "UU", ("PIP",), False)] * pip_only
    kinds += [("opleiding", None, ("PH", "PIP"), False)] * both
    kinds += [("opleiding", "HU", (), True)] * neither
    kinds += [("mixed", None, (), False)] * n_mixed
    kinds += [("inductie", None, (), False)] * n_ind
    return kinds


@dataclass
class _RegionLos:
    networks: list[LosNetwork]
    facilitators: list[Facilitator]
    learners: list[Learner]
    training_schools: set[str]


def _roster(
    rng: random.Random, free_cell: tuple[str, str], blocks: Sequence[str], kind: str, parttime: bool
) -> tuple[WeeklyRoster, int]:
    """A weekly roster busy for 50-70 % of the cells, never at ``free_cell``.

    Students spend one or two days at their institute (the whole day busy), part-timers
    have a day off (busy: they cannot attend); teaching blocks are drawn mostly in the
    morning. Returns the roster and its busy cell count.
    """
    cells = [(d, b) for d in WEEKDAYS for b in blocks]
    target = round(rng.uniform(0.5, 0.7) * len(cells))
    other_days = [d for d in WEEKDAYS if d != free_cell[0]]
    away_days: list[str] = []
    if kind in ("student", "uu_student"):
        away_days = rng.sample(other_days, rng.choice((1, 2)) if len(other_days) > 1 else 1)
    elif parttime:
        away_days = rng.sample(other_days, 1)
    busy = {(d, b) for d in away_days for b in blocks}
    candidates = [c for c in cells if c not in busy and c != free_cell]
    weights = [
        TEACH_BLOCK_WEIGHTS[blocks.index(b) % len(TEACH_BLOCK_WEIGHTS)] for _, b in candidates
    ]
    need = max(0, target - len(busy))
    busy.update(_weighted_sample(rng, candidates, weights, min(need, len(candidates))))
    busy.discard(free_cell)
    per_day = {d: tuple(b for b in blocks if (d, b) in busy) for d in WEEKDAYS}
    return WeeklyRoster(**per_day), len(busy)


KIND_MIX: dict[str, dict[str, float]] = {
    "PH": {"student": 0.55, "starter": 0.17, "zij_instromer": 0.12, "statushouder": 0.05,
           "onbevoegd": 0.11},
    "PIP": {"uu_student": 0.40, "student": 0.20, "starter": 0.17, "zij_instromer": 0.10,
            "statushouder": 0.04, "onbevoegd": 0.09},
    "PH+PIP": {"student": 0.35, "uu_student": 0.25, "starter": 0.17, "zij_instromer": 0.10,
               "statushouder": 0.04, "onbevoegd": 0.09},
    "open": {"student": 0.50, "uu_student": 0.10, "starter": 0.18, "zij_instromer": 0.10,
             "statushouder": 0.04, "onbevoegd": 0.08},
    "mixed": {"student": 0.30, "starter": 0.30, "zij_instromer": 0.15, "statushouder": 0.10,
              "onbevoegd": 0.15},
    "inductie": {"starter": 0.45, "zij_instromer": 0.22, "statushouder": 0.10,
                 "onbevoegd": 0.15, "student": 0.08},
}  # fmt: skip
"""Learner kinds per network profile (proportions of seed 000's description: opleiding
networks are mostly students, inductie networks starters, zij-instromers, statushouders
and onbevoegden)."""


def _profile(spec: _NetSpec) -> str:
    if spec.type == "inductie":
        return "inductie"
    if spec.type == "mixed":
        return "mixed"
    has_ph, has_pip = "PH" in spec.components, any(c.startswith("PIP") for c in spec.components)
    if has_ph and has_pip:
        return "PH+PIP"
    if has_ph:
        return "PH"
    if has_pip:
        return "PIP"
    return "open"


def _plant_slots(rng: random.Random, specs: list[_NetSpec], blocks: list[str]) -> None:
    """Give every network a planted (weekday, block).

    Networks are spread over ``min(5, n // 3)`` weekdays (Friday least likely), so a
    weekday in use has at least three networks; within a weekday no block holds more
    than half of that day's networks. Blocks lean to the afternoon. This alone does not
    make the L9 visit cycle possible: it ignores the travel between two schools on one
    weekday (neighbouring blocks are 15 minutes apart), so :func:`_plant_visitable_slots`
    checks the result and re-draws where needed.
    """
    n = len(specs)
    k = max(1, min(len(WEEKDAYS), n // 3))
    days = _weighted_sample(rng, list(WEEKDAYS), [DAY_WEIGHTS[d] for d in WEEKDAYS], k)
    order = list(range(n))
    rng.shuffle(order)
    per_day: dict[str, list[_NetSpec]] = defaultdict(list)
    for rank, i in enumerate(order):
        per_day[days[rank % k]].append(specs[i])
    weights = list(SLOT_BLOCK_WEIGHTS[: len(blocks)]) + [1.0] * (
        len(blocks) - len(SLOT_BLOCK_WEIGHTS)
    )
    for day in sorted(per_day, key=WEEKDAYS.index):
        group = per_day[day]
        cap = max(1, len(group) // 2) if len(group) > 1 else 1
        used: Counter[str] = Counter()
        for spec in group:
            open_blocks = [b for b in blocks if used[b] < cap] or list(blocks)
            block = rng.choices(
                open_blocks, weights=[weights[blocks.index(b)] for b in open_blocks]
            )[0]
            used[block] += 1
            spec.day, spec.block = day, block


VISIT_REPAIR_TRIES = 200
"""How many times :func:`_plant_visitable_slots` re-draws a region's slots (L9)."""
VISIT_SEARCH_STEPS = 100_000
"""Steps of the exact search :func:`_visit_plan_exists` tries after the matching."""


def _one_person_fits(
    a: _NetSpec,
    b: _NetSpec,
    block_minutes: Mapping[str, tuple[int, int]],
    travel: TravelSettings,
) -> bool:
    """L5 for one person: can someone attend ``a``'s planted session and ``b``'s? Different
    weekdays always fit, one slot never; on one weekday the earlier block's end plus the
    travel between the two schools must not pass the later block's start
    (:func:`composer.los_rules.travel_fits`, on the planted specs)."""
    if a.day != b.day:
        return True
    if a.block == b.block:
        return False
    (a0, a1), (b0, b1) = block_minutes[a.block], block_minutes[b.block]
    return blocks_fit(a0, a1, b0, b1, travel_minutes(a.location, b.location, travel))


def _planted_visit_arcs(
    specs: Sequence[_NetSpec],
    block_minutes: Mapping[str, tuple[int, int]],
    travel: TravelSettings,
) -> list[tuple[int, int]]:
    """L9: the visits (visitor, host) positions the planted plan allows: the duo of v (its
    planted SO and second facilitator) can attend v's session and h's (one person, L5),
    leads neither h nor any other network whose session clashes with h's (as
    :func:`composer.solvers.los_model.visit_fits` and ``duo_free`` ask). The generated
    instances keep ``visits_within_availability`` off (the default), so availability at
    h's slot is not asked."""
    led: dict[str, list[int]] = defaultdict(list)
    for i, spec in enumerate(specs):
        led[spec.so].append(i)
        led[spec.second].append(i)
    arcs = []
    for v, visitor in enumerate(specs):
        busy = sorted({m for person in (visitor.so, visitor.second) for m in led[person]})
        for h, host in enumerate(specs):
            if h == v or h in busy:
                continue
            if all(_one_person_fits(specs[m], host, block_minutes, travel) for m in busy):
                arcs.append((v, h))
    return arcs


def _visit_plan_exists(n: int, k: int, arcs: Sequence[tuple[int, int]]) -> bool:
    """L9: do ``arcs`` hold a visit plan for ``n`` networks: ``k`` visits out and ``k`` in
    each, no pair visiting each other when ``n >= 2k + 1`` (the solvers' visit model)?

    First a maximum b-matching (networkx max flow, visitor side -> host side): without
    one no plan exists; with one, mutual pairs are swapped away (a -> b, b -> a and c ->
    d become a -> d and c -> b). Where that does not finish, an exact depth-first search
    of at most :data:`VISIT_SEARCH_STEPS` steps decides; running out counts as "no plan"
    (the caller then re-draws, which only ever costs a seed its old instance).
    """
    import networkx as nx

    if k <= 0 or n < k + 1:
        return True  # the solvers leave such a region out of the visits
    forbid_mutual = n >= 2 * k + 1
    allowed = set(arcs)
    # integer nodes (visitor v is v, host h is n + h): the flow is deterministic
    source, sink = 2 * n, 2 * n + 1
    graph = nx.DiGraph()
    for node in range(n):
        graph.add_edge(source, node, capacity=k)
        graph.add_edge(n + node, sink, capacity=k)
    for v, h in sorted(allowed):
        graph.add_edge(v, n + h, capacity=1)
    value, flow = nx.maximum_flow(graph, source, sink)
    if value < n * k:
        return False
    chosen = {(v, h) for v, h in sorted(allowed) if flow[v][n + h] > 0}
    if not forbid_mutual or _swap_away_mutual(chosen, allowed):
        return True
    return _search_visits(n, k, allowed, forbid_mutual)


def _swap_away_mutual(chosen: set[tuple[int, int]], allowed: set[tuple[int, int]]) -> bool:
    """Remove every pair visiting each other from ``chosen`` (in place) by 2-swaps with
    another chosen arc, keeping every degree; False when some pair stays."""
    for a, b in sorted(chosen):
        if (a, b) not in chosen or (b, a) not in chosen:
            continue
        for c, d in sorted(chosen):
            new = ((a, d), (c, b))
            if (
                c in (a, b)
                or d in (a, b)
                or any(arc not in allowed or arc in chosen for arc in new)
                or (d, a) in chosen
                or (b, c) in chosen
            ):
                continue
            chosen.difference_update({(a, b), (c, d)})
            chosen.update(new)
            break
        else:
            return False
    return True


def _search_visits(n: int, k: int, allowed: set[tuple[int, int]], forbid_mutual: bool) -> bool:
    """Exact depth-first search for a visit plan (see :func:`_visit_plan_exists`):
    visitors with the fewest hosts first, pruned when a host cannot collect k visitors
    any more; False also when :data:`VISIT_SEARCH_STEPS` steps were not enough."""
    hosts_of = {v: sorted(h for w, h in allowed if w == v) for v in range(n)}
    order = sorted(range(n), key=lambda v: (len(hosts_of[v]), v))
    into = [0] * n
    chosen: set[tuple[int, int]] = set()
    steps = 0

    def reachable(rest: Sequence[int]) -> bool:
        can = list(into)
        for v in rest:
            for h in hosts_of[v]:
                can[h] += 1
        return all(c >= k for c in can)

    def go(pos: int) -> bool:
        nonlocal steps
        if pos == n:
            return True
        v = order[pos]
        options = [
            h for h in hosts_of[v] if into[h] < k and not (forbid_mutual and (h, v) in chosen)
        ]
        for hosts in combinations(options, k):
            steps += 1
            if steps > VISIT_SEARCH_STEPS:
                return False
            for h in hosts:
                into[h] += 1
                chosen.add((v, h))
            found = reachable(order[pos + 1 :]) and go(pos + 1)
            for h in hosts:
                into[h] -= 1
                chosen.discard((v, h))
            if found:
                return True
        return False

    return reachable(order) and go(0)


def _planted_visits_fit(
    specs: Sequence[_NetSpec],
    block_minutes: Mapping[str, tuple[int, int]],
    travel: TravelSettings,
    k: int,
) -> bool:
    """L5 and L9 on the planted slots and facilitators of one region: every planted
    leader can attend all their networks (one person, travel included), and the duos
    admit the visit cycle of ``k`` visits a year."""
    by_leader: dict[str, list[_NetSpec]] = defaultdict(list)
    for spec in specs:
        by_leader[spec.so].append(spec)
        by_leader[spec.second].append(spec)
    for nets in by_leader.values():
        for a, b in combinations(nets, 2):
            if not _one_person_fits(a, b, block_minutes, travel):
                return False
    return _visit_plan_exists(len(specs), k, _planted_visit_arcs(specs, block_minutes, travel))


def _plant_visitable_slots(
    seed: int,
    region: str,
    specs: list[_NetSpec],
    blocks: list[str],
    block_minutes: Mapping[str, tuple[int, int]],
    travel: TravelSettings,
) -> None:
    """Make the planted slots admit the L9 visit cycle, re-drawing them where they do not.

    :func:`_plant_slots` spreads the networks over weekdays and blocks but cannot see
    travel: two networks in neighbouring blocks (15 minutes apart) at schools 20 minutes
    apart cannot visit each other, and three networks on one weekday (a tiny region) may
    leave no cycle. When the planted slots and facilitators fail :func:`_planted_visits_fit`,
    the slots are drawn again by :func:`_plant_slots` from a stream of their own
    (``seed/los-visits/region/try``), up to :data:`VISIT_REPAIR_TRIES` times; the main
    stream is not touched, so a region whose planted slots already admit the visits keeps
    its instance byte for byte. Raises ``RuntimeError`` if no try fits (never seen: the
    seeds tested need at most a few tries).
    """
    k = LosSettings().visits_per_year
    if _planted_visits_fit(specs, block_minutes, travel, k):
        return
    for attempt in range(1, VISIT_REPAIR_TRIES + 1):
        _plant_slots(_rng(seed, "los-visits", region, attempt), specs, blocks)
        if _planted_visits_fit(specs, block_minutes, travel, k):
            return
    raise RuntimeError(
        f"region {region}: no planted slots admit the L9 visits after "
        f"{VISIT_REPAIR_TRIES} tries (seed {seed})"
    )


def build_region_los(
    seed: int,
    region: str,
    code: str,
    vo_schools: list[SchoolRecord],
    learners: int,
    low: int,
    high: int,
    blocks: Sequence[str],
    travel: TravelSettings,
    max_travel: float | None,
    planted: Planted,
    block_minutes: Mapping[str, tuple[int, int]],
) -> _RegionLos:
    """Networks, facilitators and learners of one region around a planted plan.

    ``block_minutes`` gives each time block's (start, end) in minutes since midnight, for
    the travel between sessions on one weekday (L5, L9).
    """
    rng = _rng(seed, "los", region)
    n_networks, learners = network_count(learners, low, high)
    kinds = _network_kinds(n_networks)
    rng.shuffle(kinds)

    # ---- locations: training schools, bigger schools more likely; up to 3 networks each
    by_size = sorted(vo_schools, key=lambda s: (-_pupils(s), s.id))
    n_locations = max(1, min(len(by_size), round(n_networks * 0.75)))
    locations = _weighted_sample(rng, by_size, [_pupils(s) ** 0.5 for s in by_size], n_locations)
    hosted: Counter[str] = Counter()
    specs: list[_NetSpec] = []
    for i, (ntype, owner, comps, admits) in enumerate(kinds):
        if i < len(locations):
            loc = locations[i]
        else:
            options = [s for s in locations if hosted[s.id] < 3] or locations
            loc = rng.choices(options, weights=[_pupils(s) for s in options], k=1)[0]
        hosted[loc.id] += 1
        components = comps
        if "PIP" in comps:
            pip = rng.choices((("PIP1", "PIP2"), ("PIP1",), ("PIP2",)), (0.4, 0.3, 0.3))[0]
            components = tuple(c for c in comps if c != "PIP") + pip
        if ntype == "opleiding" and "PH" in comps and "PIP" not in comps and rng.random() < 0.3:
            admits = True
        specs.append(_NetSpec(f"{code}-N{i + 1:02d}", ntype, owner, components, admits, loc))
    sizes = _split_sizes(rng, learners, n_networks, low, high)
    for spec, size in zip(specs, sizes, strict=True):
        spec.size = size

    # ---- planted slots: spread over weekdays and blocks (checked for L9 below, once the
    # facilitators are planted)
    _plant_slots(rng, specs, list(blocks))

    # ---- planted facilitators
    facilitators: list[Facilitator] = []
    networks_at: dict[str, list[_NetSpec]] = defaultdict(list)
    for spec in specs:
        networks_at[spec.location.id].append(spec)
    so_networks: dict[str, list[_NetSpec]] = {}
    so_home: dict[str, str] = {}
    for loc_id in sorted(networks_at):
        group = networks_at[loc_id]
        # one SO leads up to two networks of a location (never two at one slot), and only
        # in a region with enough networks for the visit cycle to avoid that pair (L9: a
        # duo cannot visit a network one of its members leads; with k visits a year a
        # region of 2k+1 networks or fewer may need every pair)
        chunks: list[list[_NetSpec]] = []
        may_share = n_networks >= 2 * LosSettings().visits_per_year + 2
        for spec in group:
            last = chunks[-1] if chunks else None
            if (
                may_share
                and last is not None
                and len(last) < 2
                and (last[0].day, last[0].block) != (spec.day, spec.block)
                and rng.random() < 0.6
            ):
                last.append(spec)
            else:
                chunks.append([spec])
        for chunk in chunks:
            so_id = f"{code}-SO{len(so_networks) + 1:02d}"
            so_networks[so_id] = chunk
            so_home[so_id] = loc_id
    n_io = n_sb = 0
    for so_id, chunk in so_networks.items():
        for spec in chunk:
            spec.so = so_id
            if spec.type == "inductie":
                n_sb += 1
                spec.second = f"{code}-SB{n_sb:02d}"
            else:
                n_io += 1
                spec.second = f"{code}-IO{n_io:02d}"

    # ---- L9: the planted slots and duos must admit the visit cycle; where travel between
    # neighbouring blocks breaks it, the slots are drawn again (their own rng stream)
    _plant_visitable_slots(seed, region, specs, list(blocks), block_minutes, travel)
    for so_id, chunk in so_networks.items():
        load = sum(s.size for s in chunk)
        need = math.ceil(load * 10 / 20) / 10  # days at 20 learners a day, 0.1 day steps
        capacity = max(need, rng.choice((0.8, 1.0, 1.0, 1.2, 1.5)))
        planted_days = {s.day for s in chunk}
        extra = rng.sample([d for d in WEEKDAYS if d not in planted_days], rng.randint(1, 3))
        facilitators.append(
            Facilitator(
                id=so_id,
                name=_name(rng),
                role="schoolopleider",
                home_school=so_home[so_id],
                regions=(region,),
                available_days=tuple(d for d in WEEKDAYS if d in planted_days or d in extra),
                capacity_days=round(capacity, 1),
                max_groups=2 if rng.random() < 0.3 else None,
            )
        )
    for spec in specs:
        if spec.type == "inductie":
            other = rng.sample([d for d in WEEKDAYS if d != spec.day], rng.randint(1, 3))
            facilitators.append(
                Facilitator(
                    id=spec.second,
                    name=_name(rng),
                    role="schoolbegeleider",
                    home_school=spec.location.id,
                    regions=(region,),
                    available_days=tuple(d for d in WEEKDAYS if d == spec.day or d in other),
                    max_groups=rng.choice((1, 2, None)),
                )
            )
        else:
            io_institution = spec.institution or rng.choice(("HU", "UU"))
            facilitators.append(
                Facilitator(
                    id=spec.second,
                    name=_name(rng),
                    role="instituutsopleider",
                    institution=io_institution,
                    regions=(region,),
                    available_days=(spec.day,),
                )
            )
    # spare facilitators the solver may choose instead
    for k in range(max(1, round(n_networks * 0.09))):
        facilitators.append(
            Facilitator(
                id=f"{code}-SO{len(so_networks) + k + 1:02d}",
                name=_name(rng),
                role="schoolopleider",
                home_school=rng.choice(locations).id,
                regions=(region,),
                available_days=tuple(sorted(rng.sample(WEEKDAYS, 3), key=WEEKDAYS.index)),
                capacity_days=1.0,
            )
        )
    for k in range(max(1, round(n_networks * 0.06))):
        facilitators.append(
            Facilitator(
                id=f"{code}-IO{n_io + k + 1:02d}",
                name=_name(rng),
                role="instituutsopleider",
                institution=rng.choice(("HU", "UU")),
                regions=(region,),
                available_days=(_choice(rng, DAY_WEIGHTS),),
            )
        )
    if n_sb:
        facilitators.append(
            Facilitator(
                id=f"{code}-SB{n_sb + 1:02d}",
                name=_name(rng),
                role="schoolbegeleider",
                regions=(region,),
                available_days=tuple(sorted(rng.sample(WEEKDAYS, 2), key=WEEKDAYS.index)),
            )
        )

    # ---- network rows: most facilitators fixed (the IO is linked to its network), some open
    networks: list[LosNetwork] = []
    minutes_from: dict[str, dict[str, int]] = {}
    for spec in specs:
        if spec.location.id not in minutes_from:
            minutes_from[spec.location.id] = {
                s.id: travel_minutes(spec.location, s, travel) for s in vo_schools
            }
        tt = minutes_from[spec.location.id]
        near = sorted(
            (s for s in vo_schools if s.id != spec.location.id), key=lambda s: (tt[s.id], s.id)
        )
        partners: tuple[str, ...] = ()
        if rng.random() < 0.4:
            partners = tuple(s.id for s in near[: rng.randint(1, 3)] if tt[s.id] <= 20)
        own_limit = None
        if max_travel is not None and rng.random() < 0.1:
            own_limit = float(max(30, int(max_travel) - 15))
        networks.append(
            LosNetwork(
                id=spec.id,
                name=f"Leernetwerk {spec.location.name[:40]}".strip(),
                region=region,
                type=spec.type,
                institution=spec.institution,
                mixed_agreed=spec.type == "mixed",
                min_students=3 if spec.type == "opleiding" and rng.random() < 0.2 else None,
                components=spec.components,
                admits_uu_students=spec.admits_uu,
                location=spec.location.id,
                partner_schools=partners,
                schoolopleider=spec.so if rng.random() < 0.8 else None,
                second_facilitator=spec.second if rng.random() < 0.8 else None,
                slot=Slot(weekday=spec.day, block=spec.block) if rng.random() < 0.08 else None,
                diversity=spec.type in ("inductie", "mixed"),
                max_travel_minutes=own_limit,
            )
        )
        planted.slot_of[spec.id] = (spec.day, spec.block)
        planted.so_of[spec.id] = spec.so
        planted.second_of[spec.id] = spec.second

    # ---- learners around the planted networks
    learner_rows: list[tuple[Learner, str]] = []
    for spec, net in zip(specs, networks, strict=True):
        limit = net.max_travel_minutes if net.max_travel_minutes is not None else max_travel
        reach = min(35.0, limit) if limit is not None else 35.0
        tt = minutes_from[spec.location.id]
        homes = [spec.location] + [
            s for s in vo_schools if s.id != spec.location.id and tt[s.id] <= reach
        ]
        home_weights = [6.0] + [
            (3.0 if s.id in net.partner_schools else 1.0) / (1 + tt[s.id] / 10) for s in homes[1:]
        ]
        profile = _profile(spec)
        mix = KIND_MIX[profile]
        if spec.admits_uu and profile == "PH":
            mix = {**mix, "uu_student": 0.08}
        need_students = (net.min_students or 1) if spec.type == "opleiding" else 0
        student_kind = "uu_student" if profile == "PIP" else "student"
        pip_offered = [c for c in spec.components if c.startswith("PIP")]
        for j in range(spec.size):
            kind = (
                student_kind
                if j < need_students + 1 and spec.type == "opleiding"
                else (_choice(rng, mix))
            )
            lid = f"{code}-draft{len(learner_rows) + 1}"
            year: int | None = None
            mode: str | None = None
            needs: tuple[str, ...] = ()
            inst: str | None = None
            if kind == "student":
                inst = "HU"
                mode = "parttime" if rng.random() < 0.25 else "fulltime"
                if "PH" in spec.components and rng.random() < 0.5:
                    year, needs = 2, ("PH",)
                else:
                    year = (
                        rng.choice((3, 4)) if "PH" not in spec.components else rng.choice((2, 3, 4))
                    )
            elif kind == "uu_student":
                inst = "UU"
                mode = "fulltime"
                if pip_offered and rng.random() < 0.8:
                    comp = rng.choice(pip_offered)
                    year, needs = (1 if comp == "PIP1" else 2), (comp,)
                else:
                    year = rng.choice((1, 2))
            parttime = kind not in ("student", "uu_student") and rng.random() < 0.35
            home = rng.choices(homes, weights=home_weights, k=1)[0]
            roster, _ = _roster(rng, (spec.day, spec.block), blocks, kind, parttime)
            preferred: tuple[str, ...] = ()
            if rng.random() < 0.2:
                pool = [n.id for n in networks if n.id != spec.id]
                picks = rng.sample(pool, min(len(pool), rng.randint(0, 1)))
                if rng.random() < 0.6:
                    picks.insert(0, spec.id)
                preferred = tuple(picks)
            learner_rows.append(
                (
                    Learner(
                        id=lid,
                        name=_name(rng),
                        kind=kind,
                        institution=inst,
                        home_school=home.id,
                        year=year,
                        study_mode=mode,
                        needs=needs,
                        roster=roster,
                        preferred_networks=preferred,
                        network=spec.id if rng.random() < 0.01 else None,
                    ),
                    spec.id,
                )
            )
    # shuffle so the planted groups are not contiguous in the file, then number them
    rng.shuffle(learner_rows)
    renamed: list[Learner] = []
    for new_i, (draft, net_id) in enumerate(learner_rows):
        new_id = f"{code}-L{new_i + 1:04d}"
        renamed.append(draft.model_copy(update={"id": new_id}))
        planted.network_of[new_id] = net_id
    return _RegionLos(networks, facilitators, renamed, {s.id for s in locations})


# --------------------------------------------------------------------------- BV


def bv_flags(
    seed: int, schools: Sequence[SchoolRecord], rates: dict[str, float] | None = None
) -> dict[str, tuple[bool, bool]]:
    """(subsidised, individual support) per school id: a seeded subset (B1).

    No public list of subsidised schools exists, so each school is drawn with its
    sector's rate; a drawn school gets individual support (and is excluded) with
    :data:`INDIVIDUAL_SUPPORT_RATE`. The draw of a school depends only on the seed and
    its id, so a school has the same flags in every preset.
    """
    rates = rates or SUBSIDY_RATE
    flags = {}
    for school in schools:
        rng = _rng(seed, "bv", school.id)
        subsidy = rng.random() < rates[school.sector]
        support = subsidy and rng.random() < INDIVIDUAL_SUPPORT_RATE
        flags[school.id] = (subsidy, support)
    return flags


def _splittable(count: int, low: int, high: int) -> bool:
    return count == 0 or any(k * low <= count <= k * high for k in range(1, count // low + 1))


def build_coordinators(
    seed: int,
    schools: Sequence[SchoolRecord],
    flags: dict[str, tuple[bool, bool]],
    low: int,
    high: int,
    regions_taken: dict[str, str],
) -> list[Facilitator]:
    """OCW coordinators per region whose total ``max_groups`` covers the clusters (B4).

    A region needs at least ``ceil(n / high)`` clusters per splittable sector; its
    coordinators get that many plus about a quarter more, except in tight regions
    (:data:`TIGHT_REGION_RATE`) where the capacity is exactly the minimum. A few
    coordinators also work in the nearest other region (which only adds capacity there).
    """
    eligible: dict[str, Counter[str]] = defaultdict(Counter)
    centre: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for s in schools:
        centre[region_id(s.region)].append((s.lat, s.lon))
        subsidy, support = flags[s.id]
        if subsidy and not support:
            eligible[region_id(s.region)][s.sector] += 1
    regions = sorted(centre)
    mid = {
        r: (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
        for r, pts in centre.items()
    }
    rng = _rng(seed, "coordinators")
    tight = {r for r in regions if rng.random() < TIGHT_REGION_RATE}
    out: list[Facilitator] = []
    for region in regions:
        counts = eligible.get(region)
        if not counts:
            continue
        need = sum(math.ceil(n / high) for n in counts.values() if n and _splittable(n, low, high))
        capacity = need if region in tight else need + max(1, math.ceil(need * 0.25))
        capacity = max(capacity, 1)
        neighbours = sorted(
            (r for r in regions if r != region and r not in tight),
            key=lambda r: (great_circle_km(*mid[region], *mid[r]), r),
        )
        k = 0
        while capacity > 0:
            k += 1
            groups = min(capacity, rng.randint(4, 8))
            capacity -= groups
            areas: tuple[str, ...] = (region,)
            if neighbours and region not in tight and rng.random() < 0.1:
                areas = (region, neighbours[0])
            out.append(
                Facilitator(
                    id=f"OCW-{regions_taken[region]}-{k}",
                    name=_name(rng),
                    role="ocw_coordinator",
                    institution="OCW",
                    regions=areas,
                    available_days=tuple(
                        sorted(rng.sample(WEEKDAYS, rng.randint(3, 4)), key=WEEKDAYS.index)
                    ),
                    max_groups=groups,
                )
            )
    return out


# --------------------------------------------------------------------------- TN


def _free_day(
    calendar: Calendar, holiday_region: str, start: dt.date, weekdays: tuple[int, ...]
) -> dt.date:
    """The first day from ``start`` on one of ``weekdays`` outside holidays."""
    publics = {p.date for p in calendar.public_holidays}
    day = start
    while True:
        in_holiday = any(
            h.holiday_region == holiday_region and h.start <= day <= h.end
            for h in calendar.holidays
        )
        if day.weekday() in weekdays and not in_holiday and day not in publics:
            return day
        day += dt.timedelta(days=1)


def build_tn(
    seed: int,
    n_networks: int,
    schools: Sequence[SchoolRecord],
    region_ids: Sequence[str],
    planted: Planted,
) -> tuple[list[TnNetwork], list[TnParticipant], list[Facilitator]]:
    """TN networks with planted member groups of 4-5 schools, two people per school (T3).

    Even-numbered networks are homogeneous on sector (one sector's schools), odd ones
    diverse on function. Planted sizes (8-10) keep the minimum of 6 even with the
    expected absence (T7).
    """
    rng = _rng(seed, "tn")
    if n_networks <= 0 or not region_ids:
        return [], [], []
    by_region: dict[str, list[SchoolRecord]] = defaultdict(list)
    for s in schools:
        by_region[region_id(s.region)].append(s)
    used: set[str] = set()
    networks: list[TnNetwork] = []
    participants: list[TnParticipant] = []
    n_pb = math.ceil(n_networks / 2)
    facilitators = [
        Facilitator(
            id=f"PB{k + 1:02d}",
            name=_name(rng),
            role="procesbegeleider",
            regions=tuple(sorted(set(region_ids))),
            max_groups=2,
        )
        for k in range(n_pb)
    ]
    for i in range(n_networks):
        region = region_ids[i % len(region_ids)]
        theme = TN_THEMES[i % len(TN_THEMES)]
        homogeneous = i % 2 == 0
        pool = [s for s in by_region[region] if s.id not in used]
        if homogeneous:
            sector = "po" if sum(s.sector == "po" for s in pool) >= 5 else "vo"
            pool = [s for s in pool if s.sector == sector]
        n_schools = min(len(pool), rng.choice((4, 5)))
        if n_schools < 4:
            continue
        anchor = rng.choice(pool)
        pool.sort(key=lambda s: (great_circle_km(anchor.lat, anchor.lon, s.lat, s.lon), s.id))
        members = pool[:n_schools]
        net_id = f"TN{len(networks) + 1:02d}"
        networks.append(
            TnNetwork(
                id=net_id,
                name=f"Netwerk {theme}",
                theme=theme,
                region=region,
                facilitator=facilitators[len(networks) // 2].id,
                composition="homogeneous" if homogeneous else "diverse",
                composition_attribute="sector" if homogeneous else "function",
                min_size=6,
                max_size=12,
                expected_absence=rng.choice((0.1, 0.15)),
                helpers_per_meeting=rng.choice((1, 2)),
            )
        )
        for school in members:
            used.add(school.id)
            for function in (rng.choice(TN_LEADER_FUNCTIONS), rng.choice(TN_OTHER_FUNCTIONS)):
                pid = f"TNP{len(participants) + 1:03d}"
                others = [t for t in TN_THEMES if t != theme]
                themes = (theme, rng.choice(others))
                if rng.random() < 0.15:
                    themes = (themes[1], themes[0])
                participants.append(
                    TnParticipant(
                        id=pid, name=_name(rng), school=school.id, function=function, themes=themes
                    )
                )
                planted.tn_network_of[pid] = net_id
    used_pb = {n.facilitator for n in networks}
    return networks, participants, [f for f in facilitators if f.id in used_pb]


# --------------------------------------------------------------------------- instance


INSTITUTIONS: tuple[Institution, ...] = (
    Institution(
        id="HU", name="Hogeschool Utrecht", lat=52.0842, lon=5.1731, holiday_region="middle"
    ),
    Institution(
        id="UU", name="Universiteit Utrecht", lat=52.0859, lon=5.1775, holiday_region="middle"
    ),
    Institution(
        id="OCW",
        name="Ministerie van Onderwijs, Cultuur en Wetenschap",
        lat=52.0799,
        lon=4.3238,
        holiday_region="middle",
    ),
)
"""The teacher-education institutes of seed 000 and the ministry (approximate locations).
Generated regions outside Utrecht also work with "HU" and "UU": they stand for the
region's hogeschool and university teacher-education institutes."""

COMPONENTS: tuple[Component, ...] = (
    Component(id="PH", name="Pedagogisch Handelen", institution="HU"),
    Component(id="PIP1", name="Professional in Praktijk 1", institution="UU"),
    Component(id="PIP2", name="Professional in Praktijk 2", institution="UU"),
)


def _tiny_subset(
    seed: int, region_schools: list[SchoolRecord]
) -> tuple[list[SchoolRecord], dict[str, tuple[bool, bool]]]:
    """A handful of schools around the region's largest secondary school, with BV flags
    that give one clusterable po group (9 eligible), one vo group (5) and a go group of
    2 (impossible, B8)."""
    rng = _rng(seed, "tiny")
    vo = [s for s in region_schools if s.sector == "vo"]
    if not vo:
        raise ValueError("the tiny preset needs a region with a secondary school")
    hub = max(vo, key=lambda s: (_pupils(s), s.id))

    def nearest(sector: str, k: int) -> list[SchoolRecord]:
        pool = [s for s in region_schools if s.sector == sector]
        pool.sort(key=lambda s: (great_circle_km(hub.lat, hub.lon, s.lat, s.lon), s.id))
        return pool[:k]

    po, vos, go = nearest("po", 10), nearest("vo", 5), nearest("go", 3)
    flags = {s.id: (True, False) for s in po + vos}
    flags[rng.choice(po).id] = (True, True)
    for i, s in enumerate(go):
        flags[s.id] = (i < 2, False)
    subset = sorted(po + vos + go, key=lambda s: s.id)
    return subset, flags


def generate(
    preset: str,
    seed: int,
    *,
    learners: int | None = None,
    regions: int | None = None,
    region: str | None = None,
    tn_networks: int | None = None,
    name: str | None = None,
    tables: Tables | None = None,
) -> Generated:
    """Build a seeded instance of ``preset`` (``tiny``, ``region``, ``national``).

    ``learners``: LOS learners in total; ``regions``: how many regions get LOS networks
    (national; default all); ``region``: the region id of ``tiny``/``region`` (default:
    ``utrecht-en-omstreken`` for ``region``, a seeded choice for ``tiny``);
    ``tn_networks``: TN networks; ``tables``: school and holiday rows (default: the
    packaged tables). Raises ``ValueError`` for an unknown preset or region.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    spec = PRESETS[preset]
    tables = tables or load_tables()
    all_schools = sorted(tables.schools, key=lambda s: s.id)
    all_regions = regions_of(all_schools)
    region_ids = [r.id for r in all_regions]
    planted = Planted()
    total_learners = spec.learners if learners is None else learners
    if total_learners < 0:
        raise ValueError("the number of learners cannot be negative")

    # ---- which schools and which LOS regions
    if preset == "national":
        schools = all_schools
        count = len(region_ids) if regions is None else regions
        if not 0 <= count <= len(region_ids):
            raise ValueError(f"--regions must be between 0 and {len(region_ids)}")
        los_regions = sorted(_rng(seed, "los-regions").sample(region_ids, count))
        flags = bv_flags(seed, schools)
    else:
        if region is None:
            # regions with 8 or more secondary schools (counted once: a count per region
            # over every school took most of a tiny instance's time)
            vo_count = Counter(region_id(s.region) for s in all_schools if s.sector == "vo")
            region = spec.region or _rng(seed, "region").choice(
                [r for r in region_ids if vo_count[r] >= 8]
            )
        if region not in region_ids:
            raise ValueError(f"unknown region {region!r}; known: {', '.join(region_ids)}")
        region_schools = [s for s in all_schools if region_id(s.region) == region]
        if spec.subset_schools:
            schools, flags = _tiny_subset(seed, region_schools)
        else:
            schools = region_schools
            flags = bv_flags(seed, schools)
        los_regions = [region]

    codes: dict[str, str] = {}
    taken: set[str] = set()
    for r in region_ids:
        codes[r] = region_code(r, taken)
    calendar = nl_calendar(tables.holidays, DEFAULT_SCHOOL_YEARS)
    blocks = [b.id for b in calendar.time_blocks]
    block_minutes = {
        b.id: (b.start.hour * 60 + b.start.minute, b.end.hour * 60 + b.end.minute)
        for b in calendar.time_blocks
    }
    travel = TravelSettings()

    # ---- LOS: learners per region in proportion to secondary-school pupils
    vo_by_region: dict[str, list[SchoolRecord]] = defaultdict(list)
    for s in schools:
        if s.sector == "vo":
            vo_by_region[region_id(s.region)].append(s)
    los_regions = [r for r in los_regions if vo_by_region.get(r)]
    weights = {r: sum(_pupils(s) for s in vo_by_region[r]) for r in los_regions}
    total_weight = sum(weights.values()) or 1
    quotas = {r: total_learners * weights[r] / total_weight for r in los_regions}
    share = {r: int(q) for r, q in quotas.items()}
    for r in sorted(los_regions, key=lambda r: (-(quotas[r] - share[r]), r))[
        : total_learners - sum(share.values())
    ]:
        share[r] += 1
    los_networks: list[LosNetwork] = []
    facilitators: list[Facilitator] = []
    learner_rows: list[Learner] = []
    training: set[str] = set()
    for r in los_regions:
        if share[r] <= 0:
            continue
        part = build_region_los(
            seed,
            r,
            codes[r],
            vo_by_region[r],
            share[r],
            spec.min_size,
            spec.max_size,
            blocks,
            travel,
            spec.max_travel_minutes,
            planted,
            block_minutes,
        )
        los_networks += part.networks
        facilitators += part.facilitators
        learner_rows += part.learners
        training |= part.training_schools

    # ---- BV coordinators, TN
    bv = BvProgramme(meetings_per_year=4, first_school_year=DEFAULT_SCHOOL_YEARS[0])
    facilitators += build_coordinators(seed, schools, flags, bv.min_size, bv.max_size, codes)
    n_tn = spec.tn_networks if tn_networks is None else tn_networks
    tn_regions = los_regions[:3] or sorted({region_id(s.region) for s in schools})[:1]
    tn_nets, tn_parts, tn_facs = build_tn(seed, n_tn, schools, tn_regions, planted)
    facilitators += tn_facs
    by_id = {s.id: s for s in schools}
    tn = TnProgramme()
    if tn_nets:
        if preset == "national" or not vo_by_region.get(tn_regions[0]):
            kickoff_place, kickoff_region = "OCW", "middle"
        else:
            hub = max(vo_by_region[tn_regions[0]], key=lambda s: (_pupils(s), s.id))
            kickoff_place, kickoff_region = hub.id, hub.holiday_region
        offset = _rng(seed, "kickoff").randint(0, 3)
        kickoff = _free_day(
            calendar, kickoff_region, dt.date(2026, 9, 22) + dt.timedelta(weeks=offset), (1, 2)
        )
        tn = TnProgramme(
            kickoff_date=kickoff,
            kickoff_location=kickoff_place,
            networks=tuple(tn_nets),
            participants=tuple(tn_parts),
        )

    # ---- unavailability: coordinators on leave, secondary schools in exam weeks
    unavailable: list[Unavailability] = []
    rng = _rng(seed, "unavailability")
    for f in facilitators:
        if f.role == "ocw_coordinator" and rng.random() < 0.15:
            start = dt.date(2027, 3, 1) + dt.timedelta(weeks=rng.randint(0, 8))
            unavailable.append(
                Unavailability(
                    who=f.id, start=start, end=start + dt.timedelta(days=13), reason="verlof"
                )
            )
    for s in schools:
        subsidy, support = flags[s.id]
        if s.sector == "vo" and subsidy and not support and rng.random() < 0.05:
            unavailable.append(
                Unavailability(
                    who=s.id,
                    start=dt.date(2027, 5, 10),
                    end=dt.date(2027, 5, 28),
                    reason="centrale examens",
                )
            )

    rows = [
        to_school(
            by_id[s.id],
            bv_subsidy=flags[s.id][0],
            bv_individual_support=flags[s.id][1],
            training_school=s.id in training,
        )
        for s in schools
    ]
    used_regions = {region_id(s.region) for s in schools}
    given = {
        "--learners": learners,
        "--regions": regions,
        "--region": region if preset != "national" and region != spec.region else None,
        "--tn-networks": tn_networks,
    }
    call = " ".join(
        [f"composer generate {preset} --seed {seed}"]
        + [f"{k} {v}" for k, v in given.items() if v is not None]
    )
    instance = Instance(
        name=name or f"{preset}-seed{seed}",
        description=(
            f"Generated by {call}: {len(rows)} real school "
            f"locations, {len(learner_rows)} synthetic LOS learners "
            f"in {len(los_networks)} networks over {len(los_regions)} region(s), "
            f"{sum(1 for f in flags.values() if f[0] and not f[1])} BV-eligible schools, "
            f"{len(tn_nets)} TN networks; calendar {', '.join(DEFAULT_SCHOOL_YEARS)}."
        ),
        sources=(
            *SOURCES,
            Source(
                name=f"synthetic people and subsidy flags: {call}",
                licence="CC0",
            ),
        ),
        calendar=calendar,
        regions=tuple(r for r in all_regions if r.id in used_regions),
        institutions=INSTITUTIONS,
        schools=tuple(rows),
        travel=travel,
        learners=tuple(learner_rows),
        facilitators=tuple(facilitators),
        unavailability=tuple(unavailable),
        los=LosProgramme(
            settings=LosSettings(
                min_size=spec.min_size,
                max_size=spec.max_size,
                max_travel_minutes=spec.max_travel_minutes,
            ),
            components=COMPONENTS,
            networks=tuple(los_networks),
        ),
        bv=bv,
        tn=tn,
    )
    return Generated(instance, planted)


PRESET_TEXT = {
    "tiny": "A tiny synthetic instance: a handful of real schools around one secondary "
    "school, three LOS networks of 3-5 learners, one clusterable po and vo group, an "
    "impossible go group (B8) and one TN network. For quick tests and demos.",
    "region": "One region at the scale of seed 000 (Onderwijsregio Midden-Nederland, "
    "2024-25): 34 LOS networks, 16 of them with Pedagogisch Handelen (HU) and 13 with "
    "Professional in Praktijk 1/2 (UU), inductie networks (from 2025) led by "
    "schoolbegeleiders, one agreed mixed network, ~600 learners of every kind, about 70 "
    "facilitators (schoolopleiders with capacity days, instituutsopleiders available one "
    "fixed day a week, schoolbegeleiders); all real schools of the region for BV "
    "(seeded subsidised subset, OCW coordinators) and a small TN part.",
    "national": "Every real school location in the Netherlands for basisvaardigheden "
    "(a seeded subsidised subset; some with individual support, which B1 excludes; "
    "sector-regions with 1-3 or 7 eligible schools occur and are kept, they exercise B8), "
    "OCW coordinators per region (a few regions with exactly enough capacity), LOS "
    "networks in the chosen regions and a few TN networks.",
}


def _counts(values: Iterable[str]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(Counter(values).items()))


def readme_text(generated: Generated, preset: str, command: str) -> str:
    """The README.md written next to a generated instance: what, how, sources, licences."""
    inst = generated.instance
    nets = inst.los.networks
    kinds = [lr.kind for lr in inst.learners]
    roles = [f.role for f in inst.facilitators]
    eligible = [s for s in inst.schools if is_bv_eligible(s)]
    sectors = [s.sector for s in inst.schools]
    names = {r.id: r.name for r in inst.regions}
    los_region_names = [names[r] for r in sorted({n.region for n in nets})]
    lines = [
        f"# {inst.name}",
        "",
        PRESET_TEXT[preset],
        "",
        "## How it was built",
        "",
        "```bash",
        command,
        "```",
        "",
        "The same command gives the same bytes. It reads the school and holiday tables "
        "shipped in `src/composer/data/` (derived from the public data in `../shared/data`; "
        "adding `--data ../shared/data` rebuilds them from the raw files first and gives "
        "the same instance). Schools, regions, holiday regions and the calendar are real; "
        "learners, facilitators, coordinators, TN participants and the subsidy flags are "
        "synthetic (seeded).",
        "",
        "The instance is feasible by construction: the generator first plants a hidden "
        "plan (every learner's network, each network's slot and facilitators, every TN "
        "participant's network) and derives rosters, availability, capacities and travel "
        "limits around it. The plan is not part of the instance; "
        "`tests/planted_check.py` verifies it against the LOS semantics for every preset.",
        "",
        "## Contents",
        "",
        f"- {len(inst.schools)} schools ({_counts(sectors)}) "
        f"in {len(inst.regions)} region(s); {len(eligible)} BV-eligible "
        f"({sum(s.bv_individual_support for s in inst.schools)} more subsidised with "
        "individual support)",
        f"- LOS regions: {', '.join(los_region_names) or 'none'}",
        f"- {len(nets)} LOS networks ({_counts(n.type for n in nets)}); "
        f"{sum('PH' in n.components for n in nets)} with Pedagogisch Handelen, "
        f"{sum(any(c.startswith('PIP') for c in n.components) for n in nets)} with "
        "Professional in Praktijk",
        f"- {len(inst.learners)} learners ({_counts(kinds)})",
        f"- {len(inst.facilitators)} facilitators ({_counts(roles)})",
        f"- {len(inst.tn.networks)} TN networks, {len(inst.tn.participants)} participants",
        f"- calendar: school years {', '.join(y.id for y in inst.calendar.school_years)}, "
        f"{len(inst.calendar.time_blocks)} time blocks, {len(inst.calendar.holidays)} school "
        f"holidays, {len(inst.calendar.public_holidays)} public holidays",
        "",
        "## Sources and licences",
        "",
    ]
    for source in inst.sources:
        url = f" <{source.url}>" if source.url else ""
        lines.append(f"- {source.name}{url} — {source.licence}")
    lines += [
        "",
        "The holiday rows derive from the OpenHolidays API data (ODbL 1.0); the instance "
        "is a derived database and is offered under the ODbL 1.0 as well, with "
        'attribution "OpenHolidays API". DUO and BAG data are CC0.',
        "",
    ]
    return "\n".join(lines)
