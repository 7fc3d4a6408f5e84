"""Published versions on disk: build in a temporary directory, then swap a `CURRENT` pointer atomically.

    <root>/versions/v000007/   one complete, immutable snapshot with its manifest.json
    <root>/CURRENT             the name of the version being served (replaced with os.replace)
    <root>/.build-*            a build in progress; a crash leaves it behind, never half a version
    <root>/unserved/v000008    a draft build never served yet (an empty marker; the version's own
                               directory holds only what its manifest lists)

Pruning keeps the version served, the newest draft build, and the newest `keep` versions that were
ever served: rebuilding a draft (every upload does) never pushes a version residents were served out of
the rollback list; a draft build that a newer one replaced before it was served is pruned first.

A reader that finds CURRENT always finds a complete directory behind it, because the directory is
fully written and fsynced before the pointer moves.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from knowledge_base.errors import NoPublishedVersionError, RollbackError

_NAME = re.compile(r"^v(\d{6})$")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class VersionStore:
    def __init__(self, root: Path, keep: int = 5) -> None:
        self.root = root
        self.keep = keep
        self.versions_dir = root / "versions"
        self.pointer = root / "CURRENT"
        self.unserved_dir = root / "unserved"

    def names(self) -> list[str]:
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if _NAME.match(p.name))

    def current(self) -> str | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if (self.versions_dir / name).is_dir() else None

    def current_path(self) -> Path:
        name = self.current()
        if name is None:
            raise NoPublishedVersionError(
                f"No knowledge base has been published in {self.root}. Run `askcity ingest PATH` first."
            )
        return self.versions_dir / name

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One publisher at a time, across processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def build(self) -> Iterator[Path]:
        """A scratch directory for a new version; removed if the build raises."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(".build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=self.root))
        try:
            yield scratch
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def next_name(self) -> str:
        names = self.names()
        number = int(names[-1][1:]) + 1 if names else 1
        return f"v{number:06d}"

    def commit(self, scratch: Path, name: str, point: bool = True) -> None:
        """Move a finished build into place, then point CURRENT at it (unless `point` is False: a
        draft), then prune old versions."""
        for path in sorted(scratch.rglob("*"), reverse=True):
            if path.is_file():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
            else:
                _fsync_dir(path)
        _fsync_dir(scratch)
        if not point:
            self.unserved_dir.mkdir(parents=True, exist_ok=True)
            (self.unserved_dir / name).touch()
        final = self.versions_dir / name
        scratch.rename(final)
        _fsync_dir(self.versions_dir)
        if point:
            self.point_to(name)
        self.prune()

    def unserved(self) -> set[str]:
        """Draft builds never served (versions from before the marker count as served)."""
        if not self.unserved_dir.is_dir():
            return set()
        return {p.name for p in self.unserved_dir.iterdir() if _NAME.match(p.name)}

    def point_to(self, name: str) -> None:
        tmp = self.root / f".CURRENT.{os.getpid()}"
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.pointer)
        _fsync_dir(self.root)
        (self.unserved_dir / name).unlink(missing_ok=True)  # served now: it counts for rollback

    def previous(self) -> str:
        """The newest version before the current one that residents were served (not a draft build)."""
        current = self.current()
        unserved = self.unserved()
        older = [n for n in self.names() if (current is None or n < current) and n not in unserved]
        if not older:
            raise RollbackError("There is no earlier published version to roll back to.")
        return older[-1]

    def prune(self) -> list[str]:
        """Remove all but the served version, the newest draft build and the newest `keep` versions
        ever served; return the names removed."""
        names = self.names()
        current = self.current()
        unserved = self.unserved()
        drafts = [n for n in names if n in unserved and n != current]
        served = [n for n in names if n not in drafts]
        kept = {current, *drafts[-1:], *served[max(0, len(served) - self.keep) :]}
        doomed = [n for n in names if n not in kept]
        for name in doomed:
            shutil.rmtree(self.versions_dir / name, ignore_errors=True)
        for name in unserved - kept:  # markers of removed (or vanished) versions
            (self.unserved_dir / name).unlink(missing_ok=True)
        return doomed
