"""The bot's own SQL data: transcripts, feedback and curated answers (SQLite or PostgreSQL)."""
