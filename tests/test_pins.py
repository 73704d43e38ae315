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


@pytest.mark.parametrize("command, requirements", [
    ("pip install -q trl==0.12.0 peft", ["trl==0.12.0", "peft"]),
    ("python3 -m pip install --upgrade 'transformers>=4.40,<5'", ["transformers>=4.40,<5"]),
    ("uv pip install --system torch==2.6.0", ["torch==2.6.0"]),
    ("sudo PIP_NO_CACHE_DIR=1 pip3.11 install accelerate==1.2.0", ["accelerate==1.2.0"]),
    ("pip install -r requirements.txt -c constraints.txt --index-url https://x.org/simple trl==0.19.0",
     ["trl==0.19.0"]),
    ("pip install ./local /wheels/a.whl git+https://github.com/x/y $EXTRA -e . peft==0.10.0", ["peft==0.10.0"]),
    ("apt-get install -y python3-pip=23.0 && pip install torch==2.6.0; pip3 install trl==0.19.0 | tee log",
     ["torch==2.6.0", "trl==0.19.0"]),
    ("pip --no-cache-dir --log /tmp/l install numpy==1.16.2", ["numpy==1.16.2"]),
    ("pip${PYTHON_VERSION} install ninja==1.11.1 || (echo no && MAX_JOBS=1 pip install flash-attn==2.7.4)",
     ["ninja==1.11.1", "flash-attn==2.7.4"]),
    ("if [ -n \"$CUDA\" ]; then pip install apex==0.1; fi", ["apex==0.1"]),
    ("conda run -n peft --no-capture-output pip install -U peft==0.14.0", ["peft==0.14.0"]),
    ("pip install -U openmim && mim install 'mmcv>=2.0.0rc4,<2.1.0'", ["openmim", "mmcv>=2.0.0rc4,<2.1.0"]),
    ("conda install pytorch==2.1.0", []),
    ("pip download torch==2.6.0", []),
    ("pip install trl==0.19.0 'unclosed", ["trl==0.19.0", "'unclosed"]),  # read word by word, never an error
])
def test_the_requirements_a_pip_install_command_names(command, requirements):
    from mlgreenlint.repository.pins import pip_installed

    assert pip_installed(command) == requirements


def test_dockerfile_chained_and_exec_form_pip_installs(tmp_path):
    write(tmp_path, "Dockerfile", """
        FROM python:3.11
        RUN apt-get update && apt-get install -y git=1:2.39.2-1 \\
            && pip install torch==2.6.0
        RUN ["pip", "install", "trl==0.19.0"]
        RUN conda install -y accelerate==0.30.0
        RUN --mount=type=cache,target=/root/.cache/pip \\
            pip install -U \\
            # quantization, for the tests
            aqlm[gpu]>=1.0.2 \\
            "peft<0.15"
        """)
    versions = read_pins(tmp_path)
    assert (versions.pin("torch").spec, versions.pin("torch").source) == ("torch==2.6.0", "Dockerfile:3")
    assert (versions.pin("trl").spec, versions.pin("trl").source) == ("trl==0.19.0", "Dockerfile:4")
    assert versions.pin("git") is None and versions.pin("accelerate") is None
    # Docker drops comment lines inside a continued instruction; each pin names its own line.
    assert (versions.pin("aqlm").spec, versions.pin("aqlm").source) == ("aqlm>=1.0.2", "Dockerfile:9")
    assert versions.pin("peft").source == "Dockerfile:10"


def test_requirements_beat_dockerfile(tmp_path):
    write(tmp_path, "Dockerfile", "RUN pip install trl==0.18.2\n")
    write(tmp_path, "requirements.txt", "trl==0.20.0\n")
    assert read_pins(tmp_path).pin("trl").version == "0.20.0"
