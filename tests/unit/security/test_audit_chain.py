"""R-PM-05: the audit trail is hash-chained so tampering is detectable."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from crm.security.audit_chain import (
    GENESIS,
    AuditLink,
    ChainProblem,
    canonical_details,
    link_hash,
    make_link,
    verify_chain,
)
from crm.security.keyring import Keyring, generate_keyring, with_new_data_key


def _chain(keyring: Keyring, length: int) -> list[AuditLink]:
    links: list[AuditLink] = []
    prev = GENESIS
    for seq in range(1, length + 1):
        link = make_link(
            keyring=keyring,
            seq=seq,
            occurred_at=f"2026-03-01T09:{seq % 60:02d}:00+00:00",
            actor="zhang.min" if seq % 3 else None,
            action="customer.reveal" if seq % 2 else "auth.login",
            target=f"customer:{seq}",
            outcome="success" if seq % 5 else "failure",
            source_ip="10.0.0.7",
            details={"reason": "客户来电核实身份", "field": "id_number"},
            prev_hash=prev,
        )
        links.append(link)
        prev = link.hash
    return links


def _rehash(keyring: Keyring, link: AuditLink) -> AuditLink:
    fields = {f.name: getattr(link, f.name) for f in dataclasses.fields(link) if f.name != "hash"}
    return AuditLink(**fields, hash=link_hash(keyring=keyring, **fields))


def _kinds(problems: list[ChainProblem]) -> list[tuple[int, str]]:
    return [(problem.seq, problem.kind) for problem in problems]


class TestLinkHash:
    def test_canonical_details_are_sorted_compact_and_keep_chinese(self) -> None:
        text = canonical_details({"b": 1, "a": "客户"})

        assert text == '{"a":"客户","b":1}'

    def test_tells_none_from_empty_and_shifted_fields(self, keyring: Keyring) -> None:
        common = dict(
            keyring=keyring,
            seq=1,
            occurred_at="t",
            outcome="success",
            source_ip=None,
            details="{}",
            prev_hash=GENESIS,
        )

        hashes = {
            link_hash(actor=None, action="a", target="b", **common),
            link_hash(actor="", action="a", target="b", **common),
            link_hash(actor=None, action="ab", target="", **common),
        }

        assert len(hashes) == 3

    def test_make_link_refuses_an_unknown_outcome(self, keyring: Keyring) -> None:
        with pytest.raises(ValueError):
            make_link(
                keyring=keyring,
                seq=1,
                occurred_at="t",
                actor=None,
                action="a",
                target=None,
                outcome="maybe",
                source_ip=None,
                details={},
                prev_hash=GENESIS,
            )


class TestVerifyChain:
    def test_accepts_an_untouched_chain(self, keyring: Keyring) -> None:
        links = _chain(keyring, 50)

        report = verify_chain(keyring=keyring, links=links)

        assert report.ok is True
        assert report.checked == 50
        assert report.problems == []
        assert report.last_seq == 50
        assert report.last_hash == links[-1].hash

    def test_accepts_an_empty_chain(self, keyring: Keyring) -> None:
        report = verify_chain(keyring=keyring, links=[])

        assert report.ok is True
        assert report.checked == 0

    def test_is_unaffected_by_data_key_rotation(self, keyring: Keyring) -> None:
        links = _chain(keyring, 5)

        report = verify_chain(keyring=with_new_data_key(keyring=keyring), links=links)

        assert report.ok is True

    def test_works_over_a_one_shot_iterator(self, keyring: Keyring) -> None:
        def stream() -> Iterator[AuditLink]:
            yield from _chain(keyring, 20)

        report = verify_chain(keyring=keyring, links=stream())

        assert report.ok is True
        assert report.checked == 20

    def test_starts_from_a_checkpoint_after_retention_purge(self, keyring: Keyring) -> None:
        links = _chain(keyring, 30)

        report = verify_chain(
            keyring=keyring, links=links[10:], expected_first_seq=11, expected_first_prev=links[9].hash
        )

        assert report.ok is True
        assert report.checked == 20

    def test_detects_a_modified_row(self, keyring: Keyring) -> None:
        links = _chain(keyring, 10)
        links[4] = dataclasses.replace(links[4], outcome="success", actor="someone.else")

        report = verify_chain(keyring=keyring, links=links)

        assert report.ok is False
        assert _kinds(report.problems) == [(5, "hash_mismatch")]
        assert report.checked == 10

    def test_detects_a_deleted_row(self, keyring: Keyring) -> None:
        links = _chain(keyring, 10)
        del links[4]

        report = verify_chain(keyring=keyring, links=links)

        assert report.ok is False
        assert _kinds(report.problems) == [(6, "seq_gap"), (6, "broken_link")]
        assert report.checked == 9

    def test_detects_a_deleted_first_row(self, keyring: Keyring) -> None:
        links = _chain(keyring, 3)[1:]

        report = verify_chain(keyring=keyring, links=links)

        assert _kinds(report.problems) == [(2, "seq_gap"), (2, "broken_link")]

    def test_detects_reordered_rows(self, keyring: Keyring) -> None:
        links = _chain(keyring, 10)
        links[3], links[4] = links[4], links[3]

        report = verify_chain(keyring=keyring, links=links)

        assert report.ok is False
        assert (5, "broken_link") in _kinds(report.problems)
        assert (4, "broken_link") in _kinds(report.problems)
        assert report.checked == 10

    def test_detects_rows_whose_seq_numbers_were_swapped(self, keyring: Keyring) -> None:
        links = _chain(keyring, 10)
        fourth, fifth = links[3], links[4]
        links[3] = dataclasses.replace(fifth, seq=4)
        links[4] = dataclasses.replace(fourth, seq=5)

        report = verify_chain(keyring=keyring, links=links)

        assert report.ok is False
        assert (4, "hash_mismatch") in _kinds(report.problems)
        assert (5, "hash_mismatch") in _kinds(report.problems)

    def test_detects_a_forged_row_hashed_with_the_wrong_key(self, keyring: Keyring) -> None:
        links = _chain(keyring, 10)
        forger = generate_keyring()
        links[6] = _rehash(forger, dataclasses.replace(links[6], target="customer:999"))

        report = verify_chain(keyring=keyring, links=links)

        assert (7, "hash_mismatch") in _kinds(report.problems)

    def test_detects_a_chain_rewritten_entirely_without_the_audit_key(self, keyring: Keyring) -> None:
        forged = _chain(generate_keyring(), 10)

        report = verify_chain(keyring=keyring, links=forged)

        assert report.ok is False
        assert [kind for _, kind in _kinds(report.problems)] == ["hash_mismatch"] * 10

    def test_detects_an_inserted_row(self, keyring: Keyring) -> None:
        links = _chain(keyring, 5)
        intruder = dataclasses.replace(links[2], target="customer:999")
        links.insert(3, _rehash(keyring, intruder))

        report = verify_chain(keyring=keyring, links=links)

        assert report.ok is False
        assert (3, "broken_link") in _kinds(report.problems)

    def test_keeps_counting_after_100_problems(self, keyring: Keyring) -> None:
        forged = _chain(generate_keyring(), 150)

        report = verify_chain(keyring=keyring, links=forged)

        assert report.checked == 150
        assert len(report.problems) == 100
        assert report.problem_count == 150
