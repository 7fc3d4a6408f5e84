"""The HTTP layer of the records service (FastAPI). The domain below it knows nothing of HTTP."""
