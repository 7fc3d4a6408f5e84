"""Code both services may import (a leaf: nothing of ours, no web framework).

- `tokens`: bearer-token verification (RS256 JWTs against an issuer's JWKS).
- `service_identity`: HMAC service signatures, so the records service can trust a resident's address
  that only the bot's service identity may assert.
- `audit_chain`, `checkpoint_store`: canonical JSON, hash-chained rows, and Ed25519-signed checkpoints
  that anchor a chain outside its database.
- `chain_head`: locking a chain's one-row head for an append (PostgreSQL and SQLite), and retrying an
  append that conflicted.
- `request_limits`: request size limits as ASGI middleware.
- `observability`: request ids, request timing by route template, the Prometheus exposition.
- `tracing`: optional OpenTelemetry traces.
"""
