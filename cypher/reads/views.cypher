// name: views
// kind: read
// doc: The records a change is checked against, or a page shows, in one round trip: client views
// doc: (coverage with the coverers' staff records, assessments and handovers, engagements), staff views
// doc: (the person, coverage, memberships), team views (engagements), staff records alone, and
// doc: interactions and needs by id. An empty list costs nothing; the tiers always come back.
// param: clients list<string> = [] -- client ids whose view is wanted
// param: staff list<string> = [] -- staff ids whose view is wanted
// param: teams list<string> = [] -- team ids whose view is wanted
// param: people list<string> = [] -- staff ids whose record alone is wanted
// param: interactions list<string> = [] -- interaction ids
// param: needs list<string> = [] -- need ids
// column: tiers -- [{key, level, name, duty}] by level, then key
// column: clients -- [{client, coverage: [{staff, tier, role, since, until}], staff: [staff records], milestones: [{id, kind, at, grade, stage, staff}], engagements: [{team, since, until}]}]
// column: staff -- [{staff: staff record, coverage: [{client, tier, role, since, until}], memberships: [{team, since, until}]}]
// column: teams -- [{team, engagements: [{client, since, until}]}]
// column: people -- [staff records]; a staff record is {id, name, email, capacity, joined, left, tier, manager}
// column: interactions -- [{id, client, kind, at, staff, amount, summary, grade, score, stage}]
// column: needs -- [{id, client, detected, summary, source, staff}]
RETURN
  COLLECT {
    MATCH (t:Tier)
    RETURN t {.key, .level, .name, .duty} AS tier
    ORDER BY tier.level, tier.key
  } AS tiers,
  COLLECT {
    UNWIND $clients AS id
    MATCH (c:Client {id: id})
    RETURN {
      client: c {.id, .name, .industry, .grade, .value, .stage},
      coverage: COLLECT {
        MATCH (s:Staff)-[cov:COVERS]->(c)
        RETURN {staff: s.id, tier: cov.tier, role: cov.role, since: cov.since, until: cov.until}
      },
      staff: COLLECT {
        MATCH (s:Staff)-[:COVERS]->(c)
        WITH DISTINCT s
        RETURN s {.id, .name, .email, .capacity, .joined, .left,
                  tier: head([(s)-[:IN_TIER]->(t:Tier) | t.key]), manager: head([(s)-[:REPORTS_TO]->(m:Staff) | m.id])}
      },
      milestones: COLLECT {
        // Sought by the moments on the client's timelines (index interaction_at), not by walking every
        // interaction of a busy client; a client whose timelines were never computed is walked.
        UNWIND CASE WHEN c.assessed IS NULL THEN [null] ELSE c.assessed + c.handed END AS at
        CALL (c, at) {
          MATCH (i:Interaction {at: at})-[:WITH]->(c)
          WHERE at IS NOT NULL AND i.kind IN ['assessment', 'handover']
          RETURN i
          UNION
          MATCH (c)<-[:WITH]-(i:Interaction)
          WHERE at IS NULL AND i.kind IN ['assessment', 'handover']
          RETURN i
        }
        WITH DISTINCT i
        RETURN {id: i.id, kind: i.kind, at: i.at, grade: i.grade, score: i.score, stage: i.stage, summary: i.summary,
                staff: COLLECT { MATCH (p:Staff)-[:PARTICIPATED]->(i) RETURN p.id ORDER BY p.id }}
      },
      engagements: COLLECT {
        MATCH (t:Team)-[e:ENGAGES]->(c)
        RETURN {team: t.id, since: e.since, until: e.until}
      }
    } AS view
  } AS clients,
  COLLECT {
    UNWIND $staff AS id
    MATCH (s:Staff {id: id})
    RETURN {
      staff: s {.id, .name, .email, .capacity, .joined, .left,
                tier: head([(s)-[:IN_TIER]->(t:Tier) | t.key]), manager: head([(s)-[:REPORTS_TO]->(m:Staff) | m.id])},
      coverage: COLLECT {
        MATCH (s)-[cov:COVERS]->(c:Client)
        RETURN {client: c.id, tier: cov.tier, role: cov.role, since: cov.since, until: cov.until}
      },
      memberships: COLLECT {
        MATCH (s)-[m:MEMBER_OF]->(t:Team)
        RETURN {team: t.id, since: m.since, until: m.until}
      }
    } AS view
  } AS staff,
  COLLECT {
    UNWIND $teams AS id
    MATCH (t:Team {id: id})
    RETURN {
      team: t {.id, .name},
      engagements: COLLECT {
        MATCH (t)-[e:ENGAGES]->(c:Client)
        RETURN {client: c.id, since: e.since, until: e.until}
      }
    } AS view
  } AS teams,
  COLLECT {
    UNWIND $people AS id
    MATCH (s:Staff {id: id})
    RETURN s {.id, .name, .email, .capacity, .joined, .left,
              tier: head([(s)-[:IN_TIER]->(t:Tier) | t.key]), manager: head([(s)-[:REPORTS_TO]->(m:Staff) | m.id])} AS person
  } AS people,
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
