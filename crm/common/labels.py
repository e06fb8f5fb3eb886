"""Bilingual labels: a ("中文", "English") pair per code, Chinese first (the UI's first language)."""

from __future__ import annotations

__all__ = ["Label", "label"]

Label = tuple[str, str]


def label(pair: Label | str | None) -> str:
    """The Chinese side of a label pair, as services store it in their answers; "" for none."""
    if isinstance(pair, tuple):
        return pair[0]
    return pair or ""
