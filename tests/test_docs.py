"""The documentation site: templates that read, commands that exist, examples that hold."""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
import typer.main
from typer.testing import CliRunner

from clnmatch.categories import _ROLE_ALIASES, _SECTOR_ALIASES
from clnmatch.cli import app
from clnmatch.cohort_summary import cohort_warnings
from clnmatch.evaluate import RULES
from clnmatch.io.facilitators import read_facilitator_table, read_facilitators
from clnmatch.io.mapping import SurveyMapping
from clnmatch.io.survey import LIKERT_SCALE, read_cohort, read_survey
from clnmatch.models import Rules

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
TEMPLATES = DOCS / "templates"
PAGES = sorted(DOCS.glob("*.md"))
CLI: click.Group = typer.main.get_command(app)  # type: ignore[assignment]
# a line of a code block that runs clnmatch, as the docs write it
_INVOCATION = re.compile(r"^(?:[A-Z_]+=\S+\s+)*(?:\.venv/bin/)?clnmatch(?:\s+(?P<rest>.*))?$")


def _code_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(language, lines) of every fenced code block, also those indented in lists or notes."""
    blocks: list[tuple[str, list[str]]] = []
    fence: str | None = None
    indent, language, lines = 0, "", []
    for raw in text.splitlines():
        line = raw.strip()
        if fence is None:
            match = re.match(r"(`{3,}|~{3,})\s*([\w+-]*)", line)
            if match:
                fence, language, lines = match.group(1), match.group(2), []
                indent = len(raw) - len(raw.lstrip())
        elif line.startswith(fence):
            blocks.append((language, lines))
            fence = None
        else:
            lines.append(raw[indent:].rstrip())  # keep the code's own indentation
    return blocks


def _invocations() -> list[tuple[str, str]]:
    """(page, line) for every line of a code block that runs clnmatch."""
    found = []
    for page in PAGES:
        for _language, lines in _code_blocks(page.read_text(encoding="utf-8")):
            found += [(page.name, s) for line in lines if _INVOCATION.match(s := line.strip())]
    return found


def _options(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def _table_cells(page: str, heading: str) -> list[list[str]]:
    """The body rows of the first table under ``heading`` in docs/``page``, split into cells."""
    text = (DOCS / page).read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    body = []
    for line in rows[2:]:
        body.append([cell.strip() for cell in line.strip("|").split("|")])
        if not section.split(line, 1)[1].lstrip(" ").startswith("\n|"):
            break  # the table ends at the first line that is not a row
    return body


def _words(cell: str) -> set[str]:
    return {word.strip().strip("`").casefold() for word in cell.split(",") if word.strip()}


# --------------------------------------------------------------------------- templates
@pytest.mark.parametrize("name", ["survey_template.csv", "survey_template.xlsx"])
def test_survey_templates_read_without_warnings(name):
    """Each survey template reads with no problem or warning and keeps leading zeros; its
    one lone nominee is a cohort warning, not a reading one."""
    reading = read_survey(TEMPLATES / name)
    cohort = reading.cohort
    assert len(cohort.themes) == 12
    assert len(cohort.establishments) == 6
    assert cohort.n_participants == 11
    assert "0155" in cohort.establishment_by_id  # an id with a leading zero stays text
    assert reading.warnings == []
    assert any("ER-PS-001" in w for w in cohort_warnings(cohort, Rules(teams=2)))
    assert read_cohort(TEMPLATES / name) == cohort


@pytest.mark.parametrize("name", ["facilitators_template.csv", "facilitators_template.xlsx"])
def test_facilitator_templates_read_alone_and_with_the_survey(name):
    """Each facilitators template reads alone, and beside the survey template with every
    expertise column matching a survey theme and every authority a survey authority
    (Education Scotland excepted, without the warning a misspelt authority gets)."""
    survey = read_cohort(TEMPLATES / "survey_template.csv")
    alone = read_facilitators(TEMPLATES / name, themes=survey.themes)
    assert len(alone) == 8
    assert all(set(f.expertise) == set(survey.themes) for f in alone)
    reading = read_facilitator_table(
        TEMPLATES / name,
        themes=survey.themes,
        authorities=[e.authority for e in survey.establishments],
    )
    assert reading.warnings == []  # Education Scotland is no misspelt authority: no warning
    both = read_cohort(TEMPLATES / "survey_template.xlsx", facilitators=TEMPLATES / name)
    assert both.facilitators == alone


def test_rules_template_loads_as_the_defaults():
    """rules_template.toml loads with Rules.from_toml and sets exactly the defaults."""
    assert Rules.from_toml(TEMPLATES / "rules_template.toml") == Rules()


def test_rules_template_locks_load_when_uncommented(tmp_path):
    """The commented-out optional lines of rules_template.toml are valid once uncommented."""
    text = (TEMPLATES / "rules_template.toml").read_text(encoding="utf-8")
    live = re.sub(
        r"^# (?=(pins|forbidden|apart|together|max_teams_per_theme) =)", "", text, flags=re.M
    )
    path = tmp_path / "rules.toml"
    path.write_text(live, encoding="utf-8")
    rules = Rules.from_toml(path)
    assert rules.max_teams_per_theme == 2
    assert rules.pins == {"0155": 3, "GC-PS-001": 1}
    assert rules.forbidden == (("NL-PS-001", 2),)
    assert rules.apart == (("0155", "0864"),)
    assert rules.together == (("ER-PS-001", "SL-SP-001"),)


def test_toml_examples_in_the_docs_load(tmp_path):
    """Every ```toml block of the docs is a valid rules file, or (with a [columns] or
    [scale] section) a valid survey mapping."""
    blocks = [
        "\n".join(lines)
        for page in PAGES
        for language, lines in _code_blocks(page.read_text(encoding="utf-8"))
        if language == "toml"
    ]
    assert blocks, "the rules page shows a TOML example"
    mappings = [b for b in blocks if re.search(r"^\[(columns|scale)\]", b, flags=re.M)]
    assert mappings, "the survey page shows a mapping example"
    for i, block in enumerate(blocks):
        path = tmp_path / f"example{i}.toml"
        path.write_text(block, encoding="utf-8")
        if block in mappings:
            assert isinstance(SurveyMapping.from_toml(path), SurveyMapping)
        else:
            assert isinstance(Rules.from_toml(path), Rules)


def test_python_examples_in_the_docs_compile():
    """Every ```python block of the docs is valid Python."""
    for page in PAGES:
        for language, lines in _code_blocks(page.read_text(encoding="utf-8")):
            if language == "python":
                compile("\n".join(lines), f"{page.name} example", "exec")


def test_the_readmes_python_example_runs_as_written(tmp_path):
    """The README's "From Python" block, run in a fresh interpreter beside the sample's
    survey.csv and facilitators.csv: `import clnmatch` alone must give working readers
    (Cohort.from_csv raised KeyError: 'read_cohort' once the package imported lazily)."""
    import shutil

    from clnmatch.cli import sample_paths

    (block,) = [
        "\n".join(lines)
        for language, lines in _code_blocks((REPO / "README.md").read_text(encoding="utf-8"))
        if language == "python"
    ]
    survey, facilitators = sample_paths()
    shutil.copy(survey, tmp_path / "survey.csv")
    shutil.copy(facilitators, tmp_path / "facilitators.csv")
    done = subprocess.run(
        [sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[0] in ("optimal", "feasible")
    assert (tmp_path / "teams.csv").is_file()


# --------------------------------------------------------------------------- commands
def test_every_command_on_the_cli_page_exists():
    """Each command docs/cli.md gives a section to is listed by `clnmatch --help`."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## ([a-z]+)$", text, flags=re.M))
    help_text = CliRunner().invoke(app, ["--help"], terminal_width=200).output
    listed = set(re.findall(r"^│ (\w+)\s", help_text, flags=re.M))
    assert documented, "cli.md has a section per command"
    assert documented <= listed == set(CLI.commands)
    assert listed <= documented, f"undocumented commands: {sorted(listed - documented)}"


