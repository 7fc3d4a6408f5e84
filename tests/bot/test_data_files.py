"""The answering data files (`bot/answering/data/*.yml`) hold each key once: YAML lets a repeated key
silently replace the first, and one reply then says what another should (a second `handoff_closed`
once told residents outside opening hours that a supervisor had closed their request)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parents[2] / "bot" / "answering" / "data"


class _UniqueKeys(yaml.SafeLoader):
    pass


def _mapping(loader: _UniqueKeys, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
    if repeated:
        raise yaml.constructor.ConstructorError(None, None, f"repeated keys {repeated}", node.start_mark)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yml")), ids=lambda p: p.name)
def test_every_key_is_written_once(path: Path) -> None:
    yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys)
