"""Serve a peer's ASGI application the way ``alongside serve`` serves Alongside.

    python serve.py PROJECT.asgi:application --port 8771 --options '{"workers": 2, ...}'

``benchmarks/peers/run.py`` captures the keyword arguments that ``alongside serve`` passes to
``uvicorn.run`` (workers, event loop, HTTP parser, lifespan, log level...) and hands them here,
so the peer forum and the bare view run under the same server, settings and worker count.
Only Alongside's log filter (which hides tokens in URLs) is left out: it lives in Alongside's
package, which the peer's virtualenv does not have; uvicorn's default log configuration, at
the same level, logs the same access lines.
"""

from __future__ import annotations

import argparse
import json

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", help="module:attribute of the ASGI application")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--options", default="{}", help="uvicorn.run keyword arguments (JSON)")
    args = parser.parse_args()
    options = json.loads(args.options)
    uvicorn.run(args.app, host=args.host, port=args.port, **options)


if __name__ == "__main__":
    main()
