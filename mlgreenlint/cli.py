"""The command line: translate flags into settings, call the pipeline, render, set the exit code."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from mlgreenlint import __version__, atomic, gate, progress, signals
from mlgreenlint import settings as settings_mod
from mlgreenlint.buildinfo import commit
from mlgreenlint.cache import cache_dir
from mlgreenlint.cache import clean as remove
from mlgreenlint.errors import MlgreenlintError
from mlgreenlint.fixes import policy as fix_policy
from mlgreenlint.fixes.policy import summary as fix_summary
from mlgreenlint.formats import text as text_format
from mlgreenlint.model import Severity
from mlgreenlint.repository.pins import read_pins
from mlgreenlint.ruleset import rulebook

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = gate.EXIT_CLEAN, gate.EXIT_FINDINGS, gate.EXIT_ERROR
FORMAT_ENV, CACHE_ENV = "MLGREENLINT_OUTPUT_FORMAT", "MLGREENLINT_CACHE_DIR"
#: How standard input is shown (and linted: as Python) without --stdin-filename.
STDIN_NAME = "stdin.py"


def _codes(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """`--select MP,CK --select ET` -> ("MP", "CK", "ET"); None when not given."""
    if not values:
        return None
    return tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())


def _globs(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """`--exclude a,b --exclude c` -> ("a", "b", "c"); None when not given."""
    return tuple(g.strip() for v in values for g in v.split(",") if g.strip()) or None


def _per_file_ignores(values: tuple[str, ...]) -> dict[str, tuple[str, ...]] | None:
    """`--per-file-ignores 'tests/*:ET,CW'` -> {"tests/*": ("ET", "CW")}; None when not given."""
    table: dict[str, tuple[str, ...]] = {}
    for value in values:
        glob, sep, codes = value.rpartition(":")
        if not sep or not glob.strip():
            raise click.BadParameter(f"{value!r} is not GLOB:CODES", param_hint="'--per-file-ignores'")
        table[glob.strip()] = table.get(glob.strip(), ()) + (_codes((codes,)) or ())
    return table or None


def _stdin_requested(targets: list[Path], stdin_filename: str | None) -> bool:
    if str(targets[0]) == "-" and len(targets) == 1:
        return True
    if any(str(t) == "-" for t in targets):
        _fail("`-` (standard input) cannot be combined with other paths")
    if stdin_filename is not None:
        _fail("--stdin-filename names standard input: pass `-` as the only path")
    return False


def _colour(choice: str, output: Path | None) -> bool:
    """--color: `always`, `never`, or (auto) a terminal on stdout and no NO_COLOR (no-color.org)."""
    if choice != "auto":
        return choice == "always"
    return output is None and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def _fail(message: str) -> None:
    click.echo(f"mlgreenlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _interruptible(command):
    """Ctrl-C and SIGTERM stop the command with exit 128 + the signal (130, 143), never 0 or 1."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with signals.terminate_as_interrupt():
            try:
                return command(*args, **kwargs)
            except KeyboardInterrupt as exc:
                click.echo("mlgreenlint: interrupted", err=True)
                sys.exit(signals.exit_code(exc))

    return run


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return

    click.echo(f"mlgreenlint, version {__version__} (commit {commit()})")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and the commit it was built from, then exit.")
