"""Chunking with the bundled model's own tokenizer: structure first, then size, never above the model's limit.

Every chunk is checked against the document it came from: its text is its slice, it stays inside one
section, its section path is the headings above it, its embedded text fits the model, and together the
chunks cover every non-blank character of every section body.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ingest.chunking import Chunker, ChunkingConfig
from knowledge_base.records import Chunk, Document, Heading
from tests.conftest import CountingEmbedder
from tests.ingest.samples import as_document, sample_files

SAMPLES = sample_files()
SMALL = ChunkingConfig(target_tokens=40, max_tokens=64)
CONFIGS = {"default": ChunkingConfig(), "small": SMALL}
_chunked: dict[tuple[str, str], tuple[Document, list[Chunk]]] = {}


def chunker(embedder: CountingEmbedder, config: ChunkingConfig | None = None) -> Chunker:
    return Chunker(embedder.count_tokens, embedder.max_tokens, config or ChunkingConfig())


def chunked(path: Path, config: str, embedder: CountingEmbedder) -> tuple[Document, list[Chunk]]:
    """A sample document and its chunks, computed once per test session and configuration."""
    if (path.name, config) not in _chunked:
        document = as_document(path)
        _chunked[path.name, config] = (document, chunker(embedder, CONFIGS[config]).chunk(document))
    return _chunked[path.name, config]


def document_with(*blocks: tuple[int, str], title: str = "Guide") -> Document:
    """A document built from (heading level or 0, text) blocks separated by blank lines."""
    text, headings = "", []
    for level, block in blocks:
        if text:
            text += "\n\n"
        if level:
            headings.append(Heading(level, block, len(text), len(text) + len(block)))
        text += block
    return Document(id="guide", title=title, text=text, headings=tuple(headings))


def headings_above(document: Document, position: int) -> tuple[str, ...]:
    stack: list[Heading] = []
    for heading in sorted(document.headings, key=lambda h: h.start):
        if heading.start >= position:
            break
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        stack.append(heading)
    return tuple(h.title for h in stack if not (h.level == 1 and h.title == document.title))


def section_bodies(document: Document) -> list[tuple[int, int]]:
    """The stretches of text between headings."""
    edges = sorted((h.start, h.end) for h in document.headings)
    bodies, cursor = [], 0
    for start, end in edges:
        bodies.append((cursor, start))
        cursor = end
    bodies.append((cursor, len(document.text)))
    return bodies


def lost_characters(document: Document, chunks: list[Chunk]) -> str:
    covered = bytearray(len(document.text))
    for c in chunks:
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    return "".join(
        document.text[i]
        for start, end in section_bodies(document)
        for i in range(start, end)
        if not covered[i] and not document.text[i].isspace()
    )


def assert_well_formed(
    document: Document, chunks: list[Chunk], embedder: CountingEmbedder, limit: int
) -> None:
    assert chunks
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for before, after in itertools.pairwise(chunks):
        assert before.end <= after.start, "chunks are in document order and do not overlap"
    bodies = section_bodies(document)
    for c in chunks:
        assert c.document_id == document.id
        assert c.text == document.text[c.start : c.end] and c.text.strip() == c.text != ""
        assert any(s <= c.start and c.end <= e for s, e in bodies), "a chunk stays inside one section"
        assert c.section_path == headings_above(document, c.start)
        assert c.token_count == embedder.count_tokens(c.text)
        assert embedder.count_tokens(c.embed_text) <= limit
        assert c.embed_text.endswith(c.text)
    assert lost_characters(document, chunks) == ""


# ---- the shipped samples, at the shipped size and at a small size that forces splitting -------------
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_when_a_sample_is_chunked_then_every_chunk_is_well_formed(
    path: Path, config: str, embedder: CountingEmbedder
) -> None:
    document, chunks = chunked(path, config, embedder)
    limit = min(CONFIGS[config].max_tokens, embedder.max_tokens)
    assert_well_formed(document, chunks, embedder, limit)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_when_a_sample_is_chunked_then_title_and_section_path_lead_the_embedded_text(
    path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    document, chunks = chunked(path, "default", embedder)
    for c in chunks:
        assert c.embed_text == "\n".join([document.title, *c.section_path, c.text])
    assert any(c.section_path for c in chunks), "sections reach the embedded text"


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_when_a_sample_is_chunked_then_every_section_gets_its_own_chunks(
    path: Path, embedder: CountingEmbedder
) -> None:
    document, chunks = chunked(path, "default", embedder)
    with_body = {
        headings_above(document, end)
        for start, end in section_bodies(document)
        if document.text[start:end].strip()
    }
    assert {c.section_path for c in chunks} == with_body


def test_when_the_size_is_smaller_then_chunks_are_smaller_and_more(embedder: CountingEmbedder) -> None:
    default = sum(len(chunked(p, "default", embedder)[1]) for p in SAMPLES)
    small = sum(len(chunked(p, "small", embedder)[1]) for p in SAMPLES)
    assert small > default >= len(SAMPLES)
    assert max(c.token_count for p in SAMPLES for c in chunked(p, "small", embedder)[1]) <= SMALL.max_tokens


# ---- inputs built to stress the size limit ----------------------------------------------------------
SENTENCE = "Residents may apply for a permit online, by post or at the counter in City Hall. "
WORDS = "the permit holder shall keep the permit visible on the dashboard at all times while parked "
LONG_INPUTS = {
    "long-paragraph": " ".join(f"Rule {i}: {SENTENCE.strip()}" for i in range(120)),
    "repeated-sentence": (SENTENCE * 150).strip(),
    "enormous-sentence-without-punctuation": (WORDS * 90).strip(),
    "one-long-url-without-spaces": "https://www.millbrook.example/"
    + "/".join(f"section-{i}-page" for i in range(400)),
    "long-lines-without-blank-lines": "\n".join(SENTENCE * 3 for _ in range(40)),
}


@pytest.mark.parametrize("body", LONG_INPUTS.values(), ids=LONG_INPUTS.keys())
def test_when_a_paragraph_is_too_long_then_it_is_split_under_the_limit(
    body: str, embedder: CountingEmbedder
) -> None:
    document = document_with(
        (1, "Guide"), (2, "Parking rules"), (0, body), (2, "Contact"), (0, "Call 555-0100.")
    )
    assert embedder.count_tokens(body) > 2 * embedder.max_tokens, "the input really is too long"
    chunks = chunker(embedder).chunk(document)
    assert_well_formed(document, chunks, embedder, embedder.max_tokens)
    rules = [c for c in chunks if c.section_path == ("Parking rules",)]
    assert len(rules) >= 3
    assert all(c.token_count <= ChunkingConfig().target_tokens for c in rules)
    assert chunks[-1].section_path == ("Contact",) and chunks[-1].text == "Call 555-0100."


def test_when_short_paragraphs_share_a_section_then_they_are_packed_up_to_the_target(
    embedder: CountingEmbedder,
) -> None:
    paragraphs = [(0, f"Item {i}: bring proof of address.") for i in range(60)]
    document = document_with((1, "Guide"), (2, "What to bring"), *paragraphs, (2, "Fees"), (0, "It is free."))
    config = ChunkingConfig(target_tokens=60)
    chunks = chunker(embedder, config).chunk(document)
    assert_well_formed(document, chunks, embedder, embedder.max_tokens)
    packed = [c for c in chunks if c.section_path == ("What to bring",)]
    assert 1 < len(packed) < len(paragraphs)
    assert all(c.token_count <= config.target_tokens for c in packed)
    assert chunks[-1].text == "It is free.", "paragraphs of different sections are never packed together"


def test_a_list_that_fits_the_model_stays_in_one_chunk_with_its_lead_in(embedder: CountingEmbedder) -> None:
    """Packed to the target alone, the supplement's last condition ("- your income is below $22,000")
    started a chunk of its own and was quoted without the sentence that says what it is."""
    intro = (0, "The supplement tops up the income of seniors with low income. " * 3)
    items = [(0, f"- condition number {i} about age, residence and income applies;") for i in range(6)]
    after = (0, "Apply at the City Pension Office.")
    lead_in = (0, "You can receive the supplement if:")
    document = document_with((2, "Supplement"), intro, lead_in, *items, after)
    config = ChunkingConfig(target_tokens=80, max_tokens=256)
    chunks = chunker(embedder, config).chunk(document)
    assert_well_formed(document, chunks, embedder, embedder.max_tokens)
    holding = [c for c in chunks if "condition number" in c.text]
    assert len(holding) == 1 and "You can receive the supplement if:" in holding[0].text
    assert holding[0].token_count > config.target_tokens  # over the target, within the budget


def test_a_lead_in_that_cannot_share_a_chunk_with_its_list_starts_the_next(
    embedder: CountingEmbedder,
) -> None:
    intro = (0, "Residents may bring bulky items to the depot on weekdays. " * 7)
    items = [(0, f"- item number {i}: sofas, chairs, tables, dressers and bed frames;") for i in range(4)]
    document = document_with((2, "Accepted"), intro, (0, "Accepted items include:"), *items)
    config = ChunkingConfig(target_tokens=100, max_tokens=104)
    chunks = chunker(embedder, config).chunk(document)
    assert_well_formed(document, chunks, embedder, embedder.max_tokens)
    assert not chunks[0].text.rstrip().endswith(":"), "a lead-in never ends a chunk without its list"
    assert chunks[1].text.startswith("Accepted items include:\n\n- item number 0")


def test_when_headings_nest_then_the_section_path_is_every_heading_above(embedder: CountingEmbedder) -> None:
    document = document_with(
        (0, "Opening words before any heading."),
        (1, "Guide"),
        (0, "Introduction."),
        (2, "Fees"),
        (3, "Seniors"),
        (0, "Seniors pay half."),
        (3, "Students"),
        (0, "Students pay a quarter."),
        (2, "Contact"),
        (0, "Call us."),
    )
    chunks = chunker(embedder).chunk(document)
    assert_well_formed(document, chunks, embedder, embedder.max_tokens)
    assert [(c.section_path, c.text) for c in chunks] == [
        ((), "Opening words before any heading."),
        ((), "Introduction."),
        (("Fees", "Seniors"), "Seniors pay half."),
        (("Fees", "Students"), "Students pay a quarter."),
        (("Contact",), "Call us."),
    ]
    assert chunks[2].embed_text == "Guide\nFees\nSeniors\nSeniors pay half."


def test_when_a_top_heading_is_not_the_title_then_it_is_part_of_the_path(embedder: CountingEmbedder) -> None:
    document = document_with(
        (1, "Part One"), (0, "Body one."), (1, "Part Two"), (0, "Body two."), title="Guide"
    )
    chunks = chunker(embedder).chunk(document)
    assert [(c.section_path, c.embed_text) for c in chunks] == [
        (("Part One",), "Guide\nPart One\nBody one."),
        (("Part Two",), "Guide\nPart Two\nBody two."),
    ]


def test_when_the_title_and_headings_are_very_long_then_the_embedded_text_still_fits(
    embedder: CountingEmbedder,
) -> None:
    title = "Eligibility requirements and conditions for applicants " * 20
    heading = "How to apply for the permit when you live outside the city limits " * 15
    document = document_with((1, title), (2, heading), (0, (SENTENCE * 30).strip()), title=title)
    chunks = chunker(embedder).chunk(document)
    assert embedder.count_tokens(f"{title}\n{heading}\n") > embedder.max_tokens, (
        "the prefix alone is too long"
    )
    assert_well_formed(document, chunks, embedder, embedder.max_tokens)
    assert all(c.embed_text.startswith(title[:100]) for c in chunks)


def test_when_a_document_has_no_headings_then_it_is_one_untitled_section(embedder: CountingEmbedder) -> None:
    document = Document(id="plain", title="", text="\n\nFirst paragraph.\n\n\n\nSecond paragraph.\n\n")
    chunks = chunker(embedder).chunk(document)
    assert_well_formed(document, chunks, embedder, embedder.max_tokens)
    assert [(c.section_path, c.text, c.embed_text) for c in chunks] == [
        ((), "First paragraph.\n\n\n\nSecond paragraph.", "First paragraph.\n\n\n\nSecond paragraph.")
    ]


def test_when_a_section_has_no_body_then_it_has_no_chunk(embedder: CountingEmbedder) -> None:
    document = document_with((1, "Guide"), (2, "Empty section"), (2, "Full section"), (0, "Some text."))
    chunks = chunker(embedder).chunk(document)
    assert [c.section_path for c in chunks] == [("Full section",)]


def test_the_chunking_key_changes_with_the_size_and_the_model() -> None:
    keys = {
        ChunkingConfig().key("model-a"),
        ChunkingConfig(target_tokens=100).key("model-a"),
        ChunkingConfig(max_tokens=128).key("model-a"),
        ChunkingConfig().key("model-b"),
    }
    assert len(keys) == 4
    assert ChunkingConfig().key("model-a") == ChunkingConfig().key("model-a")
