"""Names as the outputs show them, with stable pseudonyms for sharing a plan (``--pseudonymise``).

Learners, TN participants and facilitators are people: a plan shared for review should
not carry their names. With pseudonymising on, every output shows a person as a readable
pseudonym such as ``Learner 7F3A9C`` instead of their name, and their e-mail as
``learner-7f3a9c@pseudonym.invalid`` (the ``.invalid`` top-level domain never delivers).
Ids stay as they are, so the outputs still match ``plan.json`` and the instance.

The pseudonym is the first hex digits of HMAC-SHA256(salt, ``"<kind>:<id>"``): the same
id, kind and salt always give the same pseudonym, so two exports of one plan (or of a
re-plan) can be compared. Six digits are used; when two people of an instance would
share a pseudonym, those two get more digits (deterministically, so still stable for the
same instance). Schools are organisations and keep their names.

Free text that the outputs copy from the plan (stage notes, reasons, checker messages)
is scrubbed too: every real name that occurs in it is replaced by its pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from composer.model.instance import Instance

DEFAULT_DIGITS = 6

_LABELS = {"learner": "Learner", "participant": "Participant", "facilitator": "Facilitator"}


def pseudonym_digest(salt: str, kind: str, person_id: str) -> str:
    """Upper-case hex HMAC-SHA256 of ``kind:id`` keyed with ``salt`` (stable, one-way)."""
    key = ("composer-pseudonym:" + salt).encode("utf-8")
    return hmac.new(key, f"{kind}:{person_id}".encode(), hashlib.sha256).hexdigest().upper()


def _unique_prefixes(digests: dict[str, str], digits: int) -> dict[str, str]:
    """The shortest prefix of at least ``digits`` that tells each id apart from the others."""
    result: dict[str, str] = {}
    pending = dict(digests)
    width = digits
    while pending:
        groups: dict[str, list[str]] = defaultdict(list)
        for pid, digest in pending.items():
            groups[digest[:width]].append(pid)
        next_pending: dict[str, str] = {}
        for prefix, ids in groups.items():
            if len(ids) == 1:
                result[ids[0]] = prefix
            else:
                next_pending.update({pid: pending[pid] for pid in ids})
        pending = next_pending
        width += 2
        if width > 64:  # identical digests: impossible for distinct inputs in practice
            result.update({pid: d for pid, d in pending.items()})
            break
    return result


@dataclass
class Names:
    """Display names and e-mails of people and places, real or pseudonymised."""

    instance: Instance
    pseudonymise: bool = False
    salt: str = ""
    _person: dict[str, str] = field(default_factory=dict, init=False)
    _email: dict[str, str] = field(default_factory=dict, init=False)
    _real: dict[str, str] = field(default_factory=dict, init=False)
    _scrub: re.Pattern[str] | None = field(default=None, init=False)
    _by_real: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        inst = self.instance
        people: list[tuple[str, str, str, str]] = (
            [("learner", p.id, p.name, p.email) for p in inst.learners]
            + [("participant", p.id, p.name, p.email) for p in inst.tn.participants]
            + [("facilitator", p.id, p.name, p.email) for p in inst.facilitators]
        )
        by_kind: dict[str, dict[str, str]] = defaultdict(dict)
        for kind, pid, _name, _email in people:
            by_kind[kind][pid] = pseudonym_digest(self.salt, kind, pid)
        prefixes = {
            kind: _unique_prefixes(digests, DEFAULT_DIGITS) for kind, digests in by_kind.items()
        }
        for kind, pid, name, email in people:
            self._real[pid] = name
            if self.pseudonymise:
                code = prefixes[kind][pid]
                self._person[pid] = f"{_LABELS[kind]} {code}"
                self._email[pid] = f"{kind}-{code.lower()}@pseudonym.invalid" if email else ""
            else:
                self._person[pid] = name
                self._email[pid] = email
        if self.pseudonymise:
            names = sorted({n for n in self._real.values() if n.strip()}, key=len, reverse=True)
            if names:
                alternatives = "|".join(re.escape(n) for n in names)
                self._scrub = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
            for pid, name in self._real.items():
                self._by_real.setdefault(name, self._person[pid])
        self._places = {s.id: s.name for s in inst.schools}
        self._places.update({i.id: i.name for i in inst.institutions})

    def person(self, person_id: str) -> str:
        """The name to show for a learner, participant or facilitator id (the id if unknown)."""
        return self._person.get(person_id, person_id)

    def people(self, ids: Iterable[str]) -> str:
        """Names of several people, comma-separated."""
        return ", ".join(self.person(i) for i in ids)

    def email(self, person_id: str) -> str:
        """The e-mail to show for a person ('' when none is known)."""
        return self._email.get(person_id, "")

    def place(self, place_id: str) -> str:
        """The name of a school or institution (the id if unknown)."""
        return self._places.get(place_id, place_id)

    def text(self, text: str) -> str:
        """Free text with every real person name replaced by its pseudonym (when on)."""
        if self._scrub is None or not text:
            return text
        return self._scrub.sub(lambda m: self._by_real[m.group(0)], text)

    def real_names(self) -> set[str]:
        """Every real person name of the instance (for tests that prove none leaks)."""
        return {n for n in self._real.values() if n.strip()}
