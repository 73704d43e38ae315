"""The `ast` sketch's name resolution stays bounded and answers "may" when it cannot list.

Real files rebind one name many times (`x = x.permute(...)`, an audio or vision model);
following every rebinding doubled the names a variable may stand for at each line (hundreds
of thousands, minutes, gigabytes). These cases ran out of time or memory before the bound.
"""

from __future__ import annotations

import dataclasses

from repo_helpers import write_repo
from test_prescreen import _job, _run

from mlgreenlint.engine import driver
from mlgreenlint.python import sketch_training
from mlgreenlint.python.helper_sketches import HelperSketches
from mlgreenlint.python.sketch import MAX_HEADS, parse, sketch

CHAIN = "".join(f"    x = x.{m}(0, 1)\n" for m in ("permute", "transpose", "view", "reshape") * 15)


def _sketch(code: str):
    return sketch(parse(code), "m")


def test_a_name_rebound_from_itself_adds_nothing():
    # The walk meets the later binding first; the chain then doubled it at every line.
    sk = _sketch("import torch\ndef forward(x):\n" + CHAIN + "    return x\nx = torch.randn(2)\nx.step()\n")
    assert sk.heads("x") == {"torch.randn"}
    (step,) = sk.by_name()["step"]
    assert sk.qualified(step.func) == {"torch.randn.step"}


def test_self_returning_calls_are_looked_through_as_the_analysis_does():
    sk = _sketch("from ultralytics import YOLO\nm = YOLO('y').to('cuda')\nm.train()\nYOLO('y').cuda().half().train()\n")
    assert sk.heads("m") == {"ultralytics.YOLO"}
    assert [sk.qualified(c.func) for c in sk.by_name()["train"]] == [{"ultralytics.YOLO.train"}] * 2
    assert all(sketch_training.may_fit(sk, c) for c in sk.by_name()["train"])


def test_too_many_names_to_list_may_be_anything():
    # Each level doubles what the name may be: a0 is m.f or m.g, a1 is a0.f or a0.g, ...
    lines = ["import m", "a0 = m.f()", "a0 = m.g()"]
    for i in range(1, 13):
        lines += [f"a{i} = a{i - 1}.f()", f"a{i} = a{i - 1}.g()"]
    sk = _sketch("\n".join([*lines, "a12.step()", "a3.step()"]) + "\n")
    assert 2 ** 13 > MAX_HEADS and sk.heads("a12") is None
    last, small = sorted(sk.by_name()["step"], key=lambda c: c.node.lineno)
    # Unknown names may be an optimizer: the screen keeps what the analysis might find.
    assert sketch_training.is_step(sk, last)
    assert sk.heads("a3") is not None and not sketch_training.is_step(sk, small)


def test_helper_sketches_of_a_module_with_long_rebinding_chains(tmp_path):
    root = write_repo(tmp_path, {"utils/model.py": "import torch\n\ndef prepare(x):\n" + CHAIN + "    return x\n"
                                                   "\nx = torch.zeros(1)\n"})

    class Repo:
        def module_path(self, name):
            return "utils/model.py" if name == "utils.model" else None

        def text(self, rel, consumer=None):
            return (root / rel).read_text(encoding="utf-8")

    sketches = HelperSketches(Repo(), depth=3)
    assert not sketches.steps("utils.model.prepare", None)
    assert not sketches.references("utils.model.prepare", ("codecarbon.*",), None)


def test_a_helper_with_rebinding_chains_called_in_the_batch_loop(tmp_path):
    root = write_repo(tmp_path, {
        "utils/io.py": "import torch\n\ndef save(model, x):\n" + CHAIN + "    torch.save(model, 'm.pt')\n"
                       "\nx = torch.zeros(1)\n",
        "train.py": """
            from utils.io import save
            for batch in loader:
                loss = model(batch)
                loss.backward()
                optimizer.step()
                save(model, batch)
        """,
    })
    screened = _run(root, prefilter=True)
    assert ("CK001", "train.py", 6) in screened
    assert screened == _run(root, prefilter=False)


def test_a_custom_rule_with_thousands_of_call_names_is_screened_like_a_short_one():
    code = "import org.tools as t\nfor batch in loader:\n    loss.backward()\n    t.fn19999(batch)\n"
    job = _job(prefilter=True)
    names = [f"org.tools.fn{i}" for i in range(20_000)]
    rule = next(a for a in job.rules if a.id == "CK001")
    python = [dict(rule.rule.match["python"][0], call=names)]
    big = dataclasses.replace(rule, rule=dataclasses.replace(rule.rule, match={**rule.rule.match, "python": python},
                                                               tokens=("org",)))
    job = dataclasses.replace(job, rules=[big])
    kept, screened, _ = driver.screened_rules("train.py", code, job)
    assert screened and [a.id for a in kept] == ["CK001"]
    kept, _, _ = driver.screened_rules("train.py", code.replace("fn19999", "fn20000"), job)
    assert kept == []
