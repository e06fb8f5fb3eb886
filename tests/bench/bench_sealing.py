"""Micro-benchmark of field sealing (R-PM-04); prints timings, asserts nothing.

Run: python tests/bench/bench_sealing.py
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Lets the script run from a checkout without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from crm.security.blind_index import PHONE, blind_index  # noqa: E402
from crm.security.keyring import generate_keyring  # noqa: E402
from crm.security.sealing import open_sealed, seal  # noqa: E402

ITERATIONS = 20_000
PLAINTEXT = "11010519491231002X"
FIELD = {"table": "customer", "column": "id_number", "record": "123456"}


def per_call_us(func: Callable[[], object]) -> float:
    for _ in range(1_000):
        func()
    start = time.perf_counter()
    for _ in range(ITERATIONS):
        func()
    return (time.perf_counter() - start) / ITERATIONS * 1e6


def measure() -> dict[str, float]:
    """µs per call of each operation and of the bare AES-GCM baseline, in one run."""
    keyring = generate_keyring()
    _, key = keyring.current_key()
    aesgcm = AESGCM(key)
    nonce = os.urandom(12)
    data = PLAINTEXT.encode()
    aad = b"customer\x1fid_number\x1f123456"
    token = seal(keyring=keyring, plaintext=PLAINTEXT, **FIELD)

    return {
        "baseline_aesgcm_encrypt_us": per_call_us(lambda: aesgcm.encrypt(nonce, data, aad)),
        "seal_us": per_call_us(lambda: seal(keyring=keyring, plaintext=PLAINTEXT, **FIELD)),
        "open_us": per_call_us(lambda: open_sealed(keyring=keyring, token=token, **FIELD)),
        "blind_index_us": per_call_us(lambda: blind_index(keyring=keyring, value="13812345678", purpose=PHONE)),
    }


def main() -> None:
    results = measure()
    print(f"{ITERATIONS} iterations, {len(PLAINTEXT)}-character field")
    for name, micros in results.items():
        print(f"  {name:<24} {micros:7.2f} µs/op")


if __name__ == "__main__":
    main()
