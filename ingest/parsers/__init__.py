"""File parsers: PDF, DOCX, HTML, Markdown, plain text and the benchmark JSONL format."""

from ingest.parsers.formats import SUPPORTED, Parsed, parse_jsonl

__all__ = ["SUPPORTED", "Parsed", "parse_jsonl"]