def test_every_clnmatch_line_in_the_docs_uses_a_real_command_and_options():
    """Each code-block line that runs clnmatch names an existing command and only its options."""
    seen = _invocations()
    assert len(seen) > 20
    for page, line in seen:
        rest = _INVOCATION.match(line).group("rest") or ""  # type: ignore[union-attr]
        words = shlex.split(rest.split("  #")[0].replace("[", " ").replace("]", " "))
        assert words, f"{page}: '{line}' names no command"
        if words[0].startswith("--"):
            assert words[0] == "--help", f"{page}: '{line}'"
            continue
        command = CLI.commands.get(words[0])
        assert command is not None, f"{page}: '{line}' uses an unknown command {words[0]!r}"
        if command.context_settings.get("ignore_unknown_options"):
            # its options are parsed further on (bench hands them to the harness): ask it
            help_text = CliRunner().invoke(app, [words[0], "--help"]).output
            allowed = set(re.findall(r"--[\w-]+", help_text)) | {"--help"}
        else:
            allowed = _options(command) | {"--help"}
        for word in words[1:]:
            flag = word.split("=", 1)[0]
            if flag.startswith("-") and not re.fullmatch(r"-\d[\d.]*", flag):
                assert flag in allowed, f"{page}: '{line}': {words[0]} has no option {flag}"


