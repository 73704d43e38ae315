"""The repository pass on small repositories: helpers in other modules, launch commands, pins."""

from __future__ import annotations

import pytest
from repo_helpers import (
    SAVE_RULE,
    TRACK_RULE,
    builtin,
    custom_rule,
    found,
    lint,
    write_repo,
)

from mlgreenlint.repository import index as repo_mod
from mlgreenlint.repository import launches as launches_mod
from mlgreenlint.repository.index import DirectoryStore, RepoIndex

LOOP = """
import torch
{imports}

def main():
    for step, batch in enumerate(loader):
        loss = model(batch)
        loss.backward()
        optimizer.step()
        {call}

if __name__ == "__main__":
    main()
"""

HELPERS = {
    "utils/__init__.py": "",
    "utils/io.py": """
        import torch

        def save_ckpt(model, path):
            torch.save(model.state_dict(), path)

        def save_every(model, step, every=500):
            if step % every == 0:
                torch.save(model.state_dict(), f"ckpt-{step}.pt")

        def save_latest(model):
            save_ckpt(model, "latest.pt")

        def save_all_in_loop(models):
            for m in models:
                torch.save(m.state_dict(), "m.pt")
    """,
    "utils/carbon.py": """
        from codecarbon import EmissionsTracker

        def start_tracking(name):
            tracker = EmissionsTracker(project_name=name)
            tracker.start()
            return tracker
    """,
    "requirements.txt": "torch==2.6.0\ncodecarbon==3.3.2\n",
}


def script(imports: str, call: str) -> str:
    return LOOP.format(imports=imports, call=call)


# helpers in other files ----------------------------------------------------------------------

def test_unguarded_helper_save_in_batch_loop_is_reported_at_the_call(tmp_path):
    root = write_repo(tmp_path, {**HELPERS, "train.py": script("from utils.io import save_ckpt", 'save_ckpt(model, "a.pt")')})
    run = lint(root, [custom_rule(tmp_path, SAVE_RULE)])
    assert found(run) == [("train.py", 9)]
    assert "through save_ckpt() in utils/io.py" in run.findings[0].message


def test_helper_that_guards_its_own_save_is_not_reported(tmp_path):
    root = write_repo(tmp_path, {**HELPERS, "train.py": script("from utils.io import save_every", "save_every(model, step)")})
    assert found(lint(root, [custom_rule(tmp_path, SAVE_RULE)])) == []


def test_helper_call_under_a_guard_in_the_loop_is_not_reported(tmp_path):
    call = 'if step % 1000 == 0:\n            save_ckpt(model, "a.pt")'
    root = write_repo(tmp_path, {**HELPERS, "train.py": script("from utils.io import save_ckpt", call)})
    assert found(lint(root, [custom_rule(tmp_path, SAVE_RULE)])) == []


def test_helper_saving_in_its_own_loop_is_left_to_its_own_file(tmp_path):
    root = write_repo(tmp_path, {**HELPERS, "train.py": script("from utils.io import save_all_in_loop", "save_all_in_loop([model])")})
    assert found(lint(root, [custom_rule(tmp_path, SAVE_RULE)])) == []


def test_helpers_are_followed_through_more_than_one_level(tmp_path):
    root = write_repo(tmp_path, {**HELPERS, "train.py": script("import utils.io as uio", "uio.save_latest(model)")})
    run = lint(root, [custom_rule(tmp_path, SAVE_RULE)])
    assert found(run) == [("train.py", 9)]


def test_relative_imports_inside_a_package(tmp_path):
    files = {k.replace("utils/", "pkg/"): v for k, v in HELPERS.items()}
    files["pkg/train.py"] = script("from .io import save_ckpt", 'save_ckpt(model, "a.pt")')
    root = write_repo(tmp_path, files)
    assert found(lint(root, [custom_rule(tmp_path, SAVE_RULE)])) == [("pkg/train.py", 9)]


def test_src_layout(tmp_path):
    files = {k.replace("utils/", "src/mypkg/"): v for k, v in HELPERS.items() if k.startswith("utils/")}
    files["src/mypkg/train.py"] = script("from mypkg.io import save_ckpt", 'save_ckpt(model, "a.pt")')
    root = write_repo(tmp_path, files)
    assert found(lint(root, [custom_rule(tmp_path, SAVE_RULE)])) == [("src/mypkg/train.py", 9)]


