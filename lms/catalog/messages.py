"""Every message the content checker can print, in one place so docs and tests can list them."""

from __future__ import annotations

# Authors read these in a terminal: say what is wrong and how to fix it, in plain words.
# docs/authoring.md lists each one; tests/catalog checks both that list and a broken case for it.
MESSAGES: dict[str, str] = {
    # Paths and files
    "no_such_path": "no such file or directory",
    "not_a_module_file": "not a module file: name it NN-<slug>.md (or check a folder)",
    "no_program_yaml": "no program.yaml in this folder",
    "not_utf8": "file is not valid UTF-8 text",
    "bad_file_name": "file name must be NN-<slug>.md: a two-digit position, a hyphen, the slug",
    # YAML (front matter and program.yaml)
    "no_front_matter": "missing front matter: the file must start with a '---' line",
    "front_matter_not_closed": "front matter is not closed: add a '---' line after it",
    "yaml_error": "YAML syntax error: {error}",
    "not_a_mapping": "{what} must be a mapping of keys and values",
    "duplicate_key": "duplicate key '{key}' (first on line {first})",
    "unknown_key": "unknown {where} key '{key}'{hint}",
    "missing_key": "missing required {where} key '{key}'",
    "wrong_type": "{key} must be {expected} (got {got})",
    "empty_value": "{key} must not be empty",
    "bad_slug": "{key} '{value}' is not a valid slug: use lowercase letters, digits and hyphens",
    "slug_mismatch": "slug '{slug}' does not match the {thing} name (expected '{expected}')",
    "out_of_range": "{key} must be between {low} and {high} (got {value})",
    "too_small": "{key} must be at least {low} (got {value})",
    "draw_exceeds_pool": "'quiz.draw' is {draw} but the quiz has only {count} questions",
    # Lesson structure
    "h1_heading": "'# ' headings are not allowed: the title comes from the front matter",
    "no_quiz": "no '## Quiz' section: add it as the last '## ' section",
    "after_quiz": "'## {title}' comes after '## Quiz': the quiz must be the last '## ' section",
    "missing_section": "missing required '## {title}' section",
    # Quiz
    "text_before_question": "text before the first question: start each question with '### '",
    "empty_question": "question heading is empty",
    "no_choices": "question has no choices: list them as '- [ ]' (wrong) and '- [x]' (right)",
    "choice_count": "question needs 3 to 5 choices (it has {count})",
    "no_correct_choice": "question has no correct choice: mark at least one with '- [x]'",
    "empty_choice": "choice is empty",
    "no_feedback": "choice has no feedback: add a line '  > ...' under it",
    "feedback_not_indented": "feedback must be indented two spaces under its choice",
    "stray_text": "unexpected text between the choices and the '**Explanation:**' paragraph",
    "no_explanation": "question has no '**Explanation:**' paragraph",
    "duplicate_question": "duplicate question '{title}' (first on line {first})",
    "pool_too_small": "the quiz has {count} questions: the pool needs at least 10",
    # Program
    "missing_module": "module '{slug}' is listed but there is no file {expected}",
    "unlisted_module": "module '{slug}' is not listed in program.yaml",
    "wrong_position": (
        "file number {number} does not match position {position} in program.yaml "
        "(rename the file to {expected})"
    ),
    "duplicate_module_file": "duplicate module slug '{slug}' (also in {other})",
    "duplicate_module_entry": "duplicate module slug '{slug}' (first listed on line {first})",
    # Practice rules and requirement profiles
    "not_listed": "{key} names '{value}', which is not listed in '{listing}'",
    "listed_twice": "{key} lists '{value}' twice (first on line {first})",
    "reserved_profile": "profile slug 'default' is taken by 'requirements': choose another slug",
    "renewal_without_expiry": (
        "{key} needs '{needs}': a certificate that never expires is never renewed"
    ),
    "too_long": "{key} must be at most {limit} characters (it has {count})",
    # Editions: a published edition's requirements never change under its trainees
    "beside_editions": "'{key}' cannot sit beside 'editions': move it into each edition",
    "edition_number": "edition numbers run 1, 2, 3... in order: expected {expected} (got {got})",
    "edition_needs_module": (
        "edition {number} requires module '{slug}', which is not in 'modules': "
        "a module that an edition requires is never removed or renamed"
    ),
    "edition_changed": (
        "edition {number} was published on {date} and its required modules or profiles have "
        "changed since: undo the change, and make it in a new edition {next} instead"
    ),
    "edition_removed": (
        "edition {number} was published on {date} but program.yaml no longer has it: "
        "a published edition is never removed"
    ),
    "edition_not_published": (
        "edition {number} is not published but edition {later} is: publish editions in order"
    ),
    "lock_bad_line": (
        "line must read '<edition> <YYYY-MM-DD> <sha256>': this file is written by "
        "'flask --app wsgi lms courses publish'"
    ),
    # Links
    "link_missing_file": "broken link '{target}': there is no file {file} in this program",
    "link_missing_anchor": "broken link '{target}': no heading with the id '{anchor}' in {file}",
    "link_not_module": "relative link '{target}' must point to a module file (NN-<slug>.md)",
}


def message(message_id: str, **values: object) -> str:
    """Return the message with this id, filled in."""
    return MESSAGES[message_id].format(**values)
