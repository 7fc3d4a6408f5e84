"""Bring the bot's databases to the newest schema, once, before the bot replicas start.

    python deploy/migrate.py          (in the image: python /opt/askcity/deploy/migrate.py)

The compose service `migrate` and the Kubernetes Job of docs/deploy.md run it with the bot's
environment. It migrates the knowledge base's metadata (`ASKCITY_KB_DATABASE_URL`) and the bot's
transcripts, feedback and curated answers (`ASKCITY_BOT_DATABASE_URL`) with their Alembic migrations;
several replicas starting at once then find nothing left to do instead of racing each other. The
records service migrates its own database at start-up (`ASKCITY_RECORDS_AUTO_MIGRATE`, one instance).
"""

from __future__ import annotations

import sys


def main() -> int:
    from pydantic import ValidationError

    from bot.settings import get_settings
    from bot.storage.database import BotDatabase
    from knowledge_base.factory import open_knowledge_base

    try:
        settings = get_settings()
    except ValidationError as exc:
        names = ", ".join(f"ASKCITY_{str(e['loc'][0]).upper()}" for e in exc.errors() if e["loc"])
        sys.stderr.write(f"migrate: invalid settings: {names or exc.error_count()}\n")
        return 2
    open_knowledge_base(settings, migrate=True).close()
    database = BotDatabase(settings.bot_database())
    try:
        database.migrate()
    finally:
        database.close()
    sys.stdout.write("migrate: knowledge base and bot databases are at the newest schema\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
