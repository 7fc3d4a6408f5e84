"""Chunking by structure first (sections, then paragraphs), then by size in the embedding model's tokens.

Every chunk lies inside one section; its `section_path` is the headings above it. Paragraphs of a
section are packed together up to `target_tokens`; a paragraph too long on its own is split at sentence
boundaries (LangChain's recursive splitter, measuring length with the model's tokenizer). The text that
is embedded is the document title and section path followed by the chunk text, and it never exceeds the
model's maximum sequence length.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge_base.records import Chunk, Document, Heading
from knowledge_base.text import is_list_item, leads_into_list

# 2: an over-long title + section prefix is trimmed to fit the model; 3: a list stays with its lead-in
CHUNKER_VERSION = 3
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True, slots=True)
class ChunkingConfig:
    target_tokens: int = 160
    max_tokens: int = 256

    def key(self, model: str) -> str:
        """Changes whenever re-chunking would give different chunks."""
        payload = json.dumps([CHUNKER_VERSION, self.target_tokens, self.max_tokens, model])
        return hashlib.sha256(payload.encode()).hexdigest()


def section_ranges(document: Document) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, section path) of each stretch of body text between headings."""
    ranges: list[tuple[int, int, tuple[str, ...]]] = []
    stack: list[Heading] = []
    cursor = 0
    path: tuple[str, ...] = ()
    for heading in sorted(document.headings, key=lambda h: h.start):
        if heading.start > cursor:
            ranges.append((cursor, heading.start, path))
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        stack.append(heading)
        path = tuple(h.title for h in stack if h.title != document.title or h.level > 1)
        cursor = heading.end
    ranges.append((cursor, len(document.text), path))
    return [(s, e, p) for s, e, p in ranges if document.text[s:e].strip()]


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


class Chunker:
    def __init__(
        self, count_tokens: Callable[[str], int], model_max_tokens: int, config: ChunkingConfig
    ) -> None:
        self._count = count_tokens
        self.config = config
        self._limit = min(config.max_tokens, model_max_tokens)

    def chunk(self, document: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        for start, end, path in section_ranges(document):
            prefix = self._fit(self._prefix(document.title, path))
            budget = max(32, self._limit - self._count(prefix))
            target = min(self.config.target_tokens, budget)
            for s, e in self._pack(document.text, start, end, target, budget):
                text = document.text[s:e]
                chunks.append(
                    Chunk(
                        document_id=document.id,
                        ordinal=len(chunks),
                        section_path=path,
                        text=text,
                        start=s,
                        end=e,
                        token_count=self._count(text),
                        embed_text=f"{prefix}{text}",
                    )
                )
        return chunks

    @staticmethod
    def _prefix(title: str, path: tuple[str, ...]) -> str:
        heads = [h for h in (title, *path) if h]
        return "\n".join(heads) + "\n" if heads else ""

    def _fit(self, prefix: str) -> str:
        """Trim a prefix longer than half the limit, so that prefix and chunk text fit the model together."""
        while prefix and self._count(prefix) > self._limit // 2:
            prefix = prefix[: len(prefix) * 3 // 4].rstrip()
            prefix = f"{prefix}\n" if prefix else ""
        return prefix

    def _pack(self, text: str, start: int, end: int, target: int, budget: int) -> list[tuple[int, int]]:
        pieces: list[tuple[int, int]] = []
        for s, e in _paragraphs(text, start, end):
            if self._count(text[s:e]) <= budget:
                pieces.append((s, e))
            else:
                pieces.extend(self._split_long(text, s, e, target))
        packed: list[list[tuple[int, int]]] = []  # each chunk's pieces
        for s, e in pieces:
            current = packed[-1] if packed else None
            if current is None:
                packed.append([(s, e)])
                continue
            last = text[current[-1][0] : current[-1][1]]
            in_list = is_list_item(text[s:e]) and (is_list_item(last) or leads_into_list(last))
            # an item of a list the chunk holds may fill it up to the model's budget: a list cut in two
            # leaves its last items without the sentence that says what they are ("- your income is
            # below $22,000" quoted alone, as if it were the supplement's amount)
            if self._count(text[current[0][0] : e]) <= (budget if in_list else target):
                current.append((s, e))
            elif (
                in_list
                and leads_into_list(last)
                and len(current) > 1
                and self._count(text[current[-1][0] : e]) <= budget
            ):
                packed.append([current.pop(), (s, e)])  # the lead-in goes with its list
            else:
                packed.append([(s, e)])
        return [(chunk[0][0], chunk[-1][1]) for chunk in packed]

    def _split_long(self, text: str, start: int, end: int, target: int) -> list[tuple[int, int]]:
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=target,
            chunk_overlap=0,
            length_function=self._count,
            separators=["\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
            keep_separator="end",
            add_start_index=True,
            strip_whitespace=True,
        )
        spans = []
        for piece in splitter.create_documents([text[start:end]]):
            s = start + int(piece.metadata["start_index"])
            spans.append((s, s + len(piece.page_content)))
        return spans
