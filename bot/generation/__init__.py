"""Generative answers through LangChain chat models (ADR 15): an optional rephrasing of an answer the
extractive pipeline has already judged answerable, every sentence cited and verified, with the
extractive answer as the fallback."""