def main() -> None:
    """A sustainability policy linter for machine-learning repositories."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, help="Rule ids or prefixes to enable (replaces the configured set).")
@click.option("--ignore", multiple=True, help="Rule ids or prefixes to disable.")
@click.option("--extend-select", multiple=True, help="Rule ids or prefixes to enable in addition.")
@click.option("--output-format", "--format", "fmt", type=click.Choice(gate.FORMATS), envvar=FORMAT_ENV,
              help="Report format: sarif for code scanning, github for annotations, markdown for a summary, "
                   f"junit and gitlab for other CI systems, html for the sustainability report page [env: {FORMAT_ENV}; default: output-format, else text].")
@click.option("--output-file", "--output", "-o", "output", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="Write the report to a file (`-`: standard output).")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text report; auto: only on a terminal and when NO_COLOR is unset.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="Lowest severity that fails the run [default: warning].")
@click.option("--exit-zero", "-e", is_flag=True, help="Exit 0 even when findings or stale baseline entries fail the run.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Report only findings not recorded in this baseline file (overrides `baseline` in the configuration).")
@click.option("--no-baseline", is_flag=True, help="Ignore the baseline named in the configuration.")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Record every current finding in this file, then exit 0.")
@click.option("--fail-on-stale-baseline", is_flag=True, default=None,
              help="Exit 1 when the baseline has entries no finding matches any more.")
@click.option("--changed-since", metavar="REF",
              help="Report only findings on lines changed since the git ref (working tree included) and in new files.")
@click.option("--exclude", multiple=True, metavar="GLOBS", help="Paths to skip, comma-separated (replaces the default list).")
@click.option("--extend-exclude", multiple=True, metavar="GLOBS", help="Paths to skip in addition, comma-separated.")
@click.option("--per-file-ignores", multiple=True, metavar="GLOB:CODES",
              help="Rules to switch off for matching files, e.g. 'notebooks/*:ET,CW' (replaces the configured table).")
@click.option("--stdin-filename", metavar="PATH", help="The name of the file read from standard input (PATH `-`).")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Configuration file to use.")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option("--show-settings", is_flag=True, help="Print the settings and active rules, then exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be checked, then exit.")
@click.option("--show-links", is_flag=True, help="After a text report, print each reported rule's documentation link.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of the findings.")
@click.option("--quiet", "-q", is_flag=True, help="Print only findings and errors.")
@click.option("--verbose", "-v", is_flag=True, help="Also print notes about skipped files, and rule links.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes for parsing [default: available cores].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), envvar=CACHE_ENV,
              help=f"Cache folder [env: {CACHE_ENV}; default: cache-dir, else .mlgreenlint_cache].")
@click.option("--fix/--no-fix", default=None, help="Apply safe fixes, then report what remains (config: fix).")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None,
              help="Apply unsafe fixes too with --fix; without it, show them as available (config: unsafe-fixes).")
@click.option("--fix-only", is_flag=True, help="Apply fixes and report nothing else; exit 0 unless a fix fails.")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change and write nothing; "
                                           "exit 1 when there is a change.")
@_interruptible
def check(paths, select, ignore, extend_select, fmt, output, color, fail_on, exit_zero, baseline, no_baseline,
          write_baseline, fail_on_stale_baseline, changed_since, exclude, extend_exclude, per_file_ignores,
          stdin_filename, config, isolated, show_settings, show_files, show_links, statistics, quiet, verbose,
          jobs, no_cache, cache_dir, fix, unsafe_fixes, fix_only, diff) -> None:
    """Lint files and folders (default: the current folder; `-` reads standard input)."""
    from mlgreenlint import api

    targets = list(paths) or [Path(".")]
    stdin = _stdin_requested(targets, stdin_filename)
    if write_baseline is not None and changed_since is not None:
        _fail("--write-baseline records every finding; it cannot be combined with --changed-since")
    if not stdin:
        # A gate that lints nothing must not pass: name every path that is not there (ruff's E902).
        missing = [str(p) for p in targets if not os.path.lexists(p)]
        if missing:
            _fail("; ".join(f"{m}: no such file or folder" for m in missing))
    try:
        base = settings_mod.load(config, isolated=isolated)
        # A --select on the command line starts a fresh selection, as in ruff: the
        # configuration's ignore list no longer applies unless --ignore repeats it.
        cli_ignore = _codes(ignore) or (() if select else None)
        settings = base.with_overrides(
            select=_codes(select), ignore=cli_ignore, extend_select=_codes(extend_select),
            fail_on=Severity.parse(fail_on) if fail_on else None,
            baseline=baseline, fail_on_stale_baseline=fail_on_stale_baseline, fix=fix, unsafe_fixes=unsafe_fixes,
            exclude=_globs(exclude), extend_exclude=_globs(extend_exclude),
            per_file_ignores=_per_file_ignores(per_file_ignores), cache_dir=cache_dir, output_format=fmt,
        )
        fmt = settings.output_format
        if show_settings:
            rules = api.load_rules(settings)
            job = api.make_job(settings, rules)
            view = settings_mod.show(settings)
            view["active-rules"] = [a.id for a in job.rules]
            view.update(_versions_view(api, list(paths) or [Path(".")], settings, job.rules))
            click.echo(json.dumps(view, indent=2, sort_keys=True))
            return
        if show_files:
            for target in api.files_to_lint(targets, settings):
                click.echo(target.display)
            return
        # `fix = true` in the configuration does not apply to standard input (an editor's run).
        fixing = "diff" if diff else "only" if fix_only else "fix" if settings.fix and (fix or not stdin) else None
        if fixing and write_baseline is not None:
            _fail("--write-baseline records findings; it cannot be combined with --fix, --fix-only or --diff")
        if fixing and stdin:
            _fail("--fix, --fix-only and --diff change files; standard input has none")
        job = api.make_job(settings, api.load_rules(settings))
        if stdin:
            run = api.lint_source(sys.stdin.buffer.read(), stdin_filename or STDIN_NAME, settings, job=job)
            targets = [Path(stdin_filename or STDIN_NAME)]
        else:
            with progress.Meter(sys.stderr, enabled=not quiet) as meter:
                run = api.lint_paths(targets, settings, jobs=jobs, cache=not no_cache, job=job, progress=meter)
        if write_baseline is not None:
            count = gate.write_baseline(write_baseline, run)
            click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to baseline {write_baseline}.")
            return
        policy = gate.Gate(
            baseline=None if no_baseline else settings.baseline, changed_since=changed_since,
            fail_on=settings.fail_on, fail_on_stale=settings.fail_on_stale_baseline and not no_baseline,
            exit_zero=exit_zero,
        )
        outcome = gate.apply(run, policy, targets)
        fixed = None
        if fixing:
            from mlgreenlint.fixes import command

            fixed = command.run(fixing, settings, job, outcome, policy)
            if fixed.changed and fixing == "fix":
                run = api.lint_paths(targets, settings, jobs=jobs, cache=not no_cache)
                outcome = gate.apply(run, policy, targets)
    except MlgreenlintError as exc:
        _fail(str(exc))
        return
    except Exception as exc:  # noqa: BLE001 -- a bug outside any one file (each file has its own guard, GL004)
        from mlgreenlint.engine.driver import describe

        _fail(f"internal error: {describe(exc)}; please report it at "
              "https://github.com/mlgreenlint/mlgreenlint/issues")
        return
    if fixing in ("diff", "only"):
        click.echo(fixed.output, nl=False)
        click.echo(fixed.summary, err=True)
        sys.exit(fixed.exit_code)
    if output is not None and str(output) == "-":
        output = None
    colour = fmt == "text" and _colour(color, output)
    report = gate.render(fmt, outcome, run, tool_version=__version__, colour=colour, quiet=quiet,
                         statistics=statistics, changed_ref=changed_since, links=show_links or verbose,
                         fixes=fix_summary(settings, outcome.reported, fixed), fail_on=settings.fail_on,
                         fix_applies=fix_policy.from_settings(settings).applies)
    if output is not None:
        try:
            atomic.write_text(output, report)
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
    elif report:
        click.echo(report, nl=False, color=colour)
    for line in gate.stale_lines(outcome.stale):
        click.echo(line, err=True)
    for note in run.notes + (fixed.notes if fixed else []):
        warning = note.startswith("warning: ")  # shown unless --quiet; other notes only with --verbose
        if verbose or (warning and not quiet):
            click.echo(note if warning else f"note: {note}", err=True)
    for error in fixed.errors if fixed else ():
        click.echo(f"mlgreenlint: error: {error}", err=True)
    code = outcome.exit_code(policy)
    sys.exit(EXIT_ERROR if fixed and fixed.errors and not exit_zero else code)



@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output-file", "--output", "-o", "output", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("mlgreenlint-report.html"),
              show_default=True, help="Where to write the page.")
@click.option("--select", multiple=True, help="Rule ids or prefixes to enable.")
@click.option("--ignore", multiple=True, help="Rule ids or prefixes to disable.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Report new, fixed and unchanged findings against this baseline file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the run.")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Configuration file to use.")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.pass_context
def report(ctx, paths, output, **options) -> None:
    """Write the sustainability report, one self-contained HTML page (check --format html --output FILE)."""
    try:
        ctx.invoke(check, paths=paths, fmt="html", output=output, **options)
    except SystemExit as exc:
        if exc.code in (EXIT_CLEAN, EXIT_FINDINGS):
            click.echo(f"Wrote {output}.", err=True)
        raise


@main.command()
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Configuration file to use.")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
def clean(config, isolated) -> None:
    """Remove the cache folder (cache-dir, default .mlgreenlint_cache)."""

    try:
        folder = cache_dir(settings_mod.load(config, isolated=isolated))
        removed = remove(folder)
    except MlgreenlintError as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(str(exc))
        return
    click.echo(f"Removed {folder}." if removed else f"No cache at {folder}.")


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--isolated", is_flag=True)
def rules_cmd(fmt, config, isolated) -> None:
    """List the rules (built-in and from rule-paths)."""
    from mlgreenlint import api

    try:
        rules = api.load_rules(settings_mod.load(config, isolated=isolated))
    except MlgreenlintError as exc:
        _fail(str(exc))
        return
    if fmt == "json":
        click.echo(json.dumps(text_format.rule_rows(rules), indent=2))
    elif fmt == "markdown":
        click.echo(text_format.rules_markdown(rules))
    else:
        click.echo(text_format.rules_table(rules))


@main.command()
@click.argument("rule_id")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--isolated", is_flag=True)
def explain(rule_id, config, isolated) -> None:
    """Explain a rule: what it flags, why, examples, options, references."""
    from mlgreenlint import api

    try:
        settings = settings_mod.load(config, isolated=isolated)
        rules = api.load_rules(settings)
        job = api.make_job(settings.with_overrides(select=("ALL",), ignore=()), rules)
    except MlgreenlintError as exc:
        _fail(str(exc))
        return
    active = next((a for a in job.rules if a.id == rule_id.upper()), None)
    if active is None:
        _fail(f"unknown rule id {rule_id!r}; `mlgreenlint rules` lists them")
        return
    versions = _read_versions(api, [Path(".")], settings)
    notes = [versions.describe(p) for p in _packages_named(active.rule)] + versions.notes
    click.echo(text_format.explain(active.rule, severity=active.severity, options=active.options, notes=notes))


_FRAMEWORKS = ("torch", "transformers", "trl", "accelerate", "lightning", "pytorch-lightning", "keras",
               "tensorflow", "jax", "flax", "deepspeed", "codecarbon", "peft")


def _read_versions(api, paths: list[Path], settings):
    return read_pins(api.repository_root(paths, settings, Path.cwd().resolve()))


def _versions_view(api, paths: list[Path], settings, active) -> dict:
    """Pins the repository gives, and the newest-release assumption for every other framework rules ask about."""
    versions = _read_versions(api, paths, settings)
    asked = sorted({p for a in active for p in _packages_named(a.rule)})
    shown = set(asked) | set(_FRAMEWORKS)
    return {
        "version-pins": {p: versions.describe(p) for p in sorted(shown) if versions.pin(p) is not None},
        "version-sources": versions.sources,
        "version-notes": versions.notes,
        "assumed-versions": [versions.describe(p) for p in asked if versions.pin(p) is None]
        or "newest release of every framework unless the repository pins one",
    }


def _packages_named(rule) -> list[str]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "package" in node and isinstance(node["package"], str):
                found.append(node["package"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(rule.match)
    return sorted(set(found))


@main.command("validate-rules")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_rules(paths) -> None:
    """Validate rule files against the rule schema; exit 2 on any invalid file."""

    errors = rulebook.check_files(list(paths))
    for error in errors:
        click.echo(f"{error}", err=True)
    if errors:
        sys.exit(EXIT_ERROR)
    count = sum(len(rulebook.rule_files(p)) for p in paths)
    click.echo(f"{count} rule file{'s' if count != 1 else ''} valid.")


@main.command("test-rules")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--timeout", type=click.FloatRange(min=0, max=86400, min_open=True), default=settings_mod.DEFAULT_TIMEOUT_PER_FILE,
              show_default=True, help="Seconds one example may take before it fails.")
@_interruptible
def test_rules(paths, timeout) -> None:
    """Run the examples declared in rule files; exit 1 when one fails."""
    from mlgreenlint import testing

    try:
        rules = rulebook.load_paths(list(paths))
    except MlgreenlintError as exc:
        _fail(str(exc))
        return
    failed = total = 0
    for rule in rules:
        for outcome in testing.run_rule_examples(rule, timeout):
            total += 1
            if not outcome.ok:
                failed += 1
                click.echo(f"FAIL {outcome.case.name}: {outcome.detail}")
    click.echo(f"{total - failed} passed, {failed} failed")
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


@main.command("regions")
@click.option("--provider", metavar="P", help="Only this provider's regions (aws, azure, gcp, oracle, ibm, alibaba).")
@click.option("--near", metavar="REGION", help="Show REGION and the lower-carbon regions of its provider and continent.")
def regions_cmd(provider, near) -> None:
    """Print the shipped region carbon-intensity table, lowest intensity first."""
    from mlgreenlint.regions import table as region_table

    try:
        click.echo(region_table.render_table(provider, near))
    except ValueError as exc:
        _fail(str(exc))
