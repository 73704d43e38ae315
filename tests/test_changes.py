from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import git, isolated_git  # noqa: F401 - isolated_git is an autouse fixture

from mlgreenlint import changes
from mlgreenlint.changes import ChangesError, changed_lines, parse_diff
from mlgreenlint.model import Finding, Severity, Span

LINES = "".join(f"line_{n} = {n}\n" for n in range(1, 21))




def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / "train.py", LINES)
    write(root / "src" / "model.py", LINES)
    write(root / "old_name.py", LINES)
    write(root / "gone.py", LINES)
    write(root / "dir with space" / "träin.py", LINES)
    write(root / "quo\"te\tname.py", LINES)
    write(root / ".gitignore", "ignored/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    return root


def finding(path: str, line: int, end_line: int | None = None) -> Finding:
    return Finding("MP001", path, Span(line, 1, end_line or line, 5), "m", Severity.WARNING, fingerprint="fp")


def edit(path: Path, replace: dict[int, str | None] = {}, insert_after: dict[int, str] = {}) -> None:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(keepends=True), 1):
        if n in replace:
            if replace[n] is not None:
                out.append(replace[n] + "\n")
        else:
            out.append(line)
        if n in insert_after:
            out.append(insert_after[n] + "\n")
    path.write_text("".join(out), encoding="utf-8")


def kept(changed, *findings: Finding) -> list[tuple[str, int]]:
    return [(f.path, f.span.line) for f in changes.filter(list(findings), changed)]


def test_modified_and_inserted_lines(repo):
    edit(repo / "train.py", replace={5: "line_5 = 'changed'"}, insert_after={7: "inserted = True"})
    changed = changed_lines("base", repo)
    assert changed.hunks["train.py"] == ((5, 1), (8, 1))
    assert kept(changed, *(finding("train.py", n) for n in range(1, 22))) == [("train.py", 5), ("train.py", 8)]
    assert kept(changed, finding("train.py", 2, 6), finding("train.py", 9, 12)) == [("train.py", 2)]
    assert not changed.keep(finding("src/model.py", 5))


def test_deleted_lines_inside_a_span(repo):
    edit(repo / "train.py", replace={6: None})
    changed = changed_lines("base", repo)
    assert changed.hunks["train.py"] == ((5, 0),)
    assert changed.keep(finding("train.py", 4, 7))
    assert not changed.keep(finding("train.py", 5))
    assert not changed.keep(finding("train.py", 6, 8))


def test_touches_any_changed_deleted_or_new_file(repo):
    edit(repo / "train.py", replace={6: None})
    write(repo / "fresh.py", "x = 1\n")
    git(repo, "mv", "old_name.py", "moved.py")
    changed = changed_lines("base", repo)
    assert changed.touches("train.py") and changed.touches("fresh.py")
    assert not changed.touches("src/model.py")
    assert not changed.touches("moved.py")
    assert not changed.touches("../outside.py")


def test_committed_changes_since_ref_count(repo):
    edit(repo / "train.py", replace={3: "three = 3"})
    git(repo, "commit", "-q", "-am", "edit")
    changed = changed_lines("base", repo)
    assert changed.keep(finding("train.py", 3))
    assert not changed_lines("HEAD", repo).keep(finding("train.py", 3))


def test_untracked_file_is_new_but_ignored_is_not(repo):
    write(repo / "new_job.py", "print('hi')\n" * 30)
    write(repo / "ignored" / "scratch.py", "x = 1\n")
    changed = changed_lines("base", repo)
    assert "new_job.py" in changed.new_files
    assert changed.keep(finding("new_job.py", 25))
    assert not changed.keep(finding("ignored/scratch.py", 1))


def test_staged_new_and_staged_modified_files(repo):
    write(repo / "staged_new.py", "a = 1\nb = 2\n")
    edit(repo / "src" / "model.py", replace={10: "line_10 = 'staged'"})
    git(repo, "add", "staged_new.py", "src/model.py")
    edit(repo / "src" / "model.py", replace={12: "line_12 = 'unstaged'"})
    changed = changed_lines("base", repo)
    assert "staged_new.py" in changed.new_files
    assert changed.keep(finding("staged_new.py", 2))
    assert kept(changed, *(finding("src/model.py", n) for n in range(1, 21))) == [
        ("src/model.py", 10),
        ("src/model.py", 12),
    ]


