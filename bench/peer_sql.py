"""The analyst's peer: each report as one DuckDB SQL query over the organisation's CSV files (loaded once).

Used by bench_peer.py. The queries answer for `$t` (as_of) with the default policy, days in UTC, and
give the same rows as graphcrm (the benchmark checks); shares are rounded half up from the quotient
(floor(1000 n / d + 0.5) / 1000), as graphcrm and Neo4j do, not from its nearest double. truck_factor and brokers need a graph
algorithm: their peer is the SQL extraction of the active coverage graph plus the same networkx step.
"""

from __future__ import annotations

from pathlib import Path

TABLES = {
    "tiers": {"key": "VARCHAR", "level": "INTEGER", "name": "VARCHAR", "duty": "VARCHAR"},
    "staff": {"id": "VARCHAR", "name": "VARCHAR", "email": "VARCHAR", "tier": "VARCHAR", "capacity": "INTEGER",
              "joined": "DATE", "left": "DATE", "manager": "VARCHAR"},
    "teams": {"id": "VARCHAR", "name": "VARCHAR"},
    "memberships": {"staff": "VARCHAR", "team": "VARCHAR", "since": "DATE", "until": "DATE"},
    "clients": {"id": "VARCHAR", "name": "VARCHAR", "industry": "VARCHAR", "grade": "VARCHAR", "value": "DOUBLE",
                "stage": "VARCHAR"},
    "coverage": {"staff": "VARCHAR", "client": "VARCHAR", "tier": "VARCHAR", "role": "VARCHAR", "since": "DATE",
                 "until": "DATE"},
    "engagements": {"team": "VARCHAR", "client": "VARCHAR", "since": "DATE", "until": "DATE"},
    "interactions": {"id": "VARCHAR", "client": "VARCHAR", "staff": "VARCHAR", "kind": "VARCHAR", "at": "TIMESTAMPTZ",
                     "amount": "DOUBLE", "summary": "VARCHAR", "grade": "VARCHAR", "score": "DOUBLE", "stage": "VARCHAR"},
    "needs": {"id": "VARCHAR", "client": "VARCHAR", "summary": "VARCHAR", "detected": "DATE", "source": "VARCHAR",
              "staff": "VARCHAR"},
}


def load(connection, folder: Path) -> None:
    """Every CSV as a table, plus `ix` (interactions with their UTC day) and `participation` (staff, interaction)."""
    connection.execute("SET TimeZone = 'UTC'")
    for name, columns in TABLES.items():
        types = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
        connection.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{folder / (name + '.csv')}', header = true, "
                           f"columns = {{{types}}})")
    connection.execute("CREATE TABLE ix AS SELECT *, CAST(timezone('UTC', \"at\") AS DATE) AS day FROM interactions")
    connection.execute("CREATE TABLE participation AS SELECT id AS interaction, unnest(string_split(staff, ';')) AS staff "
                       "FROM interactions WHERE staff IS NOT NULL AND staff <> ''")
    connection.execute("CREATE TABLE policy AS SELECT * FROM (VALUES ('A', 2, 14, 3, 0), ('B', 1, 30, 2, 1), "
                       "('C', 1, 90, 1, 2), ('ungraded', 1, 60, 1, 3)) p(grade, required, silence, weight, rank)")


_COMMON = """
WITH act AS (
  SELECT DISTINCT cv.client, cv.tier, cv.staff FROM coverage cv JOIN staff s ON s.id = cv.staff
  WHERE (cv.since IS NULL OR cv.since <= $t) AND (cv.until IS NULL OR cv.until > $t)
    AND (s.joined IS NULL OR s.joined <= $t) AND (s."left" IS NULL OR s."left" > $t)
), latest AS (
  SELECT client, grade FROM (
    SELECT client, grade, row_number() OVER (PARTITION BY client ORDER BY "at" DESC, id DESC) AS n
    FROM ix WHERE kind = 'assessment' AND day <= $t) WHERE n = 1
), grades AS (
  SELECT c.id AS client, coalesce(l.grade, c.grade, 'ungraded') AS grade FROM clients c LEFT JOIN latest l ON l.client = c.id
), counts AS (
  SELECT c.id AS client, tr.key AS tier, tr.level, list_sort(list(DISTINCT a.staff) FILTER (WHERE a.staff IS NOT NULL)) AS staff,
         count(DISTINCT a.staff) AS n
  FROM clients c CROSS JOIN tiers tr LEFT JOIN act a ON a.client = c.id AND a.tier = tr.key
  GROUP BY c.id, tr.key, tr.level
)
"""

