"""Guards around a call: conditions that limit how often it runs, and the blocks it is in.

A mixin of `FileContext`: every question here reads the frames (`bindings.Frame`) around a
call site and the conditions of the `if`s among them.
"""

from __future__ import annotations

import re
from functools import cached_property

import libcst as cst

from mlgreenlint.python import bindings
from mlgreenlint.python.bindings import Frame, expression_words
from mlgreenlint.python.frames import frames as _frames
from mlgreenlint.python.values import CallSite

# Guards are judged by the words of the names in the condition, so `accelerator` is not `acc`.
_GUARD_WORD = re.compile(
    r"best|metrics?|scores?|loss(es)?|acc|accuracy|improv\w*|time|elapsed|interval|last|final|"
    r"should|save|saving|ckpt|checkpoint|patience|plateau",
    re.I,
)
_RANK_NAME = re.compile(
    r"rank|main_process|is_main|master|local_process|world_process_zero|process_index|global_zero|"
    r"local_zero|is_primary|is_chief",
    re.I,
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_TIME_CALLS = ("time.time", "time.monotonic", "time.perf_counter", "datetime.datetime.now")

class Guards:
    """How often a call runs and which blocks it is in (mixed into `FileContext`)."""

    def conditional(self, frame: Frame | None, stop: Frame | None) -> bool:
        """An `if`/`else` branch, `match` case or `except` handler lies between the frame and `stop`.

        A check that only asks which device runs (`if torch.cuda.is_available():`) holds on
        every step of a GPU run, so it is not a condition here.
        """
        for f in _frames(frame):
            if f is stop:
                break
            if f.kind == "except":
                return True
            if f.kind in ("if", "else"):
                test = f.node.test if isinstance(f.node, cst.If) else None
                if not (f.kind == "if" and test is not None and _device_check(test)):
                    return True
        return False

    def comment_matches(self, site: CallSite, pattern: re.Pattern) -> bool:
        """The call's statement carries a comment, trailing or on the lines just above, that the pattern finds."""
        line = getattr(site.record, "line", None)
        if line is None:
            return False
        comments = [el.comment for el in line.leading_lines if el.comment is not None]
        if line.trailing_whitespace.comment is not None:
            comments.append(line.trailing_whitespace.comment)
        return any(pattern.search(c.value) for c in comments)

    def guarded(self, frame: Frame | None, stop: Frame | None) -> bool:
        """An `if` (or its `else`) between the call and `stop` limits how often the call runs."""
        for f in _frames(frame):
            if f is stop:
                break
            if f.kind == "except":  # runs only when something failed
                return True
            if f.kind in ("if", "else") and isinstance(f.node, cst.If) and self.is_frequency_guard(f.node.test):
                return True
        return stop is not None and self._continue_guard(stop.node)

    def is_frequency_guard(self, test) -> bool:
        """`step % N`, a time call, `i == len(loader) - 1`, or a best-metric / save-decision name.

        A rank check alone (`accelerator.is_main_process`, `rank == 0`) does not change how
        often a save runs, so it is not a guard. Memoised per condition: every call under
        one `if` asks the same question.
        """
        memo = self._guard_memo
        if id(test) not in memo:
            memo[id(test)] = self._frequency_guard(test)
        return memo[id(test)]

    @cached_property
    def _guard_memo(self) -> dict[int, bool]:
        return {}

    def _frequency_guard(self, test) -> bool:
        for node in bindings.walk(test):
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                return True
            if isinstance(node, cst.Call):
                callee = bindings.resolve(node.func, self.facts.scope)
                if callee is not None and callee.qualname in _TIME_CALLS:
                    return True
            if isinstance(node, cst.Comparison) and _once_comparison(node):
                return True
        return any(_guard_name(n) for n in names_in(test))

    def _continue_guard(self, loop) -> bool:
        """`if step % N: continue` at the top of a loop body guards what follows."""
        body = getattr(loop.body, "body", ())
        for stmt in body:
            if isinstance(stmt, cst.If) and _only_continue(stmt.body):
                for node in bindings.walk(stmt.test):
                    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                        return True
        return False

    def inside_if_matching(self, frame: Frame | None, pattern: re.Pattern) -> bool:
        """An enclosing `if` (either branch) or `match` tests a name or string the pattern finds: `if args.debug:`."""
        for f in _frames(frame):
            if f.kind in ("if", "else"):
                test = f.node.test if isinstance(f.node, cst.If) else getattr(f.node, "subject", None)
                if test is not None and any(pattern.search(w) for w in expression_words(test)):
                    return True
        return False

    def inside_def_matching(self, frame: Frame | None, pattern: re.Pattern) -> bool:
        """An enclosing function's name matches: `def enable_debugging():`."""
        return any(f.kind == "def" and pattern.search(f.node.name.value) for f in _frames(frame))

    def inside_with(self, frame: Frame | None, names: set[str]) -> bool:
        for f in _frames(frame):
            if f.kind == "with":
                for item in f.node.items:
                    expr = item.item.func if isinstance(item.item, cst.Call) else item.item
                    resolved = bindings.resolve(expr, self.facts.scope)
                    if resolved is not None and resolved.qualname in names:
                        return True
        return False

_DEVICE_WORD = re.compile(
    r"(?i)torch|self|args|cfg|config|opts?|hparams|type|is_available|device(_type|_count)?|"
    r"(use_|on_|has_)?(cuda|gpu)|cuda:\d+|xpu|mps|npu|n_?gpus?|num_gpus|accelerator"
)


def _device_check(test) -> bool:
    """`torch.cuda.is_available()`, `device.type == "cuda"`, `args.use_gpu`: only asks which device runs."""
    words = list(expression_words(test))
    return bool(words) and all(_DEVICE_WORD.fullmatch(w) for w in words) and any(
        re.search(r"(?i)cuda|gpu|xpu|mps|npu|is_available", w) for w in words
    )


def _guard_name(name: str) -> bool:
    if _RANK_NAME.search(name):
        return False
    return any(_GUARD_WORD.fullmatch(w) for w in _WORD.findall(name))


def _once_comparison(node: cst.Comparison) -> bool:
    """`step == last_step`: true on one iteration. Rank and string comparisons are not."""
    if not any(isinstance(c.operator, cst.Equal) for c in node.comparisons):
        return False
    sides = [node.left, *(c.comparator for c in node.comparisons)]
    if any(isinstance(s, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)) for s in sides):
        return False
    return not any(_RANK_NAME.search(n) for n in names_in(node))

def _only_continue(suite) -> bool:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else [suite]
    for stmt in body:
        smalls = stmt.body if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else [stmt]
        if not all(isinstance(s, cst.Continue) for s in smalls):
            return False
    return True

def names_in(node):
    """The names and attribute names in an expression, as written."""
    for current in bindings.walk(node):
        if isinstance(current, cst.Name):
            yield current.value
        elif isinstance(current, cst.Attribute):
            yield current.attr.value

