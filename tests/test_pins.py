"""Pinned versions read from each manifest format; precedence; broken files never fail a run."""

from __future__ import annotations

import textwrap

import pytest

from mlgreenlint.repository.pins import read_pins


def write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")



@pytest.mark.parametrize(
    "rel, text, package, spec, source",
    [
        ("requirements.txt", "# deps\ntorch>=2.1\ntrl==0.18.2  # pinned\n", "trl", "trl==0.18.2", "requirements.txt:3"),
        ("requirements-train.txt", "TRL[peft] == 0.18.2 ; python_version > '3.9'\n", "trl", "TRL==0.18.2", "requirements-train.txt:1"),
        ("requirements/base.txt", "accelerate~=0.34.2\n", "accelerate", "accelerate>=0.34.2,<0.35", "requirements/base.txt:1"),
        ("constraints.txt", "transformers==4.57.6\n", "transformers", "transformers==4.57.6", "constraints.txt:1"),
        ("pyproject.toml", '[project]\nname = "x"\ndependencies = [\n  "trl>=0.17,<0.19",\n]\n', "trl", "trl>=0.17,<0.19", "pyproject.toml:4"),
        ("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.10"\ntrl = "^0.18.2"\n', "trl", "trl>=0.18.2,<0.19", "pyproject.toml:3"),
        # The pin's own line, not a name, author or description that mentions the package first.
        ("pyproject.toml", '[project]\nname = "trl-demo"\ndescription = "fine-tunes with trl"\nauthors = [{ name = "trl" }]\n'
         'dependencies = ["numpy", "trl==0.18.2"]\n', "trl", "trl==0.18.2", "pyproject.toml:5"),
        ("pyproject.toml", '[tool.poetry]\nauthors = ["trl <t@example.org>"]\n[tool.poetry.dependencies]\ntrl = "0.18.2"\n',
         "trl", "trl==0.18.2", "pyproject.toml:4"),
        ("pyproject.toml", '[tool.poetry.dependencies]\ntrl = { version = "0.18.2", extras = ["peft"] }\n', "trl", "trl==0.18.2", "pyproject.toml:2"),
        ("uv.lock", 'version = 1\n\n[[package]]\nname = "trl"\nversion = "0.18.2"\n', "trl", "trl==0.18.2", "uv.lock:4"),
        ("poetry.lock", '[[package]]\nname = "transformers"\nversion = "5.24.0"\n', "transformers", "transformers==5.24.0", "poetry.lock:2"),
        ("setup.cfg", "[metadata]\nname = x\n[options]\ninstall_requires =\n    lightning==2.6.6\n", "lightning", "lightning==2.6.6", "setup.cfg:5"),
        ("environment.yml", "name: x\ndependencies:\n  - python=3.11\n  - pytorch=2.1.0\n  - pip:\n    - trl==0.18.2\n", "trl", "trl==0.18.2", "environment.yml:6"),
        ("environment.yml", "dependencies:\n  - pytorch-lightning=1.9\n", "pytorch-lightning", "pytorch-lightning>=1.9,<1.10", "environment.yml:2"),
    ],
)
def test_each_manifest_format(tmp_path, rel, text, package, spec, source):
    write(tmp_path, rel, text)
    pin = read_pins(tmp_path).pin(package)
    assert pin is not None
    assert pin.spec == spec
    assert pin.source == source


def test_conda_pytorch_is_torch(tmp_path):
    write(tmp_path, "environment.yml", "dependencies:\n  - pytorch=2.1.0\n")
    assert read_pins(tmp_path).pin("torch").version == "2.1.0"


def test_lock_file_beats_requirements_and_exact_beats_range(tmp_path):
    write(tmp_path, "requirements.txt", "trl>=0.17\ntransformers>=4.40\n")
    write(tmp_path, "pyproject.toml", '[project]\ndependencies = ["transformers==4.57.6"]\n')
    write(tmp_path, "uv.lock", '[[package]]\nname = "trl"\nversion = "0.18.2"\n')
    versions = read_pins(tmp_path)
    assert versions.pin("trl").source == "uv.lock:2"
    assert versions.pin("transformers").spec == "transformers==4.57.6"
    assert versions.sources == ["uv.lock", "requirements.txt", "pyproject.toml"]


def test_included_requirements_are_followed(tmp_path):
    write(tmp_path, "requirements.txt", "-r requirements/train.txt\n")
    write(tmp_path, "requirements/train.txt", "# training\ntrl==0.18.2\n")
    assert read_pins(tmp_path).pin("trl").source == "requirements/train.txt:2"


def test_version_predicates_follow_pins_and_ranges(tmp_path):
    write(tmp_path, "requirements.txt", "trl==0.18.2\naccelerate>=0.20\nlightning<2.0\n")
    versions = read_pins(tmp_path)
    assert versions.below("trl", "0.19")
    assert not versions.below("accelerate", "0.30")  # a lower bound installs the newest release
    assert versions.below("lightning", "2.0")  # every allowed release is below 2.0
    assert not versions.below("transformers", "5.0")  # unpinned: newest release
    assert versions.describe("transformers") == "transformers is not pinned: assuming its newest release"
    assert versions.describe("trl") == "trl==0.18.2 pinned in requirements.txt:1"
    assert "assuming its newest release" in versions.describe("accelerate")
    assert f"{versions:trl}" == "trl==0.18.2 pinned in requirements.txt:1"


@pytest.mark.parametrize(
    "rel, text",
    [
        ("pyproject.toml", "[project\ndependencies = 3\n"),
        ("uv.lock", "not toml at all ["),
        ("environment.yml", "dependencies: [unclosed\n"),
        ("Pipfile.lock", "{not json"),
        ("setup.cfg", "no section header\n"),
        ("requirements.txt", b"\xff\xfe\x00garbage==\n".decode("latin-1")),
    ],
)
def test_broken_manifests_are_skipped_with_a_note(tmp_path, rel, text):
    write(tmp_path, rel, text)
    write(tmp_path, "constraints.txt", "trl==0.18.2\n")
    versions = read_pins(tmp_path)
    assert versions.pin("trl") is not None
    if rel != "requirements.txt":
        assert any(note.startswith(rel) and "ignored" in note for note in versions.notes)


def test_no_manifests(tmp_path):
    versions = read_pins(tmp_path)
    assert versions.pins == {} and versions.notes == []


def test_show_settings_and_explain_name_pins_and_assumptions(project):
    import json

    project.write("requirements.txt", "trl==0.18.2\n")
    project.write("pyproject.toml", "[tool.mlgreenlint]\nselect = ['MP']\n")
    view = json.loads(project.run("check", "--show-settings").output)
    assert view["version-pins"] == {"trl": "trl==0.18.2 pinned in requirements.txt:1"}
    assert view["version-sources"] == ["requirements.txt", "pyproject.toml"]
    explained = project.run("explain", "MP002").output
    assert "trl==0.18.2 pinned in requirements.txt:1" in explained
    (project.root / "requirements.txt").unlink()
    view = json.loads(project.run("check", "--show-settings").output)
    assert "trl is not pinned: assuming its newest release" in view["assumed-versions"]
    assert "trl is not pinned: assuming its newest release" in project.run("explain", "MP002").output


def test_a_broken_manifest_is_a_note_not_an_error(project):
    project.write("pyproject.toml", "[project\n")
    project.write("train.py", "from trl import SFTConfig\ncfg = SFTConfig(output_dir='o')\n")
    result = project.run("check", "--isolated", "--select", "MP002", "-v", ".")
    assert result.exit_code == 0, result.output
    assert "pyproject.toml: cannot read pins" in result.output


def test_dockerfile_pip_install_lines(tmp_path):
    write(tmp_path, "Dockerfile", 'FROM python:3.11\nRUN pip install --no-cache-dir \\\n    torch==2.6.0 "trl>=0.19" && echo ok\n')
    versions = read_pins(tmp_path)
    assert versions.pin("torch").spec == "torch==2.6.0"
    assert versions.pin("trl").spec == "trl>=0.19"
    assert versions.pin("torch").source == "Dockerfile:3"


def test_requirements_beat_dockerfile(tmp_path):
    write(tmp_path, "Dockerfile", "RUN pip install trl==0.18.2\n")
    write(tmp_path, "requirements.txt", "trl==0.20.0\n")
    assert read_pins(tmp_path).pin("trl").version == "0.20.0"
