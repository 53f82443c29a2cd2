"""The engine version: the release plus a digest of the engine's code and rule files, so a
stored assessment names exactly what produced it and any change to either changes it."""

from __future__ import annotations

import hashlib
from importlib import resources

ENGINE_RELEASE = "1.0"


def _digest() -> str:
    digest = hashlib.sha256()
    package = resources.files("alongside.safety.detection")
    sources = sorted(
        [item for item in package.iterdir() if item.name.endswith(".py")]
        + [item for item in (package / "data").iterdir() if item.name.endswith(".toml")],
        key=lambda item: item.name,
    )
    for item in sources:
        digest.update(item.name.encode())
        digest.update(item.read_bytes())
    return digest.hexdigest()[:10]


VERSION = f"{ENGINE_RELEASE}+{_digest()}"
