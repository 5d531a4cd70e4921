"""The people of the demo organisation: who issues are assigned to, per team.

A person has the identities both deployments use: a Cloud ``accountId`` (24 hex digits, like
``5b10ac8d82e05b22cc7d4ef5``) and a Data Center user ``key`` (``JIRAUSER10200``) and ``name``.
Records and histories hold the account id; rendering picks the mode's identity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "API_USER",
    "Person",
    "default_people",
    "directory",
    "myself",
    "people_for",
    "render_user",
]

_FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim")
_LAST = ("Hopper", "Turing", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Lee", "Dijkstra")


@dataclass(frozen=True, slots=True)
class Person:
    """One Jira user; ``team`` is the team whose issues they usually take."""

    account_id: str
    key: str
    name: str
    display_name: str
    team: str


API_USER = Person("5b10ac8d82e05b22cc7d4ef5", "JIRAUSER10100", "syncd", "syncd", "")
"""The user the API calls (and the emulator's mutations) act as."""


def default_people(issues: int, teams: int) -> int:
    """How many people an organisation of *issues* issues has when not told: one per 400
    issues (500 at 200,000), never fewer than two per team."""
    return max(2 * teams, min(500, round(issues / 400)))


def people_for(teams: Sequence[tuple[str, float]], count: int) -> tuple[Person, ...]:
    """*count* people spread over *teams* (name, share of the work), at least one each."""
    if count < len(teams):
        raise ValueError(f"{len(teams)} teams need at least {len(teams)} people, not {count}")
    total = sum(share for _, share in teams)
    sizes = [max(1, round(count * share / total)) for _, share in teams]
    sizes[-1] += count - sum(sizes)
    while sizes[-1] < 1:  # rounding gave the first teams too many: take from the largest
        largest = sizes.index(max(sizes))
        sizes[largest] -= 1
        sizes[-1] += 1
    people: list[Person] = []
    for (team, _), size in zip(teams, sizes, strict=True):
        for _ in range(size):
            people.append(_person(len(people), team))
    return tuple(people)


def _person(number: int, team: str) -> Person:
    first = _FIRST[number % len(_FIRST)]
    last = _LAST[(number // len(_FIRST)) % len(_LAST)]
    return Person(
        account_id=f"5b10ac8d82e05b22cc7d{number:04x}",
        key=f"JIRAUSER{10200 + number}",
        name=f"{first.lower()}.{last.lower()}{number}",
        display_name=f"{first} {last}",
        team=team,
    )


def render_user(person: Person, cloud: bool, base: str) -> dict[str, Any]:
    """A user as Jira embeds it (assignee, history author): the mode's identity fields."""
    if cloud:
        return {
            "self": f"{base}/user?accountId={person.account_id}",
            "accountId": person.account_id,
            "accountType": "atlassian",
            "displayName": person.display_name,
            "active": True,
        }
    return {
        "self": f"{base}/user?username={person.name}",
        "name": person.name,
        "key": person.key,
        "displayName": person.display_name,
        "active": True,
    }


def myself(cloud: bool, zone: str) -> dict[str, Any]:
    """The ``/myself`` answer: the API user, in the user time zone *zone*."""
    me: dict[str, Any] = {
        "emailAddress": "syncd@acme.example",
        "displayName": API_USER.display_name,
        "active": True,
        "timeZone": zone,
        "locale": "en_US",
    }
    if cloud:
        return {"accountId": API_USER.account_id, "accountType": "atlassian", **me}
    return {"key": API_USER.key, "name": API_USER.name, **me}


def directory(people: Sequence[Person]) -> Mapping[str, Person]:
    """People by account id, the API user included."""
    return {API_USER.account_id: API_USER} | {p.account_id: p for p in people}
