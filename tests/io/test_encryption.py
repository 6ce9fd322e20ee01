"""Twin files encrypted at rest: nothing readable without the passphrase, the same twin with it."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from datatwin.errors import ArtifactError, ConfigError
from datatwin.io.encryption import ENCRYPTION_KEY_ENV, MAGIC

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    from tests.conftest import shared_path

    data = pd.read_csv(shared_path("adult/adult.csv.gz")).head(3000)
    twin = datatwin.fit(data, model="copula", seed=2)
    folder = tmp_path_factory.mktemp("encrypted")
    twin.save(folder / "plain.twin")
    twin.save(folder / "secret.twin", encryption_key=PASSPHRASE)
    return data, twin, folder


def test_an_encrypted_twin_reveals_nothing_of_its_schema(fitted):
    data, _, folder = fitted
    content = (folder / "secret.twin").read_bytes()
    plain = (folder / "plain.twin").read_bytes()
    assert content.startswith(MAGIC) and not plain.startswith(MAGIC)
    assert b"PK\x03\x04" in plain and b"PK\x03\x04" not in content[:200]  # no zip inside
    for word in [*data.columns, "twin.json", "copula", "schema", "lineage", "adult", "Private", "Bachelors"]:
        assert word.encode() not in content, word
    assert abs(len(content) - len(plain)) < 400  # the same twin plus a header and a tag


def test_it_opens_with_its_passphrase_only(fitted, monkeypatch):
    _, twin, folder = fitted
    path = folder / "secret.twin"
    monkeypatch.delenv(ENCRYPTION_KEY_ENV, raising=False)
    with pytest.raises(ArtifactError, match=r"is encrypted: set \$DATATWIN_ENCRYPTION_KEY"):
        datatwin.load(path)
    with pytest.raises(ArtifactError, match="could not be decrypted: the key is wrong"):
        datatwin.load(path, encryption_key="wrong horse battery staple")
    expected = twin.sample(200, seed=4)
    pd.testing.assert_frame_equal(datatwin.load(path, encryption_key=PASSPHRASE).sample(200, seed=4), expected)
    monkeypatch.setenv(ENCRYPTION_KEY_ENV, PASSPHRASE)
    pd.testing.assert_frame_equal(datatwin.load(path).sample(200, seed=4), expected)


@pytest.mark.parametrize("where", ["header", "ciphertext", "tag", "truncated"])
def test_an_altered_file_is_refused(fitted, tmp_path, where):
    content = bytearray((fitted[2] / "secret.twin").read_bytes())
    if where == "truncated":
        content = content[:-20]
    else:
        at = {"header": len(MAGIC) + 30, "ciphertext": len(content) // 2, "tag": len(content) - 3}[where]
        content[at] ^= 0x01
    path = tmp_path / "altered.twin"
    path.write_bytes(bytes(content))
    with pytest.raises(ArtifactError, match="could not be decrypted|not a readable encrypted twin"):
        datatwin.load(path, encryption_key=PASSPHRASE)


def test_each_save_has_its_own_salt_and_nonce(fitted, tmp_path):
    _, twin, _ = fitted
    twin.save(tmp_path / "a.twin", encryption_key=PASSPHRASE)
    twin.save(tmp_path / "b.twin", encryption_key=PASSPHRASE)
    assert (tmp_path / "a.twin").read_bytes() != (tmp_path / "b.twin").read_bytes()
    a = datatwin.load(tmp_path / "a.twin", encryption_key=PASSPHRASE).sample(50, seed=1)
    pd.testing.assert_frame_equal(a, datatwin.load(tmp_path / "b.twin", encryption_key=PASSPHRASE).sample(50, seed=1))


def test_an_empty_passphrase_is_refused(fitted, tmp_path):
    with pytest.raises(ConfigError, match="empty passphrase"):
        fitted[1].save(tmp_path / "x.twin", encryption_key="")


def test_the_cli_encrypts_with_a_key_file_and_asks_for_it_to_open(tmp_path, monkeypatch):
    from tests.conftest import shared_path

    monkeypatch.delenv(ENCRYPTION_KEY_ENV, raising=False)
    runner = CliRunner()
    data = tmp_path / "people.csv"
    pd.read_csv(shared_path("adult/adult.csv.gz")).head(800).to_csv(data, index=False)
    key_file = tmp_path / "twin.key"
    key_file.write_text(PASSPHRASE + "\n")
    twin = tmp_path / "people.twin"

    refused = runner.invoke(app, ["fit", str(data), "-o", str(twin), "--model", "copula", "--encrypt"])
    assert refused.exit_code != 0 and "--encrypt needs a passphrase" in refused.output and not twin.exists()
    stray = runner.invoke(app, ["fit", str(data), "-o", str(twin), "--key-file", str(key_file)])
    assert stray.exit_code != 0 and "--key-file applies with --encrypt" in stray.output

    done = runner.invoke(
        app, ["fit", str(data), "-o", str(twin), "--model", "copula", "--encrypt", "--key-file", str(key_file)]
    )
    assert done.exit_code == 0, done.output
    assert twin.read_bytes().startswith(MAGIC)
    rows = tmp_path / "rows.csv"
    locked = runner.invoke(app, ["sample", str(twin), "-o", str(rows), "-n", "50"])
    assert locked.exit_code != 0 and "is encrypted" in locked.output and "Traceback" not in locked.output
    opened = runner.invoke(app, ["sample", str(twin), "-o", str(rows), "-n", "50", "--key-file", str(key_file)])
    assert opened.exit_code == 0, opened.output
    assert len(pd.read_csv(rows)) == 50
    monkeypatch.setenv(ENCRYPTION_KEY_ENV, PASSPHRASE)  # the same passphrase from the environment
    again = runner.invoke(app, ["sample", str(twin), "-o", str(rows), "-n", "50", "--overwrite"])
    assert again.exit_code == 0, again.output