def test_a_step_helper_in_another_module_makes_the_loop_a_batch_loop(tmp_path):
    root = write_repo(tmp_path, {
        "steps.py": """
            def train_step(model, batch, optimizer):
                loss = model(batch)
                loss.backward()
                optimizer.step()
        """,
        "train.py": """
            import torch
            from steps import train_step

            for batch in loader:
                train_step(model, batch, optimizer)
                torch.save(model.state_dict(), "m.pt")
        """,
    })
    assert found(lint(root, [custom_rule(tmp_path, SAVE_RULE)])) == [("train.py", 6)]


def test_tracker_started_by_a_helper_counts_for_the_script(tmp_path):
    rule = custom_rule(tmp_path, TRACK_RULE)
    tracked = script("from utils.carbon import start_tracking", "pass").replace(
        "def main():\n", 'def main():\n    tracker = start_tracking("run")\n')
    root = write_repo(tmp_path, {**HELPERS, "train.py": tracked, "untracked.py": script("", "pass")})
    assert found(lint(root, [rule])) == [("untracked.py", 7)]


def test_a_helper_outside_the_run_still_counts(tmp_path):
    """The index covers the repository, not only the files named on the command line."""
    rule = custom_rule(tmp_path, TRACK_RULE)
    tracked = script("from utils.carbon import start_tracking", "start_tracking('x')")
    root = write_repo(tmp_path, {**HELPERS, "train.py": tracked})
    assert found(lint(root, [rule], [root / "train.py"])) == []


def test_unparsable_helper_is_unknown_and_never_fails(tmp_path):
    root = write_repo(tmp_path, {"utils/io.py": "def save_ckpt(:\n", "train.py": script("from utils.io import save_ckpt", "save_ckpt(model)")})
    assert found(lint(root, [custom_rule(tmp_path, SAVE_RULE)])) == []


# launch commands and configs ------------------------------------------------------------------

ACCEL_SCRIPT = """
from accelerate import Accelerator

accelerator = Accelerator(gradient_accumulation_steps=2)
model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
for batch in loader:
    accelerator.backward(model(batch).loss)
    optimizer.step()
"""


@pytest.mark.parametrize("config, expected", [
    ("compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nmixed_precision: 'no'\nnum_processes: 2\n", [("configs/acc.yaml", 3)]),
    ("compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_processes: 2\n", [("configs/acc.yaml", 1)]),
    ("compute_environment: LOCAL_MACHINE\nmixed_precision: bf16\n", []),
])
def test_script_precision_from_an_accelerate_config(tmp_path, config, expected):
    root = write_repo(tmp_path, {
        "train.py": ACCEL_SCRIPT,
        "configs/acc.yaml": config,
        "scripts/train.sh": "#!/bin/bash\nset -e\naccelerate launch --config_file configs/acc.yaml --num_processes 2 train.py --lr 3e-4\n",
    })
    run = lint(root, [builtin("MP004")])
    assert found(run) == expected
    if expected and expected[0][1] == 1:
        assert "train.py (launched by scripts/train.sh:3)" in run.findings[0].message


def test_accelerate_config_not_judged_when_the_script_sets_precision_or_the_launch_overrides(tmp_path):
    root = write_repo(tmp_path, {
        "train.py": ACCEL_SCRIPT.replace("gradient_accumulation_steps=2", 'mixed_precision="bf16"'),
        "other.py": ACCEL_SCRIPT,
        "configs/acc.yaml": "num_processes: 2\n",
        "Makefile": "train:\n\taccelerate launch --config_file configs/acc.yaml train.py\n"
                    "other:\n\taccelerate launch --config_file configs/acc.yaml --mixed_precision bf16 other.py\n",
    })
    assert found(lint(root, [builtin("MP004")])) == []


def test_config_findings_only_when_the_config_is_part_of_the_run(tmp_path):
    root = write_repo(tmp_path, {
        "train.py": ACCEL_SCRIPT,
        "configs/acc.yaml": "num_processes: 2\n",
        "scripts/train.sh": "accelerate launch --config_file configs/acc.yaml train.py\n",
    })
    assert found(lint(root, [builtin("MP004")], [root / "train.py"])) == []


def test_launch_with_mixed_precision_no_reports_the_accelerator(tmp_path):
    root = write_repo(tmp_path, {
        "train.py": ACCEL_SCRIPT,
        ".github/workflows/train.yml": "jobs:\n  train:\n    steps:\n      - run: accelerate launch --mixed_precision no train.py\n",
    })
    run = lint(root, [builtin("MP004")])
    assert found(run) == [("train.py", 3)]
    assert ".github/workflows/train.yml:4" in run.findings[0].message


