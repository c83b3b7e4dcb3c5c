// name: stored_records
// kind: read
// doc: The stored versions of records named by identity, so an import can tell what is new, changed
// doc: or unchanged before it writes (and a dry run can say so without writing). Identities that are
// doc: not stored are simply absent; an empty list costs nothing. The caller sends batches.
// param: tiers list<string> = [] -- tier keys
// param: staff list<string> = [] -- staff ids
// param: teams list<string> = [] -- team ids
// param: memberships list<map> = [] -- {staff, team, since}: since an ISO date or null
// param: clients list<string> = [] -- client ids
// param: coverage list<map> = [] -- {staff, client, tier, since}: since an ISO date or null
// param: engagements list<map> = [] -- {team, client, since}: since an ISO date or null
// param: interactions list<string> = [] -- interaction ids
// param: needs list<string> = [] -- need ids
// column: tiers -- [{key, level, name, duty}]
// column: staff -- [{id, name, email, tier, capacity, joined, left, manager}]
// column: teams -- [{id, name}]
// column: memberships -- [{staff, team, since, until}]
// column: clients -- [{id, name, industry, grade, value, stage}]
// column: coverage -- [{staff, client, tier, role, since, until}]
// column: engagements -- [{team, client, since, until}]
// column: interactions -- [{id, client, kind, at, staff, amount, summary, grade, score, stage}]
// column: needs -- [{id, client, detected, summary, source, staff}]
RETURN
  COLLECT {
    UNWIND $tiers AS key
    MATCH (t:Tier {key: key})
    RETURN t {.key, .level, .name, .duty} AS item
  } AS tiers,
  COLLECT {
    UNWIND $staff AS id
    MATCH (s:Staff {id: id})
    RETURN s {.id, .name, .email, .capacity, .joined, .left,
              tier: head([(s)-[:IN_TIER]->(t:Tier) | t.key]), manager: head([(s)-[:REPORTS_TO]->(m:Staff) | m.id])} AS item
  } AS staff,
  COLLECT {
    UNWIND $teams AS id
    MATCH (t:Team {id: id})
    RETURN t {.id, .name} AS item
  } AS teams,
  COLLECT {
    UNWIND $memberships AS k
    MATCH (s:Staff {id: k.staff})-[m:MEMBER_OF]->(t:Team {id: k.team})
    WHERE m.since = date(k.since) OR (m.since IS NULL AND k.since IS NULL)
    RETURN {staff: s.id, team: t.id, since: m.since, until: m.until} AS item
  } AS memberships,
  COLLECT {
    UNWIND $clients AS id
    MATCH (c:Client {id: id})
    RETURN c {.id, .name, .industry, .grade, .value, .stage} AS item
  } AS clients,
  COLLECT {
    UNWIND $coverage AS k
    MATCH (s:Staff {id: k.staff})-[cov:COVERS]->(c:Client {id: k.client})
    WHERE cov.tier = k.tier
      AND (cov.since = date(k.since) OR (cov.since IS NULL AND k.since IS NULL))
    RETURN {staff: s.id, client: c.id, tier: cov.tier, role: cov.role, since: cov.since, until: cov.until} AS item
  } AS coverage,
  COLLECT {
    UNWIND $engagements AS k
    MATCH (t:Team {id: k.team})-[e:ENGAGES]->(c:Client {id: k.client})
    WHERE e.since = date(k.since) OR (e.since IS NULL AND k.since IS NULL)
    RETURN {team: t.id, client: c.id, since: e.since, until: e.until} AS item
  } AS engagements,
  COLLECT {
    UNWIND $interactions AS id
    MATCH (i:Interaction {id: id})-[:WITH]->(c:Client)
    RETURN {id: i.id, client: c.id, kind: i.kind, at: i.at, amount: i.amount, summary: i.summary, grade: i.grade,
            score: i.score, stage: i.stage, staff: COLLECT { MATCH (p:Staff)-[:PARTICIPATED]->(i) RETURN p.id ORDER BY p.id }} AS item
  } AS interactions,
  COLLECT {
    UNWIND $needs AS id
    MATCH (c:Client)-[:HAS_NEED]->(n:Need {id: id})
    RETURN {id: n.id, client: c.id, detected: n.detected, summary: n.summary, source: n.source,
            staff: head([(p:Staff)-[:CAPTURED]->(n) | p.id])} AS item
  } AS needs
