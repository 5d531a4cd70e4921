"""A faithful, fast Jira Cloud / Data Center emulator and the demo organisation generator.

Public entry points: :func:`generate_organisation` builds a seeded organisation, with
people and each issue's history;
:class:`JiraEmulator` serves it over loopback HTTP with mutations, faults, hostile values
(``JiraEmulator.tamper``) and a request log.
``python -m connectors.jira.emulator`` runs one standalone.
"""

from __future__ import annotations

from connectors.jira.emulator.clock import Clock
from connectors.jira.emulator.faults import Fault, FaultPlan
from connectors.jira.emulator.org import Organisation, generate_organisation, key_result_of
from connectors.jira.emulator.records import IssueRecord
from connectors.jira.emulator.server import JiraEmulator, LoggedRequest
from connectors.jira.emulator.tamper import JsonLiteral

__all__ = [
    "Clock",
    "Fault",
    "FaultPlan",
    "IssueRecord",
    "JiraEmulator",
    "JsonLiteral",
    "LoggedRequest",
    "Organisation",
    "generate_organisation",
    "key_result_of",
]
