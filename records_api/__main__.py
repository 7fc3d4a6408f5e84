"""`python -m records_api --host H --port P [--seed-demo N]`: what `askcity run` launches."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from records_api.errors import RecordsError
from records_api.server import DEFAULT_HOST, DEFAULT_PORT, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m records_api", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--seed-demo",
        type=int,
        metavar="N",
        default=0,
        help="seed N fake residents first, if the database has none",
    )
    args = parser.parse_args(argv)
    from records_api.runtime import check_startup
    from records_api.settings import get_settings

    if args.seed_demo:
        from records_api.seed import seed_from_settings

        try:
            seed_from_settings(get_settings(), args.seed_demo, seed=4242)
        except (ValidationError, RecordsError) as exc:
            sys.stderr.write(f"records: cannot seed: {exc}\n")
            return 2
    try:
        check_startup(get_settings())
    except (ValidationError, RecordsError) as exc:
        sys.stderr.write(f"records: cannot start: {exc}\n")
        return 2
    run(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