HF_SCRIPT = """
import sys
from dataclasses import dataclass
from transformers import HfArgumentParser, TrainingArguments, Trainer

@dataclass
class ModelArguments:
    model_name: str = "gpt2"

parser = HfArgumentParser((ModelArguments, TrainingArguments))
if len(sys.argv) == 2 and sys.argv[1].endswith(".json"):
    model_args, training_args = parser.parse_json_file(sys.argv[1])
else:
    model_args, training_args = parser.parse_args_into_dataclasses()
Trainer(model=model, args=training_args).train()
"""


def hf_repo(tmp_path, launch: str, args_json: str | None = None):
    files = {"train.py": HF_SCRIPT, "run.sh": launch}
    if args_json is not None:
        files["configs/args.json"] = args_json
    return write_repo(tmp_path, files)


def test_hf_argparser_judged_by_its_json_arguments_file(tmp_path):
    root = hf_repo(tmp_path, "python train.py configs/args.json\n", '{\n  "output_dir": "out",\n  "bf16": false\n}\n')
    run = lint(root, [builtin("MP002")])
    assert found(run) == [("configs/args.json", 3)]
    assert "launched by run.sh:1" in run.findings[0].message


def test_hf_arguments_file_without_precision_points_at_its_first_key(tmp_path):
    root = hf_repo(tmp_path, "python train.py configs/args.json\n", '{\n  "output_dir": "out"\n}\n')
    assert found(lint(root, [builtin("MP002")])) == [("configs/args.json", 2)]


def test_hf_arguments_file_with_bf16_is_silent(tmp_path):
    root = hf_repo(tmp_path, "python train.py configs/args.json\n", '{"output_dir": "out", "bf16": true}\n')
    assert found(lint(root, [builtin("MP002")])) == []


def test_launch_with_bf16_flag_is_silent(tmp_path):
    root = hf_repo(tmp_path, "torchrun --nproc_per_node 8 train.py \\\n  --output_dir out \\\n  --bf16\n")
    assert found(lint(root, [builtin("MP002")])) == []


def test_every_launch_without_precision_reports_the_parser(tmp_path):
    root = hf_repo(tmp_path, "OUT=runs/a\npython train.py --output_dir $OUT --num_train_epochs 3\n")
    run = lint(root, [builtin("MP002")])
    assert found(run) == [("train.py", 9)]
    assert "run.sh:2 passes neither --bf16 nor --fp16" in run.findings[0].message


def test_one_launch_with_precision_is_enough(tmp_path):
    root = hf_repo(tmp_path, "python train.py --output_dir a\npython train.py --output_dir b --fp16\n")
    assert found(lint(root, [builtin("MP002")])) == []


def test_no_launch_found_stays_unknown(tmp_path):
    root = hf_repo(tmp_path, "echo nothing to see\n")
    assert found(lint(root, [builtin("MP002")])) == []


def test_launch_through_a_config_outside_the_repository_stays_unknown(tmp_path):
    root = hf_repo(tmp_path, "accelerate launch train.py --output_dir out\npython train.py /data/args.json\n")
    assert found(lint(root, [builtin("MP002")])) == []


# pins ------------------------------------------------------------------------------------------

def test_trl_verdict_follows_the_pin_and_names_it(tmp_path):
    code = "from trl import SFTConfig\n\ncfg = SFTConfig(output_dir='sft')\n"
    root = write_repo(tmp_path, {"train.py": code, "requirements.txt": "transformers==4.57.6\ntrl==0.18.2\n"})
    run = lint(root, [builtin("MP002")])
    assert found(run) == [("train.py", 3)]
    assert "trl==0.18.2 pinned in requirements.txt:2" in run.findings[0].message
    (root / "requirements.txt").write_text("trl>=0.19\n")
    assert found(lint(root, [builtin("MP002")])) == []
    (root / "requirements.txt").unlink()
    assert found(lint(root, [builtin("MP002")])) == []  # unpinned: newest release, bf16 by default


# cost: summaries cached by content, dependencies recorded ----------------------------------------

