"""Keyed hash chain over the append-only audit trail (R-PM-05).

Each row's HMAC covers its content and the previous row's hash, so changing, deleting,
inserting or reordering rows breaks the chain. The HMAC key lives in the keyring, not in the
database, so someone with only database access cannot recompute a consistent chain.
Truncating the newest rows is invisible to the chain alone: compare ``last_seq``/``last_hash``
of a report with a value kept elsewhere to detect that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crm.security.keyring import Keyring

GENESIS = "0" * 64
OUTCOMES = frozenset({"success", "failure", "denied"})
MAX_PROBLEMS = 100
_DOMAIN = "crm.audit.v1"


@dataclass(frozen=True)
class AuditLink:
    seq: int
    occurred_at: str
    actor: str | None
    action: str
    target: str | None
    outcome: str
    source_ip: str | None
    details: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str
    message: str


@dataclass
class ChainReport:
    ok: bool
    checked: int
    problems: list[ChainProblem] = field(default_factory=list)
    # Beyond MAX_PROBLEMS only counted, so a wholesale forgery cannot exhaust memory.
    problem_count: int = 0
    last_seq: int | None = None
    last_hash: str | None = None


def canonical_details(details: Mapping[str, Any]) -> str:
    """One spelling per value, so the stored text hashes the same when read back."""
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def link_hash(
    *,
    keyring: Keyring,
    seq: int,
    occurred_at: str,
    actor: str | None,
    action: str,
    target: str | None,
    outcome: str,
    source_ip: str | None,
    details: str,
    prev_hash: str,
) -> str:
    # A JSON list is unambiguous about field boundaries and tells None from "".
    encoded = json.dumps(
        [_DOMAIN, seq, occurred_at, actor, action, target, outcome, source_ip, details, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return hmac.new(keyring.audit_key, encoded, hashlib.sha256).hexdigest()


def make_link(
    *,
    keyring: Keyring,
    seq: int,
    occurred_at: str,
    actor: str | None,
    action: str,
    target: str | None,
    outcome: str,
    source_ip: str | None,
    details: Mapping[str, Any],
    prev_hash: str,
) -> AuditLink:
    """Build the next link for a writer; refuses outcomes the auditor would not recognise."""
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {sorted(OUTCOMES)}, not {outcome!r}")
    details_text = canonical_details(details)
    fields = dict(
        seq=seq,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        source_ip=source_ip,
        details=details_text,
        prev_hash=prev_hash,
    )
    return AuditLink(**fields, hash=link_hash(keyring=keyring, **fields))


def verify_chain(
    *,
    keyring: Keyring,
    links: Iterable[AuditLink],
    expected_first_seq: int = 1,
    expected_first_prev: str = GENESIS,
) -> ChainReport:
    """Check links in the order given (the store should yield them by seq), one at a time.

    ``expected_first_*`` let a verification start after rows purged by retention, from a
    checkpoint recorded at purge time.
    """
    report = ChainReport(ok=True, checked=0)
    expected_seq = expected_first_seq
    expected_prev = expected_first_prev

    def problem(seq: int, kind: str, message: str) -> None:
        report.ok = False
        report.problem_count += 1
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append(ChainProblem(seq=seq, kind=kind, message=message))

    for link in links:
        report.checked += 1
        if link.seq > expected_seq:
            missing = str(expected_seq) if link.seq == expected_seq + 1 else f"{expected_seq}..{link.seq - 1}"
            problem(link.seq, "seq_gap", f"rows {missing} are missing before seq {link.seq}")
        elif link.seq < expected_seq:
            problem(
                link.seq,
                "broken_link",
                f"seq {link.seq} appears after seq {expected_seq - 1}: rows reordered or duplicated",
            )

        recomputed = link_hash(
            keyring=keyring,
            seq=link.seq,
            occurred_at=link.occurred_at,
            actor=link.actor,
            action=link.action,
            target=link.target,
            outcome=link.outcome,
            source_ip=link.source_ip,
            details=link.details,
            prev_hash=link.prev_hash,
        )
        # Encoded first: compare_digest refuses non-ASCII str, and a tampered row may hold some.
        if not hmac.compare_digest(recomputed.encode(), str(link.hash).encode()):
            problem(link.seq, "hash_mismatch", f"row {link.seq} does not match its hash: changed or forged")
        if not hmac.compare_digest(str(link.prev_hash).encode(), expected_prev.encode()):
            problem(
                link.seq,
                "broken_link",
                f"row {link.seq} does not follow the previous row: a row was removed, inserted or moved",
            )

        # Chain on the stored hash, so one edited row is reported once rather than poisoning all later rows.
        expected_prev = str(link.hash)
        expected_seq = max(expected_seq, link.seq + 1)
        report.last_seq = link.seq
        report.last_hash = link.hash

    return report
