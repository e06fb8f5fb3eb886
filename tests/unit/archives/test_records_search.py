"""The archive search reads text that is not an archive number as a prefix or a name, and nothing else."""

from __future__ import annotations

import asyncio

import pytest

from archives import records
from crm.staff.access import Actor

ARCHIVIST = Actor(staff_id=1, username="archivist", display_name="档案员", role="archivist", branch_id=1,
                  branch_code="HQ", all_branches=True)


class TestSearchArchives:
    def test_a_bug_in_reading_the_number_is_not_taken_for_a_name(self, monkeypatch):
        def broken(*, text: str):
            raise TypeError("a bug, not a refusal")

        monkeypatch.setattr(records, "parse_archive_no", broken)

        # Raised before any query: no database is needed to see it come through.
        with pytest.raises(TypeError, match="a bug"):
            asyncio.run(records.search_archives(ctx=None, actor=ARCHIVIST, query="Z001-HT·2026-D30-DC-0001"))
