"""Saved twins: round trip, checksum, signature, format version, registry allow-list."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pandas as pd
import pytest

import datatwin
from datatwin.errors import ArtifactError
from datatwin.io import FORMAT_VERSION


@pytest.fixture(scope="module")
def twin_file(tmp_path_factory):
    from tests.conftest import shared_path

    path = tmp_path_factory.mktemp("twin") / "adult.twin"
    twin = datatwin.fit(shared_path("adult/adult.csv.gz"), model="copula", seed=3)
    twin.save(path)
    return twin, path


def write_raw_twin(target, document: bytes, arrays: bytes) -> None:
    """A twin file with a valid manifest around arbitrary content (what a tamperer can make)."""
    manifest = json.dumps(
        {
            "twin.json": hashlib.sha256(document).hexdigest(),
            "arrays.safetensors": hashlib.sha256(arrays).hexdigest(),
        }
    ).encode()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("twin.json", document)
        archive.writestr("arrays.safetensors", arrays)
        archive.writestr("MANIFEST.json", manifest)


def rewrite(source, target, change):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.namelist():
            zout.writestr(item, change(item, zin.read(item)))


def test_round_trip_and_lineage(twin_file):
    twin, path = twin_file
    loaded = datatwin.load(path)
    pd.testing.assert_frame_equal(twin.sample(300, seed=5), loaded.sample(300, seed=5))
    lineage = loaded.lineage
    assert (lineage.source, lineage.n_rows, lineage.n_columns, lineage.model, lineage.seed) == (
        "adult.csv.gz", 32561, 15, "copula", 3,
    )  # fmt: skip
    assert lineage.datatwin_version == datatwin.__version__ and len(lineage.source_sha256) == 64
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {"twin.json", "arrays.safetensors", "MANIFEST.json"}
        assert not any(name.endswith((".pkl", ".pt", ".npy")) for name in archive.namelist())


def test_corrupt_array_bytes(twin_file, tmp_path):
    _, path = twin_file
    target = tmp_path / "t.twin"
    rewrite(path, target, lambda n, b: b[:-1] + bytes([b[-1] ^ 1]) if n == "arrays.safetensors" else b)
    with pytest.raises(ArtifactError, match="arrays.safetensors does not match its checksum"):
        datatwin.load(target)


def test_edited_document(twin_file, tmp_path):
    _, path = twin_file
    target = tmp_path / "t.twin"
    rewrite(path, target, lambda n, b: b.replace(b'"copula"', b'"os.system"') if n == "twin.json" else b)
    with pytest.raises(ArtifactError, match="twin.json does not match its checksum"):
        datatwin.load(target)


def test_unknown_model_name_even_with_matching_checksum(twin_file, tmp_path):
    _, path = twin_file
    with zipfile.ZipFile(path) as archive:
        document = archive.read("twin.json").replace(b'"name": "copula"', b'"name": "subprocess.run"')
        arrays = archive.read("arrays.safetensors")
    target = tmp_path / "t.twin"
    write_raw_twin(target, document, arrays)
    with pytest.raises(Exception, match="Unknown model 'subprocess.run'"):
        datatwin.load(target)


def test_signature(twin_file, tmp_path):
    twin, _ = twin_file
    signed = tmp_path / "signed.twin"
    twin.save(signed, key=b"secret")
    assert datatwin.load(signed, key=b"secret").lineage == twin.lineage
    with pytest.raises(ArtifactError, match="failed its signature check"):
        datatwin.load(signed, key=b"wrong")
    unsigned = tmp_path / "unsigned.twin"
    twin.save(unsigned)
    with pytest.raises(ArtifactError, match="is not signed"):
        datatwin.load(unsigned, key=b"secret")


def test_signing_key_from_environment(twin_file, tmp_path, monkeypatch):
    twin, _ = twin_file
    monkeypatch.setenv("DATATWIN_SIGNING_KEY", "env-secret")
    path = tmp_path / "env.twin"
    twin.save(path)
    assert datatwin.load(path).lineage == twin.lineage
    monkeypatch.setenv("DATATWIN_SIGNING_KEY", "other")
    with pytest.raises(ArtifactError, match="signature"):
        datatwin.load(path)


@pytest.mark.parametrize(
    ("version", "message"), [(FORMAT_VERSION + 1, "newer than this datatwin reads"), (0, "unknown format version")]
)
def test_unknown_format_version(twin_file, tmp_path, version, message):
    _, path = twin_file
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("twin.json"))
        arrays = archive.read("arrays.safetensors")
    document["format_version"] = version
    target = tmp_path / "v.twin"
    write_raw_twin(target, json.dumps(document).encode(), arrays)
    with pytest.raises(ArtifactError, match=message):
        datatwin.load(target)


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04truncated"])
def test_not_a_twin(tmp_path, content):
    path = tmp_path / "x.twin"
    path.write_bytes(content)
    with pytest.raises(ArtifactError):
        datatwin.load(path)


def test_zip_without_twin_members(tmp_path):
    path = tmp_path / "x.twin"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ArtifactError, match="not a datatwin twin file"):
        datatwin.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ArtifactError, match="does not exist"):
        datatwin.load(tmp_path / "nope.twin")
