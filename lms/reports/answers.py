"""Keep the first-attempt answer tally per report scope equal to the reference item analysis.

A trainee counts in the scope "everyone" and in each cohort, program and cohort with program
of their summary rows (lms.reports.reference.scoped_trainees). Their stored answers and scopes
are what the tally last counted for them; when either changes, the old answers leave the old
scopes and the new answers join the new ones. lms.reports.tallies reads the stored and the
fresh rows in its one SELECT per batch and hands them here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, literal, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from lms.learning import figures as learning_figures
from lms.reports.models import AnswerCount, AnswerScope, AnswerShare
from lms.reports.turnaround import ANY_COHORT, ANY_PROGRAM, scope_key_rows

SHARES: Table = AnswerShare.__table__  # type: ignore[assignment]
SCOPES: Table = AnswerScope.__table__  # type: ignore[assignment]
TALLY: Table = AnswerCount.__table__  # type: ignore[assignment]
ANSWER = ("program_slug", "module_slug", "question_key", "chosen")
SCOPE = ("cohort_key", "program_key")
EVERYONE = (ANY_COHORT, ANY_PROGRAM)

Answers = dict[tuple[str, str, str, str], int]
Scopes = set[tuple[int, str]]


class Batch:
    """The stored and fresh answers and scopes of one batch of trainees, as read."""

    def __init__(self) -> None:
        self.answers: dict[bool, dict[int, Answers]] = {False: defaultdict(dict),
                                                        True: defaultdict(dict)}
        self.scopes: dict[bool, dict[int, Scopes]] = {False: defaultdict(set),
                                                      True: defaultdict(set)}

    def add_answer(self, fresh: bool, trainee_id: int, key: tuple[str, str, str, str],
                   count: int) -> None:
        """Note one (stored or fresh) answer row of a trainee."""
        bucket = self.answers[fresh][trainee_id]
        bucket[key] = bucket.get(key, 0) + count

    def add_summary_row(self, trainee_id: int, cohort_id: int | None, program: str) -> None:
        """Note the scopes one fresh summary row puts a trainee in."""
        found = self.scopes[True][trainee_id]
        found.add((ANY_COHORT, program))
        if cohort_id is not None:
            found.update({(cohort_id, ANY_PROGRAM), (cohort_id, program)})

    def add_stored_scope(self, trainee_id: int, cohort_key: int, program_key: str) -> None:
        """Note one scope the tally last counted a trainee's answers in."""
        self.scopes[False][trainee_id].add((cohort_key, program_key))


def stored_rows() -> tuple[Any, Any]:
    """Return SELECTs of the batch's stored answers and stored scopes (user_ids bound)."""
    ids: Any = bindparam("user_ids", expanding=True)
    return (select(SHARES.c.trainee_id, *(SHARES.c[name] for name in ANSWER),
                   SHARES.c.answers).where(SHARES.c.trainee_id.in_(ids)),
            select(SCOPES.c.trainee_id, *(SCOPES.c[name] for name in SCOPE))
            .where(SCOPES.c.trainee_id.in_(ids)))


def fresh_rows() -> Any:
    """Return the SELECT of the batch's first-attempt answers (user_ids bound)."""
    return learning_figures.first_attempt_answer_rows(bindparam("user_ids", expanding=True))


def _counted(answers: Answers, scopes: Scopes) -> Scopes:
    # A trainee without answers is kept nowhere: nothing of theirs is in the tally.
    return scopes | {EVERYONE} if answers else set()


def write(connection: Connection, batch: Batch, user_ids: list[int]) -> None:
    """Store the changed trainees' answers and scopes and move the tally by the difference."""
    moves: dict[tuple[Any, ...], int] = defaultdict(int)
    new_answers: list[dict[str, Any]] = []
    new_scopes: list[dict[str, Any]] = []
    answers_changed: list[int] = []
    scopes_changed: list[int] = []
    for trainee in user_ids:
        old, new = batch.answers[False].get(trainee, {}), batch.answers[True].get(trainee, {})
        was = batch.scopes[False].get(trainee, set())
        now = _counted(new, batch.scopes[True].get(trainee, set()))
        if old == new and was == now:
            continue
        for sign, answers, scopes in ((-1, old, was), (1, new, now)):
            for scope in scopes:
                for answer, count in answers.items():
                    moves[(*scope, *answer)] += sign * count
        if old != new:
            answers_changed.append(trainee)
            new_answers.extend({"trainee_id": trainee, **dict(zip(ANSWER, answer, strict=True)),
                                "answers": count} for answer, count in new.items())
        if was != now:
            scopes_changed.append(trainee)
            new_scopes.extend({"trainee_id": trainee, "cohort_key": cohort, "program_key": program}
                              for cohort, program in now)
    _replace(connection, SHARES, answers_changed, new_answers)
    _replace(connection, SCOPES, scopes_changed, new_scopes)
    changed = [dict(zip((*SCOPE, *ANSWER), key, strict=True), answers=count)
               for key, count in moves.items() if count]
    if changed:
        connection.execute(_add_to_tally(connection), changed)


def _replace(connection: Connection, table: Table, trainees: list[int],
             rows: list[dict[str, Any]]) -> None:
    if trainees:
        connection.execute(delete(table).where(table.c.trainee_id.in_(trainees)))
    if rows:
        connection.execute(insert(table), rows)


def _add_to_tally(connection: Connection) -> Any:
    """Return an INSERT that adds each given count to its tally row, creating it if new."""
    statement: Any = (postgresql.insert(TALLY) if connection.dialect.name == "postgresql"
                      else sqlite.insert(TALLY))
    return statement.on_conflict_do_update(
        index_elements=[TALLY.c[name] for name in (*SCOPE, *ANSWER)],
        set_={"answers": TALLY.c.answers + statement.excluded.answers})


def rebuild_on(connection: Connection) -> None:
    """Rewrite every share, scope and the whole tally from the reference rows."""
    for table in (SHARES, SCOPES, TALLY):
        connection.execute(delete(table))
    connection.execute(insert(SHARES).from_select(
        ["trainee_id", *ANSWER, "answers"], learning_figures.first_attempt_answer_rows()))
    answered = select(SHARES.c.trainee_id).distinct().subquery("answered")
    keys = scope_key_rows()
    everyone = select(answered.c.trainee_id, literal(ANY_COHORT), literal(ANY_PROGRAM))
    scoped = (select(keys.c.user_id, keys.c.cohort_key, keys.c.program_key)
              .join(answered, answered.c.trainee_id == keys.c.user_id))
    connection.execute(insert(SCOPES).from_select(["trainee_id", *SCOPE],
                                                  union(everyone, scoped)))
    group = [*(SCOPES.c[name] for name in SCOPE), *(SHARES.c[name] for name in ANSWER)]
    connection.execute(insert(TALLY).from_select(
        [*SCOPE, *ANSWER, "answers"],
        select(*group, func.sum(SHARES.c.answers))
        .join(SCOPES, SCOPES.c.trainee_id == SHARES.c.trainee_id).group_by(*group)))
