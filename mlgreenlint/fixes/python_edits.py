"""libcst rewrites fixes are built from: set or add a call's keyword, remove a statement,
wrap a statement in a `with`, add an import once.

Each returns edits as (node, new source of that node) pairs on the parsed module, so
everything outside the node (comments, quotes, layout) stays byte for byte; the driver
trims each edit to the text that actually changes.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from mlgreenlint.python.bindings import children

_MODULE = cst.Module(body=[])


def code(node: cst.CSTNode) -> str:
    return _MODULE.code_for_node(node)


def set_keyword(site, keyword: str, value: str, position: int | None = None) -> tuple | None:
    """Edits that make the call pass `keyword=value` (Python source): the written argument's
    value replaced, or the keyword added. None when the argument comes from `**mapping`
    or a starred argument, where no edit of this call would be right."""
    arg = site.argument(keyword, position)
    if arg is not None:
        if not isinstance(arg.node, cst.Arg) or arg.node.star:
            return None
        return ((arg.node.value, value),)
    call = site.node
    if not isinstance(call, cst.Call) or site.open_kwargs:
        return None
    return ((call, add_keyword(call, keyword, cst.parse_expression(value))),)


def add_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    """`call` with `keyword=value` appended in the call's own style: on a line of its own at the
    arguments' indentation when they are one per line (a trailing comma kept, comments left on
    their lines), else after `, ` on the same line."""
    new = cst.Arg(value=value, keyword=cst.Name(keyword),
                  equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    trailing = isinstance(last.comma, cst.Comma)
    # Between two arguments (or after the opening parenthesis), and after the last one.
    between = args[-2].comma.whitespace_after if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) \
        else call.whitespace_before_args
    after = last.comma.whitespace_after if trailing else last.whitespace_after_arg
    if isinstance(between, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
        # The last line keeps its comment; the new argument takes the arguments' indentation.
        kept = between.with_changes(first_line=after.first_line, empty_lines=after.empty_lines)
        closing = after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        if trailing:
            args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=kept))
            args.append(new.with_changes(comma=last.comma.with_changes(whitespace_after=closing)))
        else:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=kept), whitespace_after_arg=cst.SimpleWhitespace(""))
            args.append(new.with_changes(whitespace_after_arg=closing))
        return call.with_changes(args=args)
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if trailing:
        args[-1] = last.with_changes(comma=space)
        args.append(new.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=space, whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new.with_changes(whitespace_after_arg=last.whitespace_after_arg))
    return call.with_changes(args=args)


def add_string(node: cst.BaseExpression, value: str) -> cst.BaseExpression | None:
    """A string literal or a list / tuple of string literals with `value` added:
    appended to the sequence (after a trailing comma, in the items' quotes); a lone string
    becomes a list of both, and `"none"` (nothing) becomes `value`. None for anything else."""
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str) and "b" not in node.prefix.lower():
        new = node.with_changes(value=f"{node.prefix}{node.quote}{value}{node.quote}")
        return new if node.evaluated_value == "none" else cst.List([cst.Element(node, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Element(new)])
    if not isinstance(node, (cst.List, cst.Tuple)) or not all(
            isinstance(e, cst.Element) and isinstance(e.value, cst.SimpleString) for e in node.elements):
        return None
    quote = node.elements[0].value.quote if node.elements else '"'
    item = cst.Element(cst.SimpleString(f"{quote}{value}{quote}"))
    elements = list(node.elements)
    changes = {}
    if elements:
        last = elements[-1]
        trailing = isinstance(last.comma, cst.Comma)
        opener, closer = (node.lbracket.whitespace_after, node.rbracket.whitespace_before) if isinstance(node, cst.List) \
            else (node.lpar[0].whitespace_after, node.rpar[-1].whitespace_before) if node.lpar else (None, None)
        between = elements[-2].comma.whitespace_after if len(elements) > 1 else opener
        if isinstance(between, cst.ParenthesizedWhitespace) and isinstance(closer, cst.ParenthesizedWhitespace):
            # One item per line: the new one on its own line, the last line's comment kept.
            kept = between.with_changes(first_line=closer.first_line, empty_lines=closer.empty_lines)
            elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=kept))
            if trailing:
                item = item.with_changes(comma=last.comma)
            bracket = node.rbracket if isinstance(node, cst.List) else node.rpar[-1]
            bracket = bracket.with_changes(whitespace_before=closer.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[]))
            changes = {"rbracket": bracket} if isinstance(node, cst.List) else {"rpar": [*node.rpar[:-1], bracket]}
        else:
            if trailing:
                item = item.with_changes(comma=last.comma)  # the trailing comma stays last
            elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return node.with_changes(elements=[*elements, item], **changes)


def enclosing_statement(module: cst.Module, target: cst.CSTNode) -> tuple[cst.SimpleStatementLine, cst.CSTNode] | None:
    """(statement line, the node whose body holds it) for the simple statement line holding `target`."""
    path = ancestors(module, target) or []
    lines = [i for i, n in enumerate(path) if isinstance(n, cst.SimpleStatementLine)]
    return (path[lines[-1]], path[lines[-1] - 1]) if lines else None


def ancestors(root: cst.CSTNode, target: cst.CSTNode) -> list[cst.CSTNode] | None:
    """The nodes from `root` down to `target`, both included, or None when `target` is not in
    the tree. Reads node fields directly: libcst's visitors rebuild every node they pass, which
    made finding one statement cost about as much as parsing the file."""
    stack = [(root, 0)]
    path: list[cst.CSTNode] = []
    while stack:
        node, depth = stack.pop()
        del path[depth:]
        path.append(node)
        if node is target:
            return path
        for child in reversed(children(node)):
            stack.append((child, depth + 1))
    return None


def replace_node(root: cst.CSTNode, old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    """`root.deep_replace(old, new)` for a node that occurs once: only the nodes on the path
    from `root` to `old` are rebuilt, where libcst's `deep_replace` rebuilds the whole tree."""
    path = ancestors(root, old)
    if path is None:
        return root
    for parent in reversed(path[:-1]):
        changes = {}
        for item in dataclasses.fields(parent):
            value = getattr(parent, item.name)
            if value is old:
                changes[item.name] = new
            elif isinstance(value, (list, tuple)) and any(v is old for v in value):
                changes[item.name] = type(value)(new if v is old else v for v in value)
        old, new = parent, parent.with_changes(**changes)
    return new


def remove_statement(module: cst.Module, target: cst.CSTNode, whole_lines) -> tuple | None:
    """Edits that delete the statement `target` makes (an assignment to it, or the call as a
    statement): its whole lines go, comments above it stay; `pass` takes its place when it is
    the only statement of an indented block. None when the line does more (`a = x = 1`,
    `f(); g()`, a value used in an expression). `whole_lines(node)` is the edit target
    covering the node's lines."""
    found = enclosing_statement(module, target)
    if found is None:
        return None
    line, parent = found
    if len(line.body) != 1:
        return None
    statement = line.body[0]
    alone = (isinstance(statement, cst.Assign) and len(statement.targets) == 1 and statement.targets[0].target is target) \
        or (isinstance(statement, cst.Expr) and statement.value is target)
    if not alone:
        return None
    block = parent if isinstance(parent, cst.IndentedBlock) else None
    if block is not None and len(block.body) == 1:
        return ((statement, "pass"),)
    return ((whole_lines(line), ""),)


def wrap_in_with(module: cst.Module, statement: cst.BaseStatement, context: str, module_name: str, name: str) -> str:
    """The module's code with `statement` inside `with <context>:` (comments above it stay
    above the `with`), and `from <module_name> import <name>` added once, after the module's
    leading imports, unless the module imports it already."""
    wrapped = cst.With(items=[cst.WithItem(cst.parse_expression(context))],
                       body=cst.IndentedBlock(body=[statement.with_changes(leading_lines=[])]),
                       leading_lines=statement.leading_lines)
    new = replace_node(module, statement, wrapped)
    if not _imports(module, module_name, name):
        body = list(new.body)
        at = _after_leading_imports(body)
        body.insert(at, cst.parse_statement(f"from {module_name} import {name}\n"))
        new = new.with_changes(body=body)
    return new.code


def insert_after_imports(module: cst.Module, statement: str) -> str:
    """The module's code with `statement` (one line of source) after its docstring and leading imports."""
    body = list(module.body)
    at = _after_leading_imports(body)
    new = cst.parse_statement(statement + "\n")
    if at < len(body):
        # The blank lines that set the imports apart move above the new line; comments stay put.
        lines = body[at].leading_lines
        blank = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
        new = new.with_changes(leading_lines=lines[:blank])
        body[at] = body[at].with_changes(leading_lines=lines[blank:])
    body.insert(at, new)
    return module.with_changes(body=body).code


def _imports(module: cst.Module, module_name: str, name: str) -> bool:
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for statement in line.body:
            if isinstance(statement, cst.ImportFrom) and statement.module is not None and not statement.relative \
                    and code(statement.module) == module_name and not isinstance(statement.names, cst.ImportStar) \
                    and any(a.asname is None and code(a.name) == name for a in statement.names):
                return True
    return False


def _is_import(statement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)


def _after_leading_imports(body: list) -> int:
    """Where a new import goes: after the docstring and the imports the module starts with."""
    at = 0
    for i, statement in enumerate(body):
        docstring = i == 0 and isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr) \
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
        if docstring or _is_import(statement):
            at = i + 1
        else:
            break
    return at