def test_summaries_are_cached_by_content_and_dependencies_recorded(tmp_path, monkeypatch):
    root = write_repo(tmp_path, {**HELPERS, "train.py": script("from utils.io import save_ckpt", 'save_ckpt(model, "a.pt")')})
    from mlgreenlint.cache import claim

    store = DirectoryStore(tmp_path / "_cache", "repo-summaries", claim)
    index = RepoIndex.build(root, root, store=store)
    first = index.summary("utils/io.py")
    assert first["functions"]["utils.io.save_ckpt"]["calls"][0]["names"] == ["torch.save"]
    calls = []
    from mlgreenlint.repository import summaries

    monkeypatch.setattr(summaries, "summarise_source", lambda *a: calls.append(a))
    again = RepoIndex.build(root, root, store=store)
    assert again.summary("utils/io.py") == first and calls == []
    (root / "utils" / "io.py").write_text("def save_ckpt(m, p):\n    pass\n")
    changed = RepoIndex.build(root, root, store=store)
    changed.summary("utils/io.py")
    assert len(calls) == 1  # new content, new key


def test_dependencies_of_a_linted_file(tmp_path):
    from mlgreenlint import api
    from mlgreenlint.engine.driver import Job
    from mlgreenlint.ruleset.selection import ActiveRule
    from mlgreenlint.settings import Settings

    root = write_repo(tmp_path, {**HELPERS, "train.py": script("from utils.io import save_ckpt", 'save_ckpt(model, "a.pt")')})
    rule = custom_rule(tmp_path, SAVE_RULE)
    job = Job(rules=[ActiveRule(rule, rule.severity, {})], known_ids={rule.id})
    api.lint_paths([root], Settings(root=root), cwd=root, job=job)
    deps = job.repo.dependencies("train.py")
    files = {rel: digest for rel, digest in deps.items() if not rel.startswith("<")}
    assert set(files) == {"utils/io.py"} and all(len(h) == 64 for h in files.values())
    assert deps["<no module>torch"] == ""  # looked for in the repository and not found


def test_launched_with_predicate_counts_wrappers_flags_and_argument_files(tmp_path):
    from repo_helpers import TRACK_RULE

    spec = dict(TRACK_RULE, extra=TRACK_RULE["extra"].replace(
        'unless = [ ', 'unless = [ { launched-with = { flag = "report_to", regex = "codecarbon", wrapper = ["codecarbon", "carbontracker"] } }, '))
    rule = custom_rule(tmp_path, spec)
    body = script("", "pass")
    root = write_repo(tmp_path, {
        "a.py": body, "b.py": body, "c.py": body, "d.py": body, "e.py": body,
        "args/c.yaml": "output_dir: out\nreport_to: [codecarbon, wandb]\n",
        "run.sh": "codecarbon monitor -- python a.py\n"
                  "python b.py --report_to codecarbon\n"
                  "python c.py args/c.yaml\n"
                  "python d.py --report_to wandb\n",
    })
    assert found(lint(root, [rule])) == [("d.py", 7), ("e.py", 7)]


# values through other modules ------------------------------------------------------------------

def test_constants_imported_from_repository_modules(tmp_path):
    root = write_repo(tmp_path, {
        "config/__init__.py": "from .defaults import PRECISION, BASE\n",
        "config/defaults.py": 'PRECISION = "32-true"\nBASE = dict(output_dir="out", per_device_train_batch_size=8)\n'
                              'DEVICES = 1\nif flag:\n    DEVICES = 2\n',
        "lit.py": """
            import lightning as L
            from config import PRECISION

            trainer = L.Trainer(max_epochs=3, accelerator="gpu", precision=PRECISION)
            trainer.fit(model)
        """,
        "hf.py": """
            from transformers import TrainingArguments
            import config.defaults as d

            args = TrainingArguments(**d.BASE, num_train_epochs=3)
        """,
        "ok.py": """
            from transformers import TrainingArguments
            from config.defaults import BASE

            args = TrainingArguments(**BASE, bf16=True)
        """,
    })
    run = lint(root, [builtin("MP002"), builtin("MP003")])
    assert sorted((f.rule, f.path, f.span.line) for f in run.findings) == [("MP002", "hf.py", 4), ("MP003", "lit.py", 4)]
    assert "'32-true'" in next(f.message for f in run.findings if f.rule == "MP003")
    index = RepoIndex.build(root, root)
    from mlgreenlint.python.values import MISSING, UNKNOWN

    assert index.constant("config.defaults.DEVICES") is UNKNOWN
    assert index.constant("config.defaults.nothing") is MISSING
    assert index.constant("torch.bfloat16") is MISSING