def test_renamed_file_is_not_new(repo):
    git(repo, "mv", "old_name.py", "new_name.py")
    edit(repo / "new_name.py", replace={15: "line_15 = 'edited after rename'"})
    changed = changed_lines("base", repo)
    assert "new_name.py" not in changed.new_files
    assert kept(changed, *(finding("new_name.py", n) for n in range(1, 21))) == [("new_name.py", 15)]


def test_pure_rename_changes_nothing(repo):
    git(repo, "mv", "old_name.py", "renamed.py")
    changed = changed_lines("base", repo)
    assert not any(changed.keep(finding("renamed.py", n)) for n in range(1, 21))


def test_deleted_file(repo):
    git(repo, "rm", "-q", "gone.py")
    (repo / "dir with space" / "träin.py").unlink()
    changed = changed_lines("base", repo)
    assert "gone.py" not in changed.hunks and "gone.py" not in changed.new_files
    assert "dir with space/träin.py" not in changed.hunks
    assert not changed.keep(finding("gone.py", 1))


def test_paths_with_spaces_non_ascii_and_quoting(repo):
    edit(repo / "dir with space" / "träin.py", replace={4: "line_4 = 'ä'"})
    edit(repo / "quo\"te\tname.py", replace={9: "line_9 = 9.0"})
    write(repo / "new dir" / "ünï code.py", "x = 1\n")
    changed = changed_lines("base", repo)
    assert changed.hunks["dir with space/träin.py"] == ((4, 1),)
    assert changed.hunks["quo\"te\tname.py"] == ((9, 1),)
    assert changed.keep(finding("dir with space/träin.py", 4))
    assert not changed.keep(finding("dir with space/träin.py", 5))
    assert changed.keep(finding("quo\"te\tname.py", 9))
    assert "new dir/ünï code.py" in changed.new_files
    assert changed.keep(finding("new dir/ünï code.py", 1))


def test_cwd_in_a_subdirectory(repo):
    edit(repo / "src" / "model.py", replace={7: "line_7 = 'sub'"})
    edit(repo / "train.py", replace={2: "line_2 = 'top'"})
    write(repo / "src" / "fresh.py", "y = 2\n")
    write(repo / "top_new.py", "z = 3\n")
    changed = changed_lines("base", repo / "src")
    assert changed.root == repo.resolve()
    assert changed.repo_path("model.py") == "src/model.py"
    assert kept(
        changed,
        finding("model.py", 7),
        finding("model.py", 8),
        finding("../train.py", 2),
        finding("fresh.py", 1),
        finding("../top_new.py", 1),
        finding("../../outside.py", 1),
    ) == [("model.py", 7), ("../train.py", 2), ("fresh.py", 1), ("../top_new.py", 1)]


def test_untracked_nested_repository_counts_as_new(repo):
    nested = repo / "vendor"
    nested.mkdir()
    git(nested, "init", "-q")
    write(nested / "lib.py", "a = 1\n")
    changed = changed_lines("base", repo)
    assert changed.keep(finding("vendor/lib.py", 1))


def test_not_a_repository(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ChangesError, match="needs a git repository.*plain"):
        changed_lines("HEAD", plain)


@pytest.mark.parametrize("ref", ["no-such-branch", "base~5", "-p", ""])
def test_unknown_ref(repo, ref):
    with pytest.raises(ChangesError, match="unknown git ref"):
        changed_lines(ref, repo)


def test_git_missing(repo, monkeypatch):
    monkeypatch.setenv("PATH", str(repo / "no-bin-here"))
    with pytest.raises(ChangesError, match="no `git` executable"):
        changed_lines("base", repo)


def test_parse_diff_reads_bodies_by_count():
    patch = (
        b"diff --git a/x.py b/x.py\n"
        b"--- a/x.py\n"
        b"+++ b/x.py\n"
        b"@@ -3 +3,2 @@ def f():\n"
        b"-old\n"
        b"+++ b/not-a-header.py\n"
        b"+@@ -1 +1 @@\n"
        b"@@ -10,0 +12 @@\n"
        b"+tail\n"
        b"\\ No newline at end of file\n"
        b"diff --git a/gone.py b/gone.py\n"
        b"deleted file mode 100644\n"
        b"--- a/gone.py\n"
        b"+++ /dev/null\n"
        b"@@ -1,2 +0,0 @@\n"
        b"-a\n"
        b"-b\n"
        b"diff --git a/a b.py b/a b.py\n"
        b"--- a/a b.py\t\n"
        b"+++ b/a b.py\t\n"
        b"@@ -0,0 +1 @@\n"
        b"+new\n"
    )
    assert parse_diff(patch) == {"x.py": ((3, 2), (12, 1)), "a b.py": ((1, 1),)}
