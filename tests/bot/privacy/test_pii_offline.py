"""The detector runs offline and model-free, and importing the package builds nothing.

The network check runs in a fresh interpreter, so that presidio, spaCy and tldextract are imported while
an audit hook watches every socket and URL opened; the same interpreter shows that warming up leaves
transformers unimported (presidio would import it for an engine askcity does not use) and that it can
still be imported afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bot.privacy
from bot.privacy import PiiDetector, Redactor

REPO = Path(bot.privacy.__file__).resolve().parents[2]

PROBE = textwrap.dedent(
    """
    import json, sys

    NETWORK = {
        "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
        "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg", "urllib.Request",
        "http.client.connect",
    }
    events = []
    sys.addaudithook(lambda event, args: events.append(event) if event in NETWORK else None)

    import spacy, spacy.util
    loads = []
    def refuse(*args, **kwargs):
        loads.append(repr(args))
        raise RuntimeError("no spaCy model may be loaded")
    spacy.load = refuse
    spacy.util.load_model = refuse

    from bot.privacy import PiiDetector, Redactor
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    result = redactor.redact("mail jane@example.org, passport E12345678, call (555) 014-2233")
    transformers_after_warm_up = "transformers" in sys.modules
    import transformers
    print(json.dumps({
        "transformers_after_warm_up": transformers_after_warm_up,
        "transformers_later": bool(transformers.__version__),
        "network": events,
        "spacy_loads": loads,
        "models": sorted(m for m in sys.modules if m.startswith("en_core_web")),
        "text": result.text,
    }))
    """
)


def test_warming_up_and_redacting_open_no_connection_and_load_no_spacy_model() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["text"] == "mail [EMAIL], passport [PASSPORT], call [PHONE]"
    assert outcome["network"] == []
    assert outcome["spacy_loads"] == []
    assert outcome["models"] == []
    assert outcome["transformers_after_warm_up"] is False and outcome["transformers_later"] is True


UNUSED = textwrap.dedent(
    """
    import json, sys
    from bot.privacy import PiiDetector, Redactor
    Redactor(PiiDetector()).warm_up()
    unused = sorted(m for m in ("transformers", "torch") if m in sys.modules)
    import torch, transformers
    print(json.dumps({"unused": unused, "later": [torch.__version__ != "", transformers.__version__ != ""]}))
    """
)


def test_warming_up_imports_neither_transformers_nor_pytorch_and_both_still_import_later() -> None:
    """presidio would import transformers for its Hugging Face engine, and spaCy's thinc PyTorch; askcity
    uses neither engine, and a later import (the generative backend) must still work."""
    completed = subprocess.run(
        [sys.executable, "-c", UNUSED], cwd=REPO, capture_output=True, text=True, check=True, timeout=240
    )
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome == {"unused": [], "later": [True, True]}


def test_importing_the_package_imports_neither_presidio_nor_spacy() -> None:
    probe = "import sys, bot.privacy; print(sorted({m.split('.')[0] for m in sys.modules}))"
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = set(json.loads(completed.stdout.replace("'", '"')))
    assert not loaded & {
        "presidio_analyzer",
        "presidio_anonymizer",
        "spacy",
        "torch",
        "phonenumbers",
    }


def test_in_process_detection_never_calls_spacy_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("spacy.load was called")

    monkeypatch.setattr(spacy, "load", refuse)
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    assert redactor.redact("SSN 536-22-8726").text == "SSN [SSN]"
    assert not [name for name in sys.modules if name.startswith("en_core_web")]
