"""The labelled PII dataset (`pii_sentences.jsonl`) and the script that generates it."""