def test_every_strategy_has_a_section_on_the_strategies_page():
    """Each registered strategy is described on docs/strategies.md under its own heading."""
    from clnmatch.strategies import available_strategies

    text = (DOCS / "strategies.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\w+)$", text, flags=re.M))
    missing = set(available_strategies()) - sections
    assert not missing, f"strategies without a section in docs/strategies.md: {sorted(missing)}"


def test_exit_codes_on_the_cli_page_match_the_cli():
    """docs/cli.md lists the five exit codes the CLI uses."""
    from clnmatch import cli

    rows = _table_cells("cli.md", "## Exit codes")
    assert [int(row[0]) for row in rows] == sorted(
        (cli.EXIT_OK, cli.EXIT_ERROR, cli.EXIT_INVALID, cli.EXIT_INFEASIBLE, cli.EXIT_BREACH)
    )


# --------------------------------------------------------------------------- survey words
def test_sector_words_on_the_survey_page_are_the_models_aliases():
    """The sector table of docs/survey.md lists exactly the aliases models.py accepts."""
    rows = _table_cells("survey.md", "### Sector words")
    documented = {row[0].strip("`"): _words(row[1]) for row in rows}
    expected: dict[str, set[str]] = {}
    for alias, sector in _SECTOR_ALIASES.items():
        expected.setdefault(str(sector), set()).add(alias.casefold())
    assert documented == expected


def test_role_words_on_the_survey_page_are_the_models_aliases():
    """The role table of docs/survey.md lists exactly the aliases models.py accepts."""
    rows = _table_cells("survey.md", "### Role words")
    documented = {row[0].strip("`"): _words(row[1]) for row in rows}
    expected: dict[str, set[str]] = {}
    for alias, role in _ROLE_ALIASES.items():
        expected.setdefault(str(role), set()).add(alias.casefold())
    assert documented == expected


def test_likert_table_on_the_survey_page_is_the_readers_scale():
    """The rating table of docs/survey.md lists exactly the wordings LIKERT_SCALE accepts."""
    rows = _table_cells("survey.md", "### Interest ratings")
    documented = {int(row[0]): _words(row[1]) | _words(row[2]) for row in rows}
    expected: dict[int, set[str]] = {}
    for wording, rating in LIKERT_SCALE.items():
        expected.setdefault(rating, set()).add(wording)
    assert documented == expected


# --------------------------------------------------------------------------- coverage
def test_every_rule_has_a_documented_fix():
    """Every rule name the checker can report appears on the rules and troubleshooting pages."""
    rules_page = (DOCS / "rules.md").read_text(encoding="utf-8")
    trouble = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule}`" in rules_page, f"rules.md does not name {rule}"
        assert f"`{rule}`" in trouble or f"[{rule}" in trouble, f"no fix for {rule}"


def test_every_page_is_in_the_navigation():
    """mkdocs.yml lists every page of docs/ in its nav."""
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert f": {page.name}" in config, f"{page.name} is not in the mkdocs nav"


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="mkdocs and mkdocstrings[python] are not installed (pip install -e '.[docs]')",
)
def test_site_builds_in_strict_mode(tmp_path):
    """`mkdocs build --strict` turns every warning (broken link, missing anchor, docstring
    cross-reference) into a failure; the site must build."""
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "templates" / "survey_template.xlsx").is_file()
    assert (tmp_path / "site" / "api" / "index.html").is_file()


def test_rules_page_toml_parses_as_toml():
    """The TOML example on the rules page is TOML (independent of clnmatch's reader)."""
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    blocks = [lines for language, lines in _code_blocks(text) if language == "toml"]
    data = tomllib.loads("\n".join(blocks[0]))
    assert set(data) >= {"teams", "pins", "forbidden", "apart", "together"}
