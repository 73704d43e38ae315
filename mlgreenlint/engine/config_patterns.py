"""Run rules on config documents: declared key-path patterns, and `_target_` nodes as calls.

A Hydra node `{_target_: lightning.pytorch.Trainer, precision: 32}` (torchtune's
`_component_`, LightningCLI's `class_path` + `init_args` alike) is treated exactly like
the call `lightning.pytorch.Trainer(precision=32)`, so the Python rules apply to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from mlgreenlint.aliases import canonical
from mlgreenlint.configs.classify import iter_target_nodes
from mlgreenlint.configs.document import Node, format_of
from mlgreenlint.fixes.config_edits import remove_key, set_key
from mlgreenlint.match.names import display_name, names_match
from mlgreenlint.match.predicates import Evaluator, FixSpec, Hit, PatternMatch
from mlgreenlint.match.sites import Arg, CallSite
from mlgreenlint.ruleset.selection import ActiveRule


class ConfigFile:
    """What file-level predicates can ask of a config file (no calls, no training context)."""

    def __init__(self, path: str, text: str, docs: list[Node], kinds: set[str], versions):
        self.path, self.text, self.docs, self.kinds, self.versions = path, text, docs, kinds, versions
        self.methods: set[str] = set()
        self.training = True

    def references(self, patterns: tuple[str, ...]) -> bool:
        return False  # a config calls nothing


def site_of(node: Node, names: tuple[str, ...] = (), *, overridable: bool = False) -> CallSite:
    """A mapping node seen as a call: its keys are keyword arguments.

    `overridable` marks nodes whose absent keys may be supplied by other config files or
    at launch (Hydra, torchtune), so an absent key's default is unknown; keys that are
    written are the config's decision and are judged.
    """
    keywords = {}
    if node.kind == "map":
        for key, child in node.value.items():
            if isinstance(key, str) and not key.startswith("_"):
                keywords[key] = Arg.known(child, child.plain())
    return CallSite(names, None, keywords, [], False, False, node, partial=overridable)


def run(rules: list[ActiveRule], cfg: ConfigFile) -> Iterator[tuple[ActiveRule, Hit]]:
    targets = None
    for active in rules:
        rule = active.rule
        evaluator = Evaluator(rule, active.options, cfg)
        for pattern in rule.match.get("config", ()):
            if not cfg.kinds & set(pattern["kinds"]):
                continue
            check = _config_check(pattern)
            for doc in cfg.docs:
                for node in select(doc, pattern.get("node", "")):
                    site = site_of(node)
                    if evaluator.all(pattern.get("where", []), site) is not True:
                        continue
                    match = _match(active, pattern, site, evaluator, doc, cfg)
                    if "fix" in pattern:
                        match = replace(match, fix=_fix(pattern["fix"], node, cfg, active.options))
                    for hit in (match.hit(),) if check is None else check(match):
                        yield active, hit
        calls = [p for p in rule.match.get("python", ()) if p.get("call") and not _needs_code(p)]
        if not calls:
            continue
        if targets is None:
            targets = [(canonical(name), node) for doc in cfg.docs for name, node in iter_target_nodes([doc])]
        for name, node in targets:
            for pattern in calls:
                if names_match((name,), pattern["call"]):
                    site = site_of(_init_args(node), (name,), overridable=True)
                    if evaluator.all(pattern.get("where", []), site) is True:
                        yield active, _match(active, pattern, site, evaluator, node, cfg).hit()


def _fix(spec: dict, node: Node, cfg: ConfigFile, options: dict) -> FixSpec | None:
    """The pattern's declared fix on this node: set a key path in the file's syntax, or remove it."""

    fmt = format_of(cfg.path)
    if spec.get("remove"):
        edits = remove_key(cfg.text, fmt, node, spec["keyword"])
    else:
        value = spec["value"] if "value" in spec else options[spec["value-option"]]
        edits = set_key(cfg.text, fmt, node, spec["keyword"], value)
    return FixSpec(edits, spec.get("title", "")) if edits else None


def _config_check(pattern: dict):
    """The pattern's config check (`checks.CONFIG_CHECKS`), or None for a declared-only pattern."""
    if "check" not in pattern:
        return None
    from mlgreenlint.checks import CONFIG_CHECKS

    return CONFIG_CHECKS[pattern["check"]]


def _match(active: ActiveRule, pattern: dict, site: CallSite, evaluator: Evaluator, root: Node, cfg: ConfigFile) -> PatternMatch:
    """A matched config node as a config check receives it: `site.node` is the node, `node` the anchor."""
    values = dict(active.options)
    if site.names:
        values["call"] = display_name(site.names[0])
    values["pin"] = evaluator.file.versions
    node: Node = site.node
    anchor, arg = node, None
    report = pattern.get("report")
    if report:
        values["keyword"] = report
        values["value"] = evaluator.lookup({"keyword": report}, site)
        found = descend(node, report)
        if found is not None:
            anchor = found
            arg = Arg.known(found, found.plain())
    return PatternMatch(active.rule, active.options, pattern, site, _anchor(anchor), arg, values, root=root, text=cfg.text,
                        syntax=format_of(cfg.path))


def _needs_code(pattern: dict) -> bool:
    """Patterns about loops, guards or `with` blocks have no meaning in a config file."""
    return any(k in pattern for k in ("inside", "unguarded", "not-inside-with", "wraps", "feeds", "method"))


def _init_args(node: Node) -> Node:
    """LightningCLI nests the arguments under init_args; Hydra and torchtune do not."""
    inner = node.get("init_args")
    return inner if inner is not None and inner.kind == "map" else node


def _anchor(node: Node):
    """A key's position; a document root has none, so its first key stands for it."""
    if node.key_span is None and node.kind == "map" and node.value:
        return next(iter(node.value.values())).anchor_span()
    return node.anchor_span()


def descend(node: Node, path: str) -> Node | None:
    for part in path.split("."):
        if node is None:
            return None
        node = node.get(int(part) if part.isdigit() and node.kind == "seq" else part)
    return node


def select(root: Node, path: str) -> Iterator[Node]:
    """Nodes at a dotted key path; `*` matches any key or index."""
    nodes = [root]
    for part in [p for p in path.split(".") if p]:
        nxt = []
        for node in nodes:
            if part == "*":
                children = node.value.values() if node.kind == "map" else node.value if node.kind == "seq" else ()
                nxt.extend(children)
            else:
                child = descend(node, part)
                if child is not None:
                    nxt.append(child)
        nodes = nxt
    yield from (n for n in nodes if n.kind == "map")
