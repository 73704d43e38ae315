"""Context keys of the rule vocabulary: condition and comment guards, `wraps`, `feeds`, `inside = "step"`, `mentions`."""

from __future__ import annotations

import textwrap

import pytest

from mlgreenlint.engine.driver import Job, lint_text
from mlgreenlint.errors import RuleFileError
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule

_RULE = '''
id = "XX001"
name = "thing"
family = "XX"
severity = "info"
message = "m"
[match]
[[match.python]]
{pattern}
[docs]
what = "w"
why = "y"
bad = "x"
good = "x"
references = []
[examples]
invalid = [ {{ code = "x" }} ]
valid = [ {{ code = "x" }} ]
'''


def lines(pattern: str, code: str, tmp_path, path: str = "train.py") -> list[int]:
    rule_file = tmp_path / "XX001-thing.toml"
    rule_file.write_text(_RULE.format(pattern=textwrap.dedent(pattern)))
    (rule,) = rulebook.load_paths([rule_file])
    job = Job(rules=[ActiveRule(rule, rule.severity, {})], known_ids={"XX001"})
    result = lint_text(path, textwrap.dedent(code).lstrip("\n"), job)
    return [f.span.line for f in result.findings]


DEBUG_IF = '''
call = ["torch.autograd.set_detect_anomaly"]
not-inside-if = "(?i)debug"
not-inside-def = "(?i)debug"
'''


@pytest.mark.parametrize(
    "code, expected",
    [
        ("import torch\ntorch.autograd.set_detect_anomaly(True)\n", [2]),
        ("import torch\nif args.debug:\n    torch.autograd.set_detect_anomaly(True)\n", []),
        ("import torch\nif DEBUG: torch.autograd.set_detect_anomaly(True)\n", []),
        ("import torch\nif x:\n    pass\nelif cfg.debug_mode:\n    torch.autograd.set_detect_anomaly(True)\n", []),
        ("import torch\nif not args.debug:\n    pass\nelse:\n    torch.autograd.set_detect_anomaly(True)\n", []),
        ("import os, torch\nif os.getenv('DEBUG'):\n    torch.autograd.set_detect_anomaly(True)\n", []),
        ("import torch\nmatch args.debug:\n    case True:\n        torch.autograd.set_detect_anomaly(True)\n", []),
        ("import torch\nif args.fast:\n    torch.autograd.set_detect_anomaly(True)\n", [3]),
        ("import torch\ndef setup_debugging():\n    torch.autograd.set_detect_anomaly(True)\n", []),
        ("import torch\ndef setup():\n    torch.autograd.set_detect_anomaly(True)\n", [3]),
    ],
)
def test_condition_and_function_name_guards(tmp_path, code, expected):
    assert lines(DEBUG_IF, code, tmp_path) == expected


WRAPS = '''
call = ["torch.profiler.profile"]
wraps = "training"
'''


@pytest.mark.parametrize(
    "body, expected",
    [
        ("    for b in loader:\n        loss(b).backward()\n        opt.step()\n", [2]),
        ("    trainer.fit(model)\n", [2]),
        ("    run_epoch()\n", [2]),
        ("    self_check()\n", []),
        ("    model(x)\n", []),
        ("    def inner():\n        loss.backward()\n", []),
    ],
)
def test_wraps_training(tmp_path, body, expected):
    code = (
        "import torch\n"
        "with torch.profiler.profile() as prof:\n" + body
        + "def step():\n    loss.backward()\n"
        + "def run_epoch():\n    for b in loader:\n        step()\n"
        + "def self_check():\n    model(x)\n"
    )
    assert lines(WRAPS, code, tmp_path) == expected


def test_wraps_needs_the_call_to_open_the_block(tmp_path):
    code = "import torch\nprof = torch.profiler.profile()\nwith prof:\n    loss.backward()\n"
    assert lines(WRAPS, code, tmp_path) == []


STEP = '''
call = ["torch.cuda.empty_cache"]
inside = "step"
unconditional = true
not-commented = "(?i)oom"
'''


@pytest.mark.parametrize(
    "code, expected",
    [
        # in the batch loop
        ("for b in loader:\n    loss.backward()\n    opt.step()\n    torch.cuda.empty_cache()\n", [4]),
        # once per epoch, in the epoch loop
        ("for e in range(3):\n    for b in loader:\n        loss.backward()\n    torch.cuda.empty_cache()\n", []),
        # under any condition inside the loop
        ("for b in loader:\n    loss.backward()\n    if mem_high():\n        torch.cuda.empty_cache()\n", []),
        # in an exception handler
        ("for b in loader:\n    try:\n        loss.backward()\n    except RuntimeError:\n        torch.cuda.empty_cache()\n", []),
        # a condition outside the loop does not make it conditional per step
        ("if train:\n    for b in loader:\n        loss.backward()\n        torch.cuda.empty_cache()\n", [4]),
        # in a function that runs one step per call
        ("def train_step(b):\n    loss(b).backward()\n    torch.cuda.empty_cache()\n", [3]),
        # a function that holds the whole loop is not a step
        ("def train():\n    torch.cuda.empty_cache()\n    for b in loader:\n        loss(b).backward()\n", []),
        # Lightning hook
        ("class M(L.LightningModule):\n    def training_step(self, batch, i):\n        torch.cuda.empty_cache()\n        return self(batch)\n", [3]),
        # explained on the line or above it
        ("for b in loader:\n    loss.backward()\n    torch.cuda.empty_cache()  # avoid OOM\n", []),
        ("for b in loader:\n    loss.backward()\n    # OOM on long batches otherwise\n    torch.cuda.empty_cache()\n", []),
        ("for b in loader:\n    loss.backward()\n    torch.cuda.empty_cache()  # tidy\n", [3]),
    ],
)
def test_inside_step_unconditional_and_commented(tmp_path, code, expected):
    assert lines(STEP, "import torch\n" + code, tmp_path) == [n + 1 for n in expected]


