"""A mapping draft (``clnmatch.io.draft``) written as a TOML file the user checks and edits."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from clnmatch.io.draft import MappingDraft
from clnmatch.io.headers import flat_header
from clnmatch.io.identity import LookAlike
from clnmatch.models import Role, Sector

__all__ = ["render_draft"]


# --- writing -----------------------------------------------------------------------------
def _add_list(add: Callable[[str], None], key: str, items: Sequence[str]) -> None:
    """A TOML list of quoted strings, one a line."""
    add(f"{key} = [")
    for item in items:
        add(f"    {_quoted(item)},")
    add("]")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _literal(text: str) -> str:
    """A TOML literal string when it can be one (no escapes to double), else a basic one."""
    return f"'{text}'" if "'" not in text and "\n" not in text else _quoted(text)


def _comment(text: str) -> str:
    return f"  # {text}" if text else ""


def render_draft(draft: MappingDraft) -> str:
    """The draft as a TOML mapping file, every section explained in comments."""
    out: list[str] = []
    add = out.append
    where = f"sheet '{draft.sheet}' of {draft.file}" if draft.sheet else draft.file
    add(f"# A survey mapping drafted by `clnmatch map` from {where}.")
    add("# It says how to read this export: which header holds each column, which columns")
    add("# are themes, and what the rating words count as. Check every line marked CHECK,")
    add("# change what is wrong (a line starting with # is switched off), then try it:")
    add(f"#     clnmatch inspect {draft.file} --map THIS_FILE")
    add(
        "# The survey columns are explained in the docs (survey.md, 'Survey exports as they come')."
    )
    add("")
    if draft.sheet_kept:
        add("# The sheet of the workbook that holds the responses (not the first one):")
        add(f"sheet = {_quoted(draft.sheet or '')}{_comment(draft.sheet_note)}")
        add("")
    if draft.header_moved:
        add(f"# The header was found on row {draft.header_row}: the rows above it look like")
        add("# titles. If another row is the header, switch this on with its number:")
        add(f"# header_row = {draft.header_row}")
        add("")
    if draft.answered_again:
        again = draft.answered_again
        same = sorted(r for r, (_, one) in again.items() if one)
        add("# Rows answered again later from the same e-mail address and name (one person")
        add("# sending the form twice): the earlier answers are left out, the later ones read.")
        if same:
            later = "; ".join(f"row {again[r][0]} repeats row {r}" for r in same[:6])
            more = f" and {len(same) - 6} more" if len(same) > 6 else ""
            add(f"leave_out_rows = {same}  # CHECK: {later}{more}")
        shared = [f"rows {r} and {again[r][0]}" for r in sorted(again) if not again[r][1]]
        if shared:  # two people of one office address, or one person's two names
            add(f"# Same e-mail, other names: {', '.join(shared[:6])}. CHECK: one person")
            add("# twice (add the earlier rows to leave_out_rows), or a shared address?")
        add("")
    if draft.unused:
        add("# Columns of the export that nothing here reads, without a warning each time.")
        add("# CHECK: a theme question or a survey column among them? Map it, and take it off.")
        _add_list(add, "unused_columns", draft.unused)
        add("")
    add("[columns]")
    add("# survey column = the header in the export that holds it")
    for column, (header, note) in draft.columns.items():
        if column == "name" and draft.name_parts:
            parts = ", ".join(_quoted(h) for h in draft.name_parts)
            add(f"name = [{parts}]  # CHECK: the first name and the surname, joined")
            continue
        add(f"{column} = {_quoted(header)}{_comment(note)}")
    for column in draft.missing:
        add(f'# {column} = "..."  # CHECK: no header found for this required column; name it')
    if "practitioner_id" not in draft.columns:
        add("# No practitioner_id: practitioners are numbered by their row (R007 is row 7), and")
        add("# teams.csv carries each one's name (and email) so rows can be matched back.")
    if "establishment_id" not in draft.columns:
        add("# No establishment_id: establishments are told apart by authority and name, so")
        add("# write each school's name the same way in every row.")
    add("")
    add("[themes]")
    if draft.theme_prefixed:
        add(f"# {draft.theme_prefixed} header(s) start with 'theme:' and are themes anyway.")
    if draft.theme_pattern is not None:
        add(f"# {len(draft.theme_headers)} theme columns, found by their answers. Each header")
        add("# matching the pattern is a theme; the part in ( ) is the theme's name.")
        add(f"pattern = {_literal(draft.theme_pattern)}")
    elif draft.theme_headers:
        add("# The theme columns, found by their answers; each header is the theme's name.")
        if draft.later_question:
            add("# CHECK: these headers come again (a second question rating the same themes).")
            add("# The first question's columns are used (#1); to use the second's, write #2.")
        _add_list(add, "columns", [flat_header(header) for header in draft.theme_headers])
    elif not draft.theme_prefixed:
        add("# CHECK: no column looks like interest ratings. Name the theme columns:")
        add('# columns = ["Literacy", "Numeracy"]')
    add("")
    placed = sum(1 for _, rating, _ in draft.scale if rating is not None)
    if placed >= 2:
        add("[scale]")
    else:
        why = "not needed: see below" if not draft.scale else "off until 2 words have a rating"
        add(f"# [scale]  ({why})")
    prefix = "" if placed >= 2 else "# "  # an entry under a switched-off [scale] is off too
    add("# Every rating answer found in the theme columns and the rating (0 = not interested,")
    add("# 5 = most interested) it counts as. This replaces the built-in scale: an answer not")
    add("# listed here is an error naming it. A blank answer counts as 0.")
    if draft.scale_note:
        add(f"# {draft.scale_note}")
    for word, rating, note in draft.scale:
        if rating is None:
            add(f"# {_quoted(word)} = ?{_comment(note)}")
        else:
            add(f"{prefix}{_quoted(word)} = {rating}{_comment(note)}")
    add("")
    for section, what, found, kinds in (
        ("roles", "Job titles and role words", draft.roles, Role),
        ("sectors", "Sector words", draft.sectors, Sector),
    ):
        _render_words(
            add,
            section,
            f"{what} clnmatch does not know, added to its built-in words",
            {k.value: v for k, v in found.items()},
            [k.value for k in kinds],
            draft.unplaced.get(section, []),
        )
    add("[authorities]")
    add("# The authority to use = spellings of it in the export. Without a line here, each")
    add("# spelling counts as its own authority (toward the authorities-per-team rule).")
    for name, spellings in draft.authorities.items():
        notes = "; ".join(note for _, note in spellings)
        add(f"{_quoted(name)} = [{', '.join(_quoted(w) for w, _ in spellings)}]{_comment(notes)}")
    if draft.other_authorities:
        listed = ", ".join(_quoted(a) for a in draft.other_authorities)
        add(f"# Not West Partnership authorities, used as typed: {listed}")
    if draft.look_alikes:
        add("")
        add("[establishments]")
        add("# The name to use = spellings of it in the export. These names of one authority")
        add("# look alike. A line that is on joins them: one name written short and long")
        add("# ('PS' for 'Primary School'). Each name of a line left off (#) counts as an")
        add("# establishment of its own, its nominees maybe in different teams: switch a line")
        add("# on (delete its #) if they are one; switch one off if they are two.")
        for alike in _one_line_a_name(draft.look_alikes):
            line = f"{_quoted(alike.name)} = [{', '.join(_quoted(w) for w in alike.spellings)}]"
            if alike.one_school:
                add(f"{line}  # CHECK: one name written two ways")
            elif alike.namesakes > 1:
                add(f"# {line}  # CHECK: more than one school of {alike.authority} has "
                    "this name: one establishment?")  # fmt: skip
            else:
                add(f"# {line}  # CHECK: one establishment?")
    return "\n".join(out) + "\n"


def _one_line_a_name(groups: list[LookAlike]) -> list[LookAlike]:
    """One group a name to use (a TOML key once: two lines of it are invalid, switched
    on): groups of one name in several authorities joined, switched on only if each is."""
    joined: dict[str, LookAlike] = {}
    for group in groups:
        had = joined.get(group.name)
        if had is None:
            joined[group.name] = group
            continue
        spellings = had.spellings + [w for w in group.spellings if w not in had.spellings]
        joined[group.name] = had._replace(
            spellings=spellings,
            authority=f"{had.authority} and {group.authority}",
            one_school=had.one_school and group.one_school,
            namesakes=max(had.namesakes, group.namesakes),
        )
    return list(joined.values())


def _render_words(
    add: Callable[[str], None],
    section: str,
    title: str,
    placed: dict[str, list[tuple[str, str]]],
    keys: list[str],
    unplaced: list[str],
) -> None:
    add(f"[{section}]")
    add(f"# {title}.")
    if not placed and not unplaced:
        add("# (none needed: every word in the export is known)")
    for key in keys:
        words = placed.get(key, [])
        if not words:
            continue
        add(f"{key} = [")
        for word, note in words:
            add(f"    {_quoted(word)},{_comment(note)}")
        add("]")
    for word in unplaced:  # the form a line takes (a list per key), not a bare word
        # the example names a key the words mention ("Primary and nursery": primary)
        key = next((k for k in keys if k.casefold() in word.casefold()), keys[0])
        add(
            f"# {_quoted(word)}  # CHECK: add it to the list of {' or '.join(keys)}, e.g. "
            f"{key} = [{_quoted(word)}]"
        )
    add("")
