"""askcity records: residents' cases behind bearer tokens, masked by policy, audited in a chain.

A separate service with its own database; the bot reaches it over HTTP only. Start with
`records_api.api.app.create_app()` or `python -m records_api`; see docs/records_api.md.
"""