def test_an_exception_handler_is_a_frequency_guard(tmp_path):
    pattern = '''
    method = ["save_pretrained"]
    inside = "batch-loop"
    unguarded = true
    '''
    code = """
    for b in loader:
        try:
            loss.backward()
            opt.step()
        except KeyboardInterrupt:
            model.save_pretrained("out")
        model.save_pretrained("out")
    """
    assert lines(pattern, code, tmp_path) == [7]


def test_context_regexes_are_validated(tmp_path):
    with pytest.raises(RuleFileError, match="not-inside-if"):
        lines('call = ["a.b"]\nnot-inside-if = "("\n', "", tmp_path)


@pytest.mark.parametrize(
    "condition, expected",
    [
        ("torch.cuda.is_available()", [5]),
        ('device.type == "cuda"', [5]),
        ("args.use_gpu", [5]),
        ("step % 100 == 0", []),
        ("torch.cuda.memory_reserved() > limit", []),
    ],
)
def test_device_checks_are_not_conditions(tmp_path, condition, expected):
    code = f"import torch\nfor b in loader:\n    loss.backward()\n    if {condition}:\n        torch.cuda.empty_cache()\n"
    assert lines(STEP, code, tmp_path) == expected


FEEDS = '''
call = ["torch.utils.data.DataLoader"]
feeds = ["{outcome}"]
'''


@pytest.mark.parametrize(
    "code, outcome",
    [
        ("dl = DataLoader(ds)\nfor b in enumerate(dl):\n    loss(b).backward()\n", "training"),
        ("dl = DataLoader(ds)\nm, dl = acc.prepare(m, dl)\nfor b in tqdm(dl):\n    acc.backward(loss(b))\n", "training"),
        ("for b in DataLoader(ds):\n    loss(b).backward()\n", "training"),
        ("dl = DataLoader(ds)\nfor b in dl:\n    preds.append(model(b))\n", "other"),
        ("dl = DataLoader(ds)\ntrainer.fit(model, dl)\n", "unseen"),
        ("def make():\n    return DataLoader(ds)\n", "unseen"),
        # passed to a function of this file that trains, or one that does not
        ("def fit_epoch(m, loader):\n    for b in loader:\n        loss(b).backward()\ndl = DataLoader(ds)\nfit_epoch(m, dl)\n", "training"),
        ("def evaluate(m, loader):\n    return [m(b) for b in loader]\ndl = DataLoader(ds)\nevaluate(m, dl)\n", "other"),
        # a loop over the same name in another function is not this loader's
        ("dl = DataLoader(ds)\ndef f(dl):\n    for b in dl:\n        loss(b).backward()\n", "unseen"),
    ],
)
def test_feeds(tmp_path, code, outcome):
    code = "from torch.utils.data import DataLoader\n" + code
    for candidate in ("training", "other", "unseen"):
        found = lines(FEEDS.replace("{outcome}", candidate), code, tmp_path)
        assert bool(found) == (candidate == outcome), candidate


MENTIONS = '''
call = ["torch.utils.data.DataLoader"]
where = [ { keyword = "dataset", position = 0, mentions = "(?i)val|train=False" } ]
'''


@pytest.mark.parametrize(
    "call, expected",
    [
        ("DataLoader(val_set)", [3]),
        ('DataLoader(splits["validation"], batch_size=8)', [3]),
        ("DataLoader(dataset=MNIST(root, train=False))", [3]),
        ("DataLoader(train_set)", []),
        ("DataLoader(batch_size=8)", []),
        # only what is written counts, not the value: ds is val_set
        ("DataLoader(ds)", []),
    ],
)
def test_mentions_reads_the_argument_as_written(tmp_path, call, expected):
    code = f"from torch.utils.data import DataLoader\nds = val_set\n{call}\n"
    assert lines(MENTIONS, code, tmp_path) == expected


@pytest.mark.parametrize(
    "loop, expected",
    [
        # a probe of a few steps written in the code
        ("    for step, b in enumerate(loader):\n        if step >= (1 + 1 + 3) * 2:\n            break\n        loss(b).backward()\n", []),
        ("    for _ in range(5):\n        loss(next(it)).backward()\n        opt.step()\n", []),
        # a run bounded by a setting, or epochs counted in the code, is a training run
        ("    for step, b in enumerate(loader):\n        if step >= args.max_steps:\n            break\n        loss(b).backward()\n", [2]),
        ("    for epoch in range(10):\n        for b in loader:\n            loss(b).backward()\n", [2]),
    ],
)
def test_wraps_ignores_fixed_step_probes(tmp_path, loop, expected):
    code = "import torch\nwith torch.profiler.profile():\n" + loop
    assert lines(WRAPS, code, tmp_path) == expected