def test_helper_defined_in_a_package_init_and_re_exported(tmp_path):
    root = write_repo(tmp_path, {
        "tools/__init__.py": "from .ckpt import save_ckpt\n\ndef save_now(model):\n    save_ckpt(model, 'now.pt')\n",
        "tools/ckpt.py": "import torch\n\ndef save_ckpt(model, path):\n    torch.save(model.state_dict(), path)\n",
        "a.py": script("from tools import save_now", "save_now(model)"),
    })
    run = lint(root, [custom_rule(tmp_path, SAVE_RULE)])
    assert found(run) == [("a.py", 9)]
    assert "through save_now() in tools/__init__.py -> save_ckpt() in tools/ckpt.py" in run.findings[0].message


def test_each_file_is_parsed_once_even_when_a_caller_needs_it_first(tmp_path, monkeypatch):
    import libcst

    root = write_repo(tmp_path, {
        "a_train.py": script("from z_utils import save_ckpt", 'save_ckpt(model, "a.pt")'),
        "z_utils.py": "import torch\n\ndef save_ckpt(model, path):\n    torch.save(model.state_dict(), path)\n",
    })
    parsed = []
    real = libcst.parse_module
    monkeypatch.setattr(libcst, "parse_module", lambda text, *a, **k: parsed.append(text) or real(text, *a, **k))
    assert found(lint(root, [custom_rule(tmp_path, SAVE_RULE)])) == [("a_train.py", 9)]
    assert len(parsed) == 2


def test_lightning_fix_follows_the_pinned_major_version(tmp_path):
    code = "import pytorch_lightning as pl\n\ntrainer = pl.Trainer(max_epochs=3, precision=32)\ntrainer.fit(model)\n"
    root = write_repo(tmp_path, {"train.py": code, "requirements.txt": "pytorch-lightning==1.9.5\n"})
    (finding,) = lint(root, [builtin("MP003")]).findings
    assert finding.fix.edits[0].replacement == '"bf16"'
    assert "pytorch-lightning==1.9.5 pinned in requirements.txt:1" in finding.message
    (root / "requirements.txt").write_text("pytorch-lightning>=2.1\n")
    (finding,) = lint(root, [builtin("MP003")]).findings
    assert finding.fix.edits[0].replacement == '"bf16-mixed"'


def test_dependencies_invalidate_when_a_helper_changes(tmp_path):
    root = write_repo(tmp_path, {**HELPERS, "train.py": script("from utils.io import save_ckpt", 'save_ckpt(model, "a.pt")')})
    rule = custom_rule(tmp_path, SAVE_RULE)
    first = lint(root, [rule])
    from mlgreenlint import api
    from mlgreenlint.engine.driver import Job
    from mlgreenlint.ruleset.selection import ActiveRule
    from mlgreenlint.settings import Settings

    job = Job(rules=[ActiveRule(rule, rule.severity, {})], known_ids={rule.id})
    api.lint_paths([root], Settings(root=root), cwd=root, job=job)
    deps = job.repo.dependencies("train.py")
    assert found(first) == [("train.py", 9)]
    assert RepoIndex.build(root, root).still_valid(deps)
    (root / "utils" / "io.py").write_text("def save_ckpt(model, path):\n    pass\n")
    assert not RepoIndex.build(root, root).still_valid(deps)
    assert found(lint(root, [rule])) == []


def test_a_new_launch_file_invalidates_launch_verdicts(tmp_path):
    from mlgreenlint import api
    from mlgreenlint.engine.driver import Job
    from mlgreenlint.ruleset.selection import ActiveRule
    from mlgreenlint.settings import Settings

    root = hf_repo(tmp_path, "python train.py --output_dir a\n")
    rule = builtin("MP002")
    job = Job(rules=[ActiveRule(rule, rule.severity, {})], known_ids={rule.id})
    assert found(api.lint_paths([root], Settings(root=root), cwd=root, job=job)) == [("train.py", 9)]
    deps = job.repo.dependencies("train.py")
    assert repo_mod.LAUNCHES in deps and RepoIndex.build(root, root).still_valid(deps)
    (root / "Makefile").write_text("train:\n\tpython train.py --bf16\n")
    assert not RepoIndex.build(root, root).still_valid(deps)
    assert found(lint(root, [rule])) == []


# the shipped CK and ET rules on small repositories ---------------------------------------------

