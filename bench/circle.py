"""The circle page of a person at department scale, against the floor.

On the database built by bench/department.py with the rows of bench/coordination_data.py (2,000
circles of 4 to 8 members, each with 8 tasks, 12 appointments and 3 conversations), served by gunicorn
(2 workers, production settings, no debug):
- the demo professional (`educatrice`), a member of 60 circles (bench/coordination_data.py),
  logs in, password and authentication app;
- after a warm-up, each round requests the circle page (`coordination:circle`) of the next of these
  persons, then the floor (/_bench/floor/, SELECT 1), interleaved in the same run.

Prints median, p95 and minimum of both series, writes them as JSON under bench/results/ (git-ignored),
and exits 1 when the page's p95 exceeds the budget (150 ms).

    .venv/bin/python bench/coordination_data.py --server postgres://parcours:parcours@127.0.0.1:5432
    .venv/bin/python bench/circle.py --server postgres://parcours:parcours@127.0.0.1:5432

Only 127.0.0.1 is ever contacted; every loop is bounded.
"""

import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.department import LOGINS, local_database_url, log  # noqa: E402 - the path above
from bench.waiting_list import arguments, run  # noqa: E402


def main() -> int:
    args = arguments(__doc__.split("\n\n")[0], 8768)
    login = LOGINS["pro"]
    with psycopg.connect(local_database_url(args.parser, args)) as conn:
        rows = conn.execute(
            "SELECT p.uuid, (SELECT count(*) FROM coordination_circlemember o "
            "                WHERE o.person_id = p.id AND o.left_at IS NULL) "
            "FROM coordination_circlemember m JOIN accounts_user u ON u.id = m.user_id "
            "JOIN people_person p ON p.id = m.person_id "
            "WHERE u.username = %s AND m.left_at IS NULL ORDER BY p.uuid",
            [login],
        ).fetchall()
    if not rows:
        raise SystemExit(f"{login} n'est membre d'aucun cercle : lancer d'abord bench/coordination_data.py")
    log(f"{len(rows)} cercles de {min(n for _, n in rows)} à {max(n for _, n in rows)} membres")
    paths = [f"/coordination/personnes/{uuid}/cercle/" for uuid, _ in rows]
    return run(args, login, paths, "circle", {"circles": len(rows)})


if __name__ == "__main__":
    sys.exit(main())
