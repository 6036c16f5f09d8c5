"""Supply chain: the MiniLM files are checked against the official sha256 and a tampered copy is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backfire.understand.embed import MiniLMEncoder, minilm_folder
from backfire.understand.integrity import MINILM_SHA256, IntegrityError, sha256_file, verify_files


def test_installed_files_match_the_official_hashes() -> None:
    verify_files(minilm_folder())
    weights = MINILM_SHA256["model.safetensors"]
    assert weights.startswith("53aa5117") and weights.endswith("d9db")


def tampered_copy(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    for file in ("model.safetensors", "tokenizer.json"):
        (folder / file).symlink_to(minilm_folder() / file)
    target = folder / name
    target.unlink()
    shutil.copyfile(minilm_folder() / name, target)
    with target.open("r+b") as fh:
        fh.seek(200)
        byte = fh.read(1)
        fh.seek(200)
        fh.write(bytes([byte[0] ^ 1]))
    return folder


@pytest.mark.parametrize("name", ["tokenizer.json", "model.safetensors"])
def test_tampered_copy_is_refused(tmp_path: Path, name: str) -> None:
    folder = tampered_copy(tmp_path, name)
    assert sha256_file(folder / name) != MINILM_SHA256[name]
    with pytest.raises(IntegrityError, match=f"Refusing to load .*{name}"):
        MiniLMEncoder(folder=folder)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IntegrityError, match="missing"):
        verify_files(tmp_path)
