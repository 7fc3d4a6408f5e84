"""Code both services may import (a leaf: nothing of ours, no web framework).

- `service_identity`: HMAC service signatures, so the records service can trust a resident's address
  that only the bot's service identity may assert.
- `audit_chain`: canonical JSON, hash-chained rows, and Ed25519-signed checkpoints that anchor a
  chain outside its database.
"""
