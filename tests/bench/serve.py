"""Serve the CRM or the bare baseline app with uvicorn, one worker, on 127.0.0.1.

    python -m tests.bench.serve --target crm|bare --port 8123 [--engine app|piccolo|pooled]

The CRM reads its settings (CRM_DATA_DIR …) from the environment, as `crm serve` does. Both
targets get the same uvicorn configuration (uvloop and httptools when installed, no access
log), so the only difference between the two figures is the application.
"""

from __future__ import annotations

import argparse

import uvicorn

from tests.bench.engines import ENGINES, use_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=("crm", "bare"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--engine", choices=ENGINES, default="app")
    args = parser.parse_args()
    if args.target == "crm":
        use_engine(args.engine)
        from crm.app import create_app

        app = create_app()
    else:
        from tests.bench.bare_app import app
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, workers=1, log_level="warning", access_log=False,
        proxy_headers=False, server_header=False, date_header=True,
    )


if __name__ == "__main__":
    main()
