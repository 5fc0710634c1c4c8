"""The rule ids of DOMAIN.md, with a one-line statement each.

Every checker message, solver constraint family, diagnostic and test refers to a rule by
these ids, so a planner can look a violation up in DOMAIN.md (``../shared/DOMAIN.md``).
Section 4 of DOMAIN.md (the calendar) carries no ids there; composer names those rules
``C1``–``C4``, and ``P1`` for the integrity of a plan file itself; the README lists them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One rule of the domain: its id, programme and a planner-facing statement."""

    id: str
    programme: str
    title: str
    statement: str


_RULES: tuple[Rule, ...] = (
    Rule("L1", "los", "size", "a network has between its minimum and maximum number of learners"),
    Rule(
        "L2",
        "los",
        "kinds",
        "opleiding networks contain students; inductie networks take starters, "
        "statushouders, zij-instromers and onbevoegden; mixed networks only where agreed",
    ),
    Rule(
        "L3",
        "los",
        "curriculum",
        "a learner who needs a curriculum component is placed in a network offering it",
    ),
    Rule(
        "L4",
        "los",
        "fixed weekly moment",
        "a network meets at one weekly slot where every member is free of teaching",
    ),
    Rule(
        "L5",
        "los",
        "facilitators present",
        "the schoolopleider and the instituutsopleider (or schoolbegeleider) attend every "
        "session; nobody is in two places at once",
    ),
    Rule(
        "L6",
        "los",
        "facilitation budget",
        "a schoolopleider leads no more learners than their facilitated days allow",
    ),
    Rule("L7", "los", "location", "learners travel to the network's location within the limit"),
    Rule("L8", "los", "open sessions", "spare seats up to the maximum size are reported"),
    Rule("L9", "los", "cross-network visits", "each SO+IO duo visits one other network a year"),
    Rule(
        "L10",
        "los",
        "professional development",
        "SO/IO duos attend four development meetings a year (three at HU/UU, one at a school)",
    ),
    Rule("L11", "los", "yearly review", "each network holds one development review a year"),
    Rule(
        "B1",
        "bv",
        "eligibility",
        "only subsidised schools without individual support are placed in a cluster",
    ),
    Rule(
        "B2",
        "bv",
        "cluster",
        "a cluster has 4 to 6 schools of the same sector and the same region",
    ),
    Rule("B3", "bv", "participants", "two people per school take part"),
    Rule(
        "B4",
        "bv",
        "coordinator",
        "each cluster has one OCW coordinator of its region, within their capacity, for two years",
    ),
    Rule(
        "B5",
        "bv",
        "host rotation",
        "meetings rotate over the member schools; every school hosts and hosting is even",
    ),
    Rule(
        "B6",
        "bv",
        "cadence",
        "at most one meeting a month, outside holidays, on days the coordinator is free",
    ),
    Rule("B7", "bv", "proximity", "clusters keep travel short and fair"),
    Rule(
        "B8",
        "bv",
        "impossible counts",
        "a sector-region with 1-3 or 7 eligible schools cannot be split into clusters of 4-6",
    ),
    Rule("T1", "tn", "series", "a network is a series of meetings starting with a joint kick-off"),
    Rule("T2", "tn", "hosting", "the other meetings rotate over the participants' schools"),
    Rule("T3", "tn", "members", "a school leader or team leader plus one other person per school"),
    Rule(
        "T4",
        "tn",
        "facilitator",
        "one facilitator leads all meetings of a network, never two meetings at once",
    ),
    Rule(
        "T5",
        "tn",
        "support rota",
        "one or two participants help prepare each meeting; nobody twice before everyone once",
    ),
    Rule("T6", "tn", "composition", "networks are homogeneous or diverse on their attribute"),
    Rule(
        "T7",
        "tn",
        "size and absence",
        "the minimum size holds even when the expected share of members is absent",
    ),
    Rule(
        "P1",
        "plan",
        "plan integrity",
        "every id in the plan exists in the instance and each person or school is placed once",
    ),
    Rule(
        "C1",
        "calendar",
        "school year",
        "sessions fall inside the school year and on the calendar's weekdays",
    ),
    Rule(
        "C2",
        "calendar",
        "school holidays",
        "sessions avoid the school holidays of the holiday region of their location",
    ),
    Rule("C3", "calendar", "public holidays", "sessions avoid public holidays"),
    Rule(
        "C4",
        "calendar",
        "personal unavailability",
        "nobody is scheduled on a day they are marked unavailable",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


_POSITION = {r.id: i for i, r in enumerate(_RULES)}


def rule_order(rule_id: str) -> tuple[int, str]:
    """Sort key of rule ids in DOMAIN.md's order (L1, L2, …, L10, then B1, …); ids it does
    not know (a stage's own notes) after them, by name."""
    return (_POSITION.get(rule_id, len(_POSITION)), rule_id)


def rule(rule_id: str) -> Rule:
    """Return the rule with this id; raises KeyError for an unknown id (a programming error)."""
    return RULES[rule_id]