QUERIES = {
    "coverage": _COMMON + """
SELECT k.client, c.name, g.grade, k.tier, k.level, coalesce(k.staff, []) AS staff, k.n AS count
FROM counts k JOIN clients c ON c.id = k.client JOIN grades g ON g.client = k.client
ORDER BY k.client, k.level, k.tier""",
    "coverage_gaps": _COMMON + """
SELECT k.client, g.grade, k.tier, p.required, k.n AS actual, p.required - k.n AS shortfall
FROM counts k JOIN grades g ON g.client = k.client JOIN policy p ON p.grade = g.grade
WHERE k.n < p.required
ORDER BY p.rank, shortfall DESC, k.client, k.level, k.tier""",
    "staff_load": _COMMON + """
SELECT s.id AS staff, s.tier, count(DISTINCT a.client) AS clients,
       count(DISTINCT a.client) FILTER (WHERE g.grade = 'A') AS a, count(DISTINCT a.client) FILTER (WHERE g.grade = 'B') AS b,
       count(DISTINCT a.client) FILTER (WHERE g.grade = 'C') AS c,
       count(DISTINCT a.client) FILTER (WHERE g.grade = 'ungraded') AS ungraded, s.capacity,
       CASE WHEN s.capacity > 0 THEN floor(count(DISTINCT a.client) * 1000.0 / s.capacity + 0.5) / 1000.0 END AS utilisation
FROM staff s LEFT JOIN act a ON a.staff = s.id LEFT JOIN grades g ON g.client = a.client
WHERE (s.joined IS NULL OR s.joined <= $t) AND (s."left" IS NULL OR s."left" > $t)
GROUP BY s.id, s.tier, s.capacity
ORDER BY utilisation IS NULL, utilisation DESC, staff""",
    "stale_clients": _COMMON + """
SELECT c.id AS client, g.grade, l.last, date_diff('day', l.last, $t) AS days_silent, p.silence AS "limit"
FROM clients c JOIN grades g ON g.client = c.id JOIN policy p ON p.grade = g.grade
LEFT JOIN (SELECT client, max(day) AS last FROM ix WHERE day <= $t GROUP BY client) l ON l.client = c.id
WHERE l.last IS NULL OR date_diff('day', l.last, $t) > p.silence
ORDER BY p.rank, days_silent DESC NULLS FIRST, client""",
    "relationships": """
SELECT p.staff, x.client, count(*) AS interactions, max(x.day) AS last,
       round(sum(0.5 ** (date_diff('day', x.day, $t) / 30.0)), 3) AS strength
FROM ix x JOIN participation p ON p.interaction = x.id
WHERE x.day > $t - INTERVAL 180 DAY AND x.day <= $t
GROUP BY p.staff, x.client
ORDER BY strength DESC, p.staff, x.client""",
    "stalled_stages": _COMMON + """
, handed AS (
  SELECT client, stage, day FROM (
    SELECT client, stage, day, row_number() OVER (PARTITION BY client ORDER BY "at" DESC, id DESC) AS n
    FROM ix WHERE kind = 'handover' AND day <= $t) WHERE n = 1
), firsts AS (SELECT client, min(day) AS first FROM ix WHERE day <= $t GROUP BY client)
SELECT c.id AS client, g.grade,
       coalesce(h.stage, c.stage, (SELECT min(key) FROM tiers WHERE level = 1)) AS stage,
       coalesce(h.day, f.first) AS since, date_diff('day', coalesce(h.day, f.first), $t) AS days
FROM clients c JOIN grades g ON g.client = c.id LEFT JOIN handed h ON h.client = c.id LEFT JOIN firsts f ON f.client = c.id
WHERE coalesce(h.day, f.first) IS NOT NULL AND date_diff('day', coalesce(h.day, f.first), $t) > 60
ORDER BY days DESC, client""",
    "missed_demand": """
WITH nd AS (SELECT * FROM needs WHERE detected > $t - INTERVAL 365 DAY AND detected <= $t),
intel AS (
  SELECT n.id, cv.staff FROM nd n JOIN coverage cv ON cv.client = n.client JOIN staff s ON s.id = cv.staff
  WHERE cv.tier IN (SELECT key FROM tiers WHERE level = 1)
    AND (cv.since IS NULL OR cv.since <= n.detected) AND (cv.until IS NULL OR cv.until > n.detected)
    AND (s.joined IS NULL OR s.joined <= n.detected) AND (s."left" IS NULL OR s."left" > n.detected)
), per AS (
  SELECT n.id, n.staff AS captor, coalesce(list(DISTINCT i.staff) FILTER (WHERE i.staff IS NOT NULL), []) AS intel
  FROM nd n LEFT JOIN intel i ON i.id = n.id GROUP BY n.id, n.staff
), tally AS (
  SELECT captor AS staff, 1 AS captured, 0 AS missed FROM per WHERE list_contains(intel, captor)
  UNION ALL SELECT unnest(intel), 0, 1 FROM per WHERE NOT coalesce(list_contains(intel, captor), false) AND len(intel) > 0
  UNION ALL SELECT NULL, 0, 1 FROM per WHERE NOT coalesce(list_contains(intel, captor), false) AND len(intel) = 0
)
SELECT staff, sum(captured)::BIGINT AS captured, sum(missed)::BIGINT AS missed,
       floor(sum(captured) * 1000.0 / (sum(captured) + sum(missed)) + 0.5) / 1000.0 AS capture_rate
FROM tally GROUP BY staff ORDER BY missed DESC, staff NULLS LAST""",
    "team_coverage": _COMMON + """
, mem AS (
  SELECT DISTINCT m.team, m.staff FROM memberships m JOIN staff s ON s.id = m.staff
  WHERE (m.since IS NULL OR m.since <= $t) AND (m.until IS NULL OR m.until > $t)
    AND (s.joined IS NULL OR s.joined <= $t) AND (s."left" IS NULL OR s."left" > $t)
), eng AS (
  SELECT DISTINCT team, client FROM engagements WHERE (since IS NULL OR since <= $t) AND (until IS NULL OR until > $t)
), fully AS (
  SELECT e.team, e.client FROM eng e JOIN act a ON a.client = e.client JOIN mem m ON m.team = e.team AND m.staff = a.staff
  WHERE a.tier IN (SELECT key FROM tiers)
  GROUP BY e.team, e.client HAVING count(DISTINCT a.tier) = (SELECT count(*) FROM tiers)
)
SELECT t.id AS team, (SELECT count(*) FROM mem WHERE mem.team = t.id) AS members,
       coalesce((SELECT list(tr.key ORDER BY tr.level, tr.key) FROM tiers tr
                 WHERE EXISTS (SELECT 1 FROM mem JOIN staff s ON s.id = mem.staff WHERE mem.team = t.id AND s.tier = tr.key)), [])
         AS tiers,
       (SELECT count(*) FROM eng WHERE eng.team = t.id) AS clients,
       (SELECT count(*) FROM fully WHERE fully.team = t.id) AS fully_staffed,
       CASE WHEN (SELECT count(*) FROM eng WHERE eng.team = t.id) > 0
            THEN floor((SELECT count(*) FROM fully WHERE fully.team = t.id) * 1000.0 / (SELECT count(*) FROM eng WHERE eng.team = t.id) + 0.5) / 1000.0
       END AS full_rate
FROM teams t ORDER BY team""",
    "key_person_risk": _COMMON + """
, per AS (
  SELECT client, min(n) AS bus_factor, coalesce(list(tier ORDER BY level, tier) FILTER (WHERE n = 1), []) AS single
  FROM counts GROUP BY client
), st AS (
  SELECT client, staff, count(DISTINCT tier) AS k FROM act WHERE tier IN (SELECT key FROM tiers) GROUP BY client, staff
), multi AS (SELECT client, list(staff ORDER BY staff) AS multi FROM st WHERE k >= 2 GROUP BY client
), own AS (
  SELECT client, min(staff) AS owner FROM st
  WHERE (SELECT count(*) FROM tiers) >= 2 AND k = (SELECT count(*) FROM tiers) GROUP BY client
), win AS (
  SELECT client, count(*) AS total FROM ix WHERE day > $t - INTERVAL 180 DAY AND day <= $t GROUP BY client HAVING count(*) >= 5
), top AS (
  SELECT client, staff, n FROM (
    SELECT x.client, p.staff, count(*) AS n, row_number() OVER (PARTITION BY x.client ORDER BY count(*) DESC, p.staff) AS r
    FROM ix x JOIN participation p ON p.interaction = x.id
    WHERE x.day > $t - INTERVAL 180 DAY AND x.day <= $t GROUP BY x.client, p.staff) WHERE r = 1
), conc AS (
  SELECT w.client, top.staff AS owner, floor(top.n * 1000.0 / w.total + 0.5) / 1000.0 AS share FROM win w JOIN top USING (client)
  WHERE top.n / w.total >= 0.8
), flagged AS (
  SELECT c.id AS client, g.grade, coalesce(per.bus_factor, 0) AS bus_factor, coalesce(per.single, []) AS single,
         coalesce(multi.multi, []) AS multi, own.owner, conc.owner AS conc_owner, conc.share,
         (coalesce(per.bus_factor, 0) = 0)::INT + (len(coalesce(per.single, [])) > 0 AND p.required >= 2)::INT
         + (multi.multi IS NOT NULL)::INT + (own.owner IS NOT NULL)::INT + (conc.owner IS NOT NULL)::INT AS flags, p.weight
  FROM clients c JOIN grades g ON g.client = c.id JOIN policy p ON p.grade = g.grade LEFT JOIN per ON per.client = c.id
  LEFT JOIN multi ON multi.client = c.id LEFT JOIN own ON own.client = c.id LEFT JOIN conc ON conc.client = c.id
)
SELECT client, grade, bus_factor, single AS single_point_tiers, multi AS multi_tier_staff, owner AS end_to_end_owner,
       conc_owner AS concentration_owner, share AS concentration_share, weight * flags AS risk
FROM flagged WHERE flags > 0 ORDER BY risk DESC, client""",
    "active_coverage": _COMMON + """
SELECT a.staff, a.client, a.tier, c.value FROM act a JOIN clients c ON c.id = a.client
WHERE a.tier IN (SELECT key FROM tiers) ORDER BY a.staff, a.client, a.tier""",
}