def test_ck001_through_a_helper_and_not_through_a_guarded_one(tmp_path):
    root = write_repo(tmp_path, {
        **HELPERS,
        "train.py": script("from utils.io import save_ckpt, save_every", 'save_ckpt(model, "a.pt")\n        save_every(model, step)'),
    })
    run = lint(root, [builtin("CK001")])
    assert found(run) == [("train.py", 9)]
    assert run.findings[0].message.endswith("(through save_ckpt() in utils/io.py)")


def test_et001_tracker_in_a_helper_counts_and_a_wrapper_counts(tmp_path):
    tracked = script("from utils.carbon import start_tracking", "pass").replace(
        "def main():\n", 'def main():\n    tracker = start_tracking("run")\n')
    root = write_repo(tmp_path, {
        **HELPERS,
        "tracked.py": tracked,
        "wrapped.py": script("", "pass"),
        "untracked.py": script("", "pass"),
        "Makefile": "train:\n\tcodecarbon monitor -- python wrapped.py\n",
    })
    run = lint(root, [builtin("ET001")])
    assert found(run) == [("untracked.py", 7)]


def test_helper_with_match_statement_and_else_guard(tmp_path):
    root = write_repo(tmp_path, {
        "utils/io.py": """
            import torch

            def save_kind(model, kind):
                match kind:
                    case "full":
                        torch.save(model, "m.pt")

            def save_else(model, step):
                if step % 100:
                    pass
                else:
                    torch.save(model, "m.pt")
        """,
        "train.py": script("from utils.io import save_kind, save_else", 'save_kind(model, "full")\n        save_else(model, step)'),
    })
    assert found(lint(root, [builtin("CK001")])) == [("train.py", 9)]


TRL_SCRIPT = """
from trl import SFTConfig, TrlParser
from dataclasses import dataclass

@dataclass
class ScriptArguments:
    dataset: str = "d"

parser = TrlParser((ScriptArguments, SFTConfig))
script_args, training_args = parser.parse_args_and_config()
"""


@pytest.mark.parametrize("launch, requirements, expected", [
    ("python sft.py --output_dir o\n", "", []),  # TRL >= 0.19: bf16 by default
    ("python sft.py --output_dir o --bf16 false\n", "", [("sft.py", 8)]),
    ("python sft.py --output_dir o\n", "trl==0.18.2\n", [("sft.py", 8)]),
    ("python sft.py --config recipes/sft.yaml\n", "", []),
])
def test_trl_parser_scripts_follow_trl_defaults(tmp_path, launch, requirements, expected):
    files = {"sft.py": TRL_SCRIPT, "run.sh": launch, "recipes/sft.yaml": "output_dir: o\n"}
    if requirements:
        files["requirements.txt"] = requirements
    root = write_repo(tmp_path, files)
    assert found(lint(root, [builtin("MP002")])) == expected


def test_trl_recipe_file_with_bf16_off_is_reported(tmp_path):
    root = write_repo(tmp_path, {"sft.py": TRL_SCRIPT, "run.sh": "python sft.py --config recipes/sft.yaml\n",
                                 "recipes/sft.yaml": "output_dir: o\nbf16: false\n"})
    assert found(lint(root, [builtin("MP002")])) == [("recipes/sft.yaml", 2)]


def test_launch_walk_outside_a_repository_is_bounded(tmp_path):
    for i in range(30):
        (tmp_path / f"f{i}.txt").write_text("x")
    (tmp_path / "run.sh").write_text("python train.py\n")
    notes: list[str] = []
    assert list(launches_mod._list_launch_files(tmp_path, (), notes, limit=10)) == []
    assert notes and "first 10 entries" in notes[0]
    assert list(launches_mod._list_launch_files(tmp_path, (), [], limit=100)) == ["run.sh"]


def test_script_args_file_beside_the_script_counts_as_a_launch(tmp_path):
    root = hf_repo(tmp_path, "python train.py --output_dir a\n")
    (root / "train.args").write_text("--output_dir out\n--bf16\n")
    assert found(lint(root, [builtin("MP002")])) == []


