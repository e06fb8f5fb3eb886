"""A real `crm` server in a subprocess, for tests that need one (schemathesis, browsers)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parent.parent
CRM = str(Path(sys.executable).with_name("crm"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(data_dir: Path, *, demo_customers: bool = False) -> Iterator[str]:
    """`crm init` (or `crm demo`) into ``data_dir``, then `crm serve` on a free port until exit."""
    port = free_port()
    # Only this server's settings: nothing inherited may point it at another database.
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRM_")}
    env.update(CRM_DATA_DIR=str(data_dir), CRM_HOST="127.0.0.1", CRM_PORT=str(port), PYTHONUNBUFFERED="1")
    init = [CRM, "demo", "--no-serve"] if demo_customers else [CRM, "init", "--fixtures", str(ROOT / "fixtures" / "demo")]
    subprocess.run(init, env=env, check=True, capture_output=True, cwd=ROOT)
    log = open(data_dir / "server.log", "wb")
    process = subprocess.Popen([CRM, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {(data_dir / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
