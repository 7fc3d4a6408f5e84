"""Errors of setting up generation (shown to the operator as one clear line, never a stack trace)."""

from __future__ import annotations


class GenerationSetupError(Exception):
    pass