def test_hf_script_launched_with_an_accelerate_config_that_sets_bf16(tmp_path):
    root = hf_repo(tmp_path, "accelerate launch --config_file configs/acc.yaml train.py --output_dir o\n")
    (root / "configs").mkdir()
    (root / "configs" / "acc.yaml").write_text("distributed_type: MULTI_GPU\nmixed_precision: bf16\n")
    assert found(lint(root, [builtin("MP002")])) == []
    (root / "configs" / "acc.yaml").write_text("distributed_type: MULTI_GPU\nmixed_precision: 'no'\n")
    assert found(lint(root, [builtin("MP002")])) == [("train.py", 9)]


def test_unquoted_no_in_an_accelerate_config_is_no(tmp_path):
    root = write_repo(tmp_path, {
        "train.py": ACCEL_SCRIPT,
        "acc.yaml": "distributed_type: MULTI_GPU\nmixed_precision: no\n",
        "run.sh": "accelerate launch --config_file acc.yaml train.py\n",
    })
    assert found(lint(root, [builtin("MP004")])) == [("acc.yaml", 2)]


HF_ET_SCRIPT = """
from transformers import HfArgumentParser, TrainingArguments, Trainer

if __name__ == "__main__":
    (args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
    Trainer(model=model, args=args, train_dataset=ds).train()
"""


@pytest.mark.parametrize("launch, requirements, expected", [
    ("", "", [("train.py", 5)]),  # no launch found: the default run, report_to unset, tracks nothing
    ("", "transformers==4.57.6\ncodecarbon==3.3.2\n", []),  # ... unless 4.x's default includes codecarbon
    ("python train.py --output_dir o --report_to wandb\n", "", [("train.py", 5)]),
    ("python train.py --output_dir o\n", "transformers==5.0.0\n", [("train.py", 5)]),  # 5.x default: none
    ("python train.py --output_dir o\n", "transformers==4.57.6\ncodecarbon==3.3.2\n", []),  # 4.x: all installed
    ("python train.py --output_dir o --report_to codecarbon\n", "", []),
    ("python train.py args.json\n", "", []),
])
def test_et001_hf_argparser_scripts_judged_by_their_launches(tmp_path, launch, requirements, expected):
    files = {"train.py": HF_ET_SCRIPT, "run.sh": launch or "echo\n", "args.json": '{"output_dir": "o", "report_to": ["codecarbon"]}'}
    if requirements:
        files["requirements.txt"] = requirements
    root = write_repo(tmp_path, files)
    assert found(lint(root, [builtin("ET001")])) == expected


def test_a_helper_too_deep_for_the_parser_is_unknown(tmp_path):
    deep = "import torch\n\ndef save_ckpt(model, path):\n    torch.save(model, path)\n\nX = " + "(" * 3000 + "1" + ")" * 3000 + "\n"
    root = write_repo(tmp_path, {"utils/io.py": deep, "train.py": script("from utils.io import save_ckpt", 'save_ckpt(model, "a.pt")')})
    run = lint(root, [builtin("CK001")], [root / "train.py"])
    assert found(run) == []


def test_the_linted_files_deadline_is_not_swallowed_by_the_repository_pass(tmp_path, monkeypatch):
    import libcst

    from mlgreenlint import limits

    def slow(*args, **kwargs):
        raise limits.AnalysisTimeout(1)

    index = RepoIndex.build(write_repo(tmp_path, {"a.py": "x = 1\n"}), tmp_path)
    monkeypatch.setattr(libcst, "parse_module", slow)
    with pytest.raises(limits.AnalysisTimeout):
        index.summary("a.py")
    assert "a.py" not in index.helpers._summaries


@pytest.mark.parametrize("files, reported", [
    ({"scripts/run.sh": "python train.py --epochs 3\n"}, True),  # a plain launch: accelerate's default, fp32
    ({"scripts/run.sh": "accelerate launch --num_processes 4 train.py\n"}, True),  # the user's default config
    ({"Dockerfile": "FROM pytorch/pytorch\nENV ACCELERATE_MIXED_PRECISION=bf16\nCMD python train.py\n"}, False),
    ({"configs/fsdp.yaml": "distributed_type: FSDP\nmixed_precision: fp16\n"}, False),
    ({"scripts/run.sh": "accelerate launch --mixed_precision=bf16 train.py\n"}, False),
])
def test_accelerator_with_nothing_setting_precision(tmp_path, files, reported):
    root = write_repo(tmp_path, {"train.py": ACCEL_SCRIPT, **files})
    run = lint(root, [builtin("MP004")])
    assert found(run) == ([("train.py", 3)] if reported else [])
    if reported:
        assert "ACCELERATE_MIXED_PRECISION" in run.findings[0].message
