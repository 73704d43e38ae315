from __future__ import annotations

import json
import math
import textwrap
import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgreenlint.configs import yamldoc
from mlgreenlint.configs.document import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    ConfigError,
    Node,
    format_of,
    parse,
)
from mlgreenlint.configs.tomldoc import tomllib
from mlgreenlint.model import Span


def cut(text: str, span: Span | None) -> str | None:
    """The text a span covers (lines split on '\\n', columns 1-based, end exclusive)."""
    if span is None:
        return None
    lines = text.split("\n")
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1 :]]
    parts += lines[span.line : span.end_line - 1]
    parts.append(lines[span.end_line - 1][: span.end_column - 1])
    return "\n".join(parts)


def at(root: Node, *path: str | int) -> Node:
    node: Node | None = root
    for key in path:
        assert node is not None, path
        node = node.get(key)
    assert node is not None, path
    return node


@pytest.fixture(params=["libyaml", "pure"])
def yaml_loader(request, monkeypatch):
    """Run YAML tests with the C loader and with the pure-Python fallback."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("PyYAML built without libyaml")
        monkeypatch.setattr(yamldoc, "LOADER", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(yamldoc, "LOADER", yaml.SafeLoader)
    return request.param


# --- format_of -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("configs/ds_config.json", "json"),
        ("accelerate/default_config.YAML", "yaml"),
        ("sky.yml", "yaml"),
        ("pyproject.toml", "toml"),
        ("train.py", None),
        ("CITATION.cff", None),
        ("values.yaml.tpl", None),
        ("Makefile", None),
    ],
)
def test_format_of(path, fmt):
    assert format_of(path) == fmt


def test_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError):
        parse("", "ini")


# --- YAML ----------------------------------------------------------------------------

ACCELERATE = textwrap.dedent(
    """\
    # written by `accelerate config`
    compute_environment: LOCAL_MACHINE
    distributed_type: MULTI_GPU
    mixed_precision: 'no'
    num_processes: 8
    deepspeed_config:
      zero_stage: 2
      offload_optimizer_device: none
    """
)


def test_yaml_key_and_value_positions(yaml_loader):
    (root,) = parse(ACCELERATE, "yaml")
    mp = at(root, "mixed_precision")
    assert mp.kind == "scalar" and mp.value == "no"
    assert mp.key_span == Span(4, 1, 4, 16)
    assert mp.span == Span(4, 18, 4, 22)
    assert mp.anchor_span() == mp.key_span
    assert mp.path == ("mixed_precision",)
    stage = at(root, "deepspeed_config", "zero_stage")
    assert stage.key_span == Span(7, 3, 7, 13)
    assert stage.span == Span(7, 15, 7, 16)
    assert stage.path == ("deepspeed_config", "zero_stage")
    block = at(root, "deepspeed_config")
    assert block.key_span == Span(6, 1, 6, 17)
    # A block mapping ends with its last value, not at the next line's start.
    assert block.span == Span(7, 3, 8, 33)
    assert root.key_span is None and root.anchor_span() == root.span
    assert root.plain() == yaml.safe_load(ACCELERATE)


LIGHTNING = textwrap.dedent(
    """\
    seed_everything: 42
    trainer:
      precision: 32-true
      callbacks:
        - class_path: lightning.pytorch.callbacks.ModelCheckpoint
          init_args:
            save_top_k: -1
            every_n_train_steps: 20
        - {class_path: EarlyStopping, init_args: {monitor: val_loss}}
    """
)


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        (("trainer", "precision"), "precision", "32-true"),
        (("trainer", "callbacks", 0, "class_path"), "class_path",
         "lightning.pytorch.callbacks.ModelCheckpoint"),
        (("trainer", "callbacks", 0, "init_args", "every_n_train_steps"),
         "every_n_train_steps", "20"),
        (("trainer", "callbacks", 1, "init_args", "monitor"), "monitor", "val_loss"),
        (("trainer", "callbacks", 1), None,
         "{class_path: EarlyStopping, init_args: {monitor: val_loss}}"),
    ],
)
def test_yaml_keys_inside_lists_of_mappings(yaml_loader, path, key, value):
    (root,) = parse(LIGHTNING, "yaml")
    node = at(root, *path)
    assert node.path == path
    assert cut(LIGHTNING, node.key_span) == key
    assert cut(LIGHTNING, node.span) == value


def test_yaml_exact_positions_in_a_list_item(yaml_loader):
    (root,) = parse(LIGHTNING, "yaml")
    node = at(root, "trainer", "callbacks", 0, "init_args", "save_top_k")
    assert node.key_span == Span(7, 9, 7, 19)
    assert node.span == Span(7, 21, 7, 23)
    assert node.value == -1
    item = at(root, "trainer", "callbacks", 0)
    assert item.key_span is None and item.span.line == 5 and item.span.column == 7


MULTI = textwrap.dedent(
    """\
    ---
    # an empty document is skipped
    ---
    name: first
    resources:
      accelerators: A100:8
    ---
    name: second
    resources: {infra: gcp/europe-north1}
    ...
    """
)


def test_yaml_multiple_documents_keep_file_lines(yaml_loader):
    first, second = parse(MULTI, "yaml")
    assert at(first, "resources", "accelerators").span == Span(6, 17, 6, 23)
    infra = at(second, "resources", "infra")
    assert infra.key_span == Span(9, 13, 9, 18) and infra.span == Span(9, 20, 9, 37)
    assert [d.plain() for d in (first, second)] == [
        d for d in yaml.safe_load_all(MULTI) if d is not None
    ]


@pytest.mark.parametrize("text", ["", "# just a comment\n", "---\n...\n", "--- \n---\n"])
def test_yaml_empty_documents_are_skipped(yaml_loader, text):
    assert parse(text, "yaml") == []


ANCHORS = textwrap.dedent(
    """\
    defaults: &defaults
      precision: 16-mixed
      max_epochs: 10
    fit: &fit
      trainer: *defaults
    tuned:
      <<: *defaults
      max_epochs: 3
    both:
      <<: [*fit, *defaults]
    lr: &lr 0.001
    lrs: [*lr, *lr]
    """
)


def test_yaml_aliases_get_their_own_position_and_share_children(yaml_loader):
    (root,) = parse(ANCHORS, "yaml")
    anchored = at(root, "defaults")
    alias = at(root, "fit", "trainer")
    assert alias.kind == "map"
    assert alias.key_span == Span(5, 3, 5, 10)
    assert alias.span == Span(5, 12, 5, 21)  # the `*defaults` text
    assert alias.path == ("fit", "trainer")
    assert alias is not anchored and alias.value is anchored.value
    # Children are where they were written.
    assert at(alias, "precision").key_span == Span(2, 3, 2, 12)
    assert at(alias, "precision").path == ("defaults", "precision")
    scalar_alias = at(root, "lrs", 1)
    assert scalar_alias.value == 0.001 and cut(ANCHORS, scalar_alias.span) == "*lr"


def test_yaml_merge_keys_follow_pyyaml(yaml_loader):
    (root,) = parse(ANCHORS, "yaml")
    assert root.plain() == yaml.safe_load(ANCHORS)
    tuned = at(root, "tuned")
    assert at(tuned, "max_epochs").value == 3
    assert at(tuned, "max_epochs").key_span == Span(8, 3, 8, 13)
    assert at(tuned, "precision").key_span == Span(2, 3, 2, 12)  # merged: where written
    assert "<<" not in tuned.value
    both = at(root, "both")
    assert set(both.value) == {"trainer", "precision", "max_epochs"}


def test_yaml_plain_shares_aliased_objects_like_pyyaml(yaml_loader):
    (root,) = parse(ANCHORS, "yaml")
    data = root.plain()
    assert data["fit"]["trainer"] is data["defaults"]


@pytest.mark.parametrize(
    "scalar",
    ["yes", "No", "on", "true", "~", "null", "", "0x1F", "0o17", "017", "1_000", "1e3",
     "1.5e3", ".inf", "-.Inf", "2024-05-01", "2024-05-01 10:00:00", "'quoted'", '"a\\tb"',
     "16-mixed", "bf16", "3:30", "!!str 12", "!!float 1", "+12"],
)
def test_yaml_scalars_use_safe_loader_semantics(yaml_loader, scalar):
    text = f"v: {scalar}\n"
    (root,) = parse(text, "yaml")
    assert root.plain() == yaml.safe_load(text)


def test_yaml_unknown_tags_keep_their_text_and_are_never_constructed(yaml_loader):
    text = (
        "a: !Ref MyBucket\n"
        "b: !!python/object/apply:os.system ['echo hi']\n"
        "c: !!python/name:os.system\n"
    )
    (root,) = parse(text, "yaml")
    assert root.plain() == {"a": "MyBucket", "b": ["echo hi"], "c": ""}


def test_yaml_columns_count_characters(yaml_loader):
    text = "name: \"héllo wörld\"\nnext: 1\n"
    (root,) = parse(text, "yaml")
    assert at(root, "name").span == Span(1, 7, 1, 20)
    assert at(root, "next").key_span == Span(2, 1, 2, 5)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: 1\nb: [1, 2\nc: 3\n", 3, 2, "flow sequence"),
        ("a:\n  b: 1\n c: 2\n", 3, 2, ""),
        ("fp16:\n  enabled: true\nfp16:\n  enabled: false\n", 3, 1, "duplicate key 'fp16'"),
        ("a: {x: 1, x: 2}\n", 1, 11, "duplicate key 'x'"),
        ("a: &x 1\nb: &x 2\n", 2, 4, "duplicate anchor"),
        ("a: *missing\n", 1, 4, "undefined alias"),
        ("a: &r [1, *r]\n", 1, 11, "recursive alias"),
        ("? [a, b]\n: 1\n", 1, 3, "keys must be scalars"),
        ("a: !!int twelve\n", 1, 4, "invalid int"),
        ("a: 1\nb: \x07\n", 2, 4, "invalid character"),
        ("a: 1\n<<: 3\n", 2, 5, "merge key"),
    ],
)
def test_yaml_errors_carry_the_parser_position(yaml_loader, text, line, column, message):
    with pytest.raises(ConfigError) as info:
        parse(text, "yaml")
    assert (info.value.line, info.value.column) == (line, column)
    assert message in info.value.message


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_yaml_alias_bomb_fails_fast(yaml_loader):
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        parse(BILLION_LAUGHS, "yaml")
    assert time.perf_counter() - start < 1.0
    assert "aliases expand" in info.value.message and info.value.line > 1


def test_yaml_moderate_alias_use_is_fine(yaml_loader):
    text = "base: &b {lr: 1, wd: 0}\n" + "".join(f"run{i}: *b\n" for i in range(1000))
    (root,) = parse(text, "yaml")
    assert len(root.value) == 1001 and MAX_ALIAS_NODES >= 3000


DEEP_BLOCK = "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + " " * 300 + "v: 1\n"


@pytest.mark.parametrize("text", ["[" * 10_000 + "]" * 10_000, DEEP_BLOCK])
def test_yaml_deep_nesting_is_an_error(yaml_loader, text):
    with pytest.raises(ConfigError) as info:
        parse(text, "yaml")
    assert "nesting" in info.value.message or "depth" in info.value.message


# --- JSON ----------------------------------------------------------------------------

DEEPSPEED = textwrap.dedent(
    """\
    {
      "train_micro_batch_size_per_gpu": 4,
      "gradient_accumulation_steps": "auto",
      "fp16": {
        "enabled": false,
        "loss_scale": 0
      },
      "zero_optimization": {"stage": 2, "offload_optimizer": {"device": "cpu"}},
      "betas": [0.9, 0.999]
    }
    """
)


def test_json_key_and_value_positions():
    (root,) = parse(DEEPSPEED, "json")
    fp16 = at(root, "fp16")
    assert fp16.key_span == Span(4, 3, 4, 9)
    assert cut(DEEPSPEED, fp16.key_span) == '"fp16"'
    assert fp16.span == Span(4, 11, 7, 4)
    enabled = at(root, "fp16", "enabled")
    assert enabled.value is False
    assert enabled.key_span == Span(5, 5, 5, 14) and enabled.span == Span(5, 16, 5, 21)
    device = at(root, "zero_optimization", "offload_optimizer", "device")
    assert device.path == ("zero_optimization", "offload_optimizer", "device")
    assert cut(DEEPSPEED, device.key_span) == '"device"' and cut(DEEPSPEED, device.span) == '"cpu"'
    beta = at(root, "betas", 1)
    assert beta.key_span is None and beta.span == Span(9, 18, 9, 23) and beta.path == ("betas", 1)
    assert root.span == Span(1, 1, 10, 2)
    assert root.plain() == json.loads(DEEPSPEED)


def test_json_key_inside_a_list_of_objects():
    text = (
        '{"callbacks": [\n'
        '  {"class_path": "A"},\n'
        '  {"class_path": "B", "init_args": {"k": 1}}\n'
        "]}"
    )
    (root,) = parse(text, "json")
    node = at(root, "callbacks", 1, "init_args", "k")
    assert node.key_span == Span(3, 37, 3, 40) and node.span == Span(3, 42, 3, 43)


VALID_JSON = [
    "0", "-0", "1.5e-3", "1E+2", "-12.0", "1e400", "NaN", "-Infinity", "Infinity", "true",
    "null", '""', '"\\u00e9\\/\\"\\\\\\b\\f\\n\\r\\t"', '"\\ud83d\\ude00"', '"\\ud800"', '"é"',
    "[]", "{}", " [ 1 , [ ] , { } ] ", '{"a": {"b": [1, 2, {"c": null}]}}', "\n\r\t 7 \n",
]
INVALID_JSON = [
    "", " ", "[1,]", '{"a": 1,}', "{'a': 1}", '{"a" 1}', '{"a": 1 "b": 2}', "01", "1.", ".5",
    "+1", "-", "0x10", "tru", "True", "nan", "infinity", "[1] [2]", "[", "]", '{"a":}',
    '"a\tb"', '"\\x41"', '"\\u12"', '"unterminated', "// c\n1", "[1, /* c */ 2]", "\ufeff{}",
    "1 2", "{1: 2}", "[1 2]", "١", '"a"\x00',
]


@pytest.mark.parametrize("text", VALID_JSON)
def test_json_accepts_what_json_loads_accepts(text):
    expected = json.loads(text)
    (root,) = parse(text, "json")
    got = root.plain()
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("text", INVALID_JSON)
def test_json_rejects_what_json_loads_rejects(text):
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ConfigError):
        parse(text, "json")


def test_json_huge_integer_is_rejected_like_json_loads():
    text = "1" * 5000
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ConfigError):
        parse(text, "json")


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('{\n  "fp16": {"enabled": true},\n  "fp16": {"enabled": false}\n}', 3, 3,
         "duplicate key 'fp16'"),
        ('{\n  "a": 1,\n}', 3, 1, "Expecting property name"),
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3, "Expecting ',' delimiter"),
        ('[1, 2]\n[3]', 2, 1, "Extra data"),
        ('{"a": "x\n"}', 1, 9, "Invalid control character"),
        ('\n\n{"a": tru}', 3, 7, "Expecting value"),
    ],
)
def test_json_errors_carry_the_position(text, line, column, message):
    with pytest.raises(ConfigError) as info:
        parse(text, "json")
    assert (info.value.line, info.value.column) == (line, column)
    assert message in info.value.message


@pytest.mark.parametrize(
    "text", ["[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000]
)
def test_json_deep_nesting_is_a_config_error_not_recursion_error(text):
    with pytest.raises(ConfigError) as info:
        parse(text, "json")
    assert "nesting" in info.value.message


def test_json_nesting_up_to_the_limit_is_fine():
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    (root,) = parse(text, "json")
    assert root.plain() == json.loads(text)


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(data=json_data, indent=st.sampled_from([None, 0, 2, "\t"]), ascii=st.booleans())
def test_json_roundtrip_property(data, indent, ascii):
    text = json.dumps(data, indent=indent, ensure_ascii=ascii)
    (root,) = parse(text, "json")
    assert root.plain() == data
    for node in root.walk():
        if node.key_span is not None:
            assert cut(text, node.key_span) == json.dumps(node.path[-1], ensure_ascii=ascii)
        assert json.loads(cut(text, node.span)) == node.plain()


# --- TOML ----------------------------------------------------------------------------

PYPROJECT = textwrap.dedent(
    '''\
    [build-system]
    requires = ["hatchling>=1.18"]
    build-backend = "hatchling.build"

    [project]
    name = "demo"
    authors = [{ name = "A. Person", email = "a@example.org" }]
    dependencies = [
        "torch>=2.1",  # a comment, with ] inside
        'lightning>=2.2',
    ]
    "quoted key" = """two
    lines"""

    [project.optional-dependencies]
    test = ["pytest"]

    [tool.mlgreenlint]
    select = ["MP", "CK"]
    rules.CK001.min-interval = 100

    [tool.mlgreenlint.per-file-ignores]
    "tests/*.py" = ["ET"]
    '''
)


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        (("build-system", "requires"), "requires", '["hatchling>=1.18"]'),
        (("build-system", "requires", 0), None, '"hatchling>=1.18"'),
        (("project", "authors", 0, "email"), "email", '"a@example.org"'),
        (("project", "dependencies", 1), None, "'lightning>=2.2'"),
        (("project", "quoted key"), '"quoted key"', '"""two\nlines"""'),
        (("project", "optional-dependencies", "test"), "test", '["pytest"]'),
        (("tool", "mlgreenlint", "select"), "select", '["MP", "CK"]'),
        (("tool", "mlgreenlint", "rules", "CK001", "min-interval"), "min-interval", "100"),
        (("tool", "mlgreenlint", "rules"), "rules", "CK001.min-interval = 100"),
        (("tool", "mlgreenlint", "per-file-ignores", "tests/*.py"), '"tests/*.py"', '["ET"]'),
    ],
)
def test_toml_key_and_value_positions(path, key, value):
    (root,) = parse(PYPROJECT, "toml")
    node = at(root, *path)
    assert node.path == path
    assert cut(PYPROJECT, node.key_span) == key
    assert cut(PYPROJECT, node.span) == value


def test_toml_tables_are_anchored_on_their_header():
    (root,) = parse(PYPROJECT, "toml")
    table = at(root, "tool", "mlgreenlint")
    assert table.key_span == Span(18, 7, 18, 18)
    assert table.span.line == 18 and table.span.end_line == 23
    assert at(root, "project", "dependencies").span == Span(8, 16, 11, 2)
    assert at(root, "tool").key_span == Span(18, 2, 18, 6)  # first mention
    assert root.plain() == tomllib.loads(PYPROJECT)


RUNS = textwrap.dedent(
    """\
    title = "sweep"

    [[runs]]
    name = "small"
    region = "eu-north-1"

    [runs.resources]
    gpu = "A100"

    [[runs]]
    name = "large"
    site.zone = "b"
    [[runs.stages]]
    step = 1
    [[runs.stages]]
    step = 2
    """
)


def test_toml_arrays_of_tables():
    (root,) = parse(RUNS, "toml")
    runs = at(root, "runs")
    assert runs.kind == "seq" and runs.key_span == Span(3, 3, 3, 7)
    assert at(root, "runs", 0, "region").key_span == Span(5, 1, 5, 7)
    assert at(root, "runs", 0, "resources", "gpu").span == Span(8, 7, 8, 13)
    assert at(root, "runs", 0, "resources").key_span == Span(7, 7, 7, 16)
    assert at(root, "runs", 1, "name").span == Span(11, 8, 11, 15)
    assert at(root, "runs", 1, "site", "zone").key_span == Span(12, 6, 12, 10)
    assert at(root, "runs", 1, "stages", 1, "step").span == Span(16, 8, 16, 9)
    assert at(root, "runs", 1, "stages", 0).span == Span(13, 1, 14, 9)
    assert at(root, "runs", 1).key_span is None and at(root, "runs", 1).span.line == 10


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('a = 1\nb = "x\n', 2, 7),
        ("a = 1\na = 2\n", 2, 6),
        ("[t]\nx = 1\n[t]\n", 3, 3),
        ("a = [1,\n", 2, 1),
        ("a = 1 b = 2\n", 1, 7),
    ],
)
def test_toml_errors_carry_the_position(text, line, column):
    with pytest.raises(ConfigError) as info:
        parse(text, "toml")
    assert (info.value.line, info.value.column) == (line, column)
    assert "(at line" not in info.value.message  # the position is not repeated


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10),
        "a = " + "[" * 5000 + "]" * 5000,
        "x = " + "{a = " * (MAX_DEPTH + 10) + "1" + "}" * (MAX_DEPTH + 10),
        "[" + ".".join(["a"] * 2000) + "]\nx = 1\n",
        ".".join(["a"] * 2000) + " = 1\n",
    ],
)
def test_toml_deep_nesting_is_an_error(text):
    with pytest.raises(ConfigError) as info:
        parse(text, "toml")
    assert "nesting" in info.value.message or "recursion" in info.value.message


# --- Node ----------------------------------------------------------------------------


def test_node_get_and_walk():
    (root,) = parse('{"a": [10, {"b": 2}], "c": 3}', "json")
    assert root.get("missing") is None and root.get(["unhashable"]) is None
    seq = at(root, "a")
    assert seq.get(0).value == 10 and seq.get(-1) is seq.get(1) and seq.get(2) is None
    assert seq.get("0") is None and seq.get(True) is None
    assert at(root, "c").get("x") is None
    assert [n.path for n in root.walk()] == [(), ("a",), ("a", 0), ("a", 1), ("a", 1, "b"), ("c",)]
