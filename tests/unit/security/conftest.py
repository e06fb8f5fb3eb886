from __future__ import annotations

import pytest

from crm.security.keyring import Keyring, generate_keyring


@pytest.fixture
def keyring() -> Keyring:
    return generate_keyring()
