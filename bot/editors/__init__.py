"""The editors' side of the knowledge base (issue 13): drafts, review and publishing, and the editors'
hash-chained audit log. No FastAPI here; the routes are in `bot/api/routes_staff_drafts.py`."""
