"""The Dockerfile and `make install`, read structurally (no Docker engine here): multi-stage, non-root,
PyTorch's CPU build from PyTorch's CPU index, the model offline, and an image that holds every file
the services load."""

from __future__ import annotations

import ast
import fnmatch
import importlib
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from tests.deploy.compose_file import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.11+ has it
    pytest.skip("tomllib needs Python 3.11", allow_module_level=True)

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PACKAGES = (
    "askcity_cli",
    "bot",
    "evaluation",
    "ingest",
    "knowledge_base",
    "records_api",
    "trust",
    "web_widget",
)


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def dockerfile_stages() -> tuple[dict[str, str], list[Stage]]:
    """(global ARG defaults, stages), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.startswith("#")))
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical.splitlines():
        if not line.strip():
            continue
        keyword, _, rest = line.strip().partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            base, _, name = rest.partition(" AS ")
            stages.append(Stage(base, name.strip()))
        elif stages:
            stages[-1].instructions.append((keyword, rest))
        elif keyword == "ARG":
            name, _, default = rest.partition("=")
            args[name] = default
    return args, stages


def stage_args(stage: Stage) -> dict[str, str]:
    return dict(arg.partition("=")[::2] for arg in stage.all("ARG"))


def expand(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: values.get(m.group(1), m.group(0)), text)


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert match, f"Makefile has no {name}"
    return match.group(1)


def torch_requirement() -> SpecifierSet:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (torch,) = [d for d in pyproject["project"]["dependencies"] if re.match(r"torch\b", d)]
    return SpecifierSet(torch.removeprefix("torch").strip())


# ---- shape --------------------------------------------------------------------------------------
def test_the_image_is_built_in_stages_and_the_last_one_runs_as_a_non_root_user() -> None:
    _, stages = dockerfile_stages()
    assert len(stages) >= 2 and all(stage.name for stage in stages)
    final = stages[-1]
    assert any(args.startswith("--from=") for args in final.all("COPY")), "the last stage copies a build"
    users = final.all("USER")
    assert users and users[-1] not in ("root", "0", "0:0")
    keywords = [kw for kw, _ in final.instructions]
    assert keywords.index("USER") < keywords.index("CMD")
    assert not any("pip install" in run for run in final.all("RUN")), "nothing is installed in the last stage"


def test_the_model_stays_offline_in_the_image() -> None:
    _, stages = dockerfile_stages()
    env = " ".join(stages[-1].all("ENV"))
    for variable in ("HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1"):
        assert variable in env


# ---- PyTorch's CPU build --------------------------------------------------------------------------
def test_every_torch_install_uses_pytorchs_cpu_index_before_the_project_is_installed() -> None:
    globals_, stages = dockerfile_stages()
    torch_runs = []
    for stage in stages:
        values = {**globals_, **stage_args(stage)}
        runs = [expand(run, values) for run in stage.all("RUN")]
        for position, run in enumerate(runs):
            if re.search(r"pip install[^&]*\btorch\b", run):
                assert f"--index-url {CPU_INDEX}" in run.replace('"', ""), run
                torch_runs.append((stage.name, position))
            elif "pip install" in run and torch_runs:
                assert torch_runs[-1][0] == stage.name and torch_runs[-1][1] < position
    assert torch_runs, "the Dockerfile installs torch explicitly"


def test_the_dockerfile_and_make_install_pin_the_same_torch_within_pyproject() -> None:
    globals_, stages = dockerfile_stages()
    build_args = {**globals_, **stage_args(stages[0])}
    assert build_args["TORCH_VERSION"] == makefile_variable("TORCH_VERSION")
    assert build_args["TORCH_INDEX"] == makefile_variable("TORCH_INDEX") == CPU_INDEX
    assert makefile_variable("TORCH_VERSION") in torch_requirement()


def test_make_install_gets_torch_from_the_cpu_index_and_fails_fast_without_it() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    (line,) = [line for line in recipe.splitlines() if re.search(r"pip.*install.*torch", line, re.I)]
    assert '"torch==$(TORCH_VERSION)"' in line and "--index-url $(TORCH_INDEX)" in line
    assert "--retries 1" in line  # pip's default 5 retries cost ~8 s per lookup when the index is unreachable
    assert 'import torch"' in line  # idempotent: only when torch is missing


# ---- what goes into the image -------------------------------------------------------------------------
def dockerignore_allows(path: str) -> bool:
    allowed = False
    for pattern in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = pattern.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        if pattern == "**" or fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            allowed = negated
    return allowed


def test_every_file_the_dockerfile_copies_exists_and_is_in_the_build_context() -> None:
    _, stages = dockerfile_stages()
    copies = [args.split() for stage in stages for args in stage.all("COPY") if not args.startswith("--from")]
    assert copies
    for *sources, _target in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
            assert dockerignore_allows(source.rstrip("/")), f".dockerignore leaves out {source}"
    copied = {source.rstrip("/") for *sources, _ in copies for source in sources}
    assert set(PACKAGES) <= copied
    assert not dockerignore_allows(".venv") and not dockerignore_allows("var")


def test_the_build_time_warm_up_calls_real_functions() -> None:
    _, stages = dockerfile_stages()
    (snippet,) = [
        run.split("python -c ", 1)[1].strip().strip('"')
        for run in stages[-1].all("RUN")
        if "python -c" in run
    ]
    tree = ast.parse(snippet)
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imports
    for node in imports:
        module = importlib.import_module(node.module or "")
        for alias in node.names:
            assert hasattr(module, alias.name), f"{node.module}.{alias.name}"
    called = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    from knowledge_base.embedder import SentenceTransformerEmbedder

    assert {"warm_up", "for_queries"} <= called
    assert all(hasattr(SentenceTransformerEmbedder, name) for name in ("warm_up", "for_queries"))


def test_the_installed_project_holds_every_file_of_its_packages(tmp_path: Path) -> None:
    """`pip install .` in the Dockerfile installs a wheel, not the source tree: data files the services
    read (migrations, YAML, the widget) must be in it, or the image breaks where `make run` works."""
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            ".",
            "-w",
            str(tmp_path),
        ],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("askcity-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    files = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    wanted = {f for f in files if f.split("/")[0] in PACKAGES}
    assert wanted - packed == set()
    assert any(f.startswith("records_api/migrations/versions/") for f in packed)
