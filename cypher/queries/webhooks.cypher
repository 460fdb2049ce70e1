// name: create_webhook
// A new webhook; its secret signs deliveries and never leaves the graph but through the signature.
// It belongs to $team, or else to the team that owns $model now (so it sees that model's events only
// while the model stays in that team, and that team's maintainers manage it). No row: no team $team.
OPTIONAL MATCH (named:Team {name: $team})
WITH named WHERE $team IS NULL OR named IS NOT NULL
OPTIONAL MATCH (:Model {name: $model})-[:OWNED_BY]->(owner:Team)
CREATE (w:Webhook {id: $id, url: $url, events: $events, model: $model, team: coalesce($team, owner.name),
                   secret: $secret, active: true, createdAt: datetime.transaction(), createdBy: $actor})
RETURN w {.id, .url, .events, .model, .team, .active, .createdAt} AS webhook

// name: list_webhooks
// Every webhook (no secrets), newest first; $team narrows to one team's (null: all).
MATCH (w:Webhook)
WHERE $team IS NULL OR w.team = $team
RETURN w {.id, .url, .events, .model, .team, .active, .createdAt} AS webhook
ORDER BY w.createdAt DESC

// name: list_team_webhooks
// The webhooks of the teams $actor maintains (of every team when $everyTeam), newest first; never one
// that belongs to no team (registry-wide webhooks are admins').
MATCH (w:Webhook) WHERE w.team IS NOT NULL
  AND ($everyTeam OR EXISTS {
    MATCH (:ApiToken {name: $actor})-[g:MEMBER_OF]->(:Team {name: w.team}) WHERE g.role = $role
  })
RETURN w {.id, .url, .events, .model, .team, .active, .createdAt} AS webhook
ORDER BY w.createdAt DESC

// name: get_webhook_team
// The team a webhook belongs to (no row: no such webhook).
MATCH (w:Webhook {id: $id})
RETURN w.team AS team

// name: get_webhook
// One webhook with its secret, to sign a delivery.
MATCH (w:Webhook {id: $id})
RETURN w {.id, .url, .events, .model, .team, .active, .createdAt, .secret} AS webhook

// name: delete_webhook
// A webhook and its delivery log; true when there was one.
OPTIONAL MATCH (w:Webhook {id: $id})
OPTIONAL MATCH (d:WebhookDelivery {webhookId: $id})
DETACH DELETE d
WITH w, count(*) AS ignored
DETACH DELETE w
RETURN w IS NOT NULL AS deleted

// name: enqueue_webhook_deliveries
// The outbox: for each active webhook, a delivery per committed Event it wants (type, model and
// team filters) that has none yet, among the events since its scan position. MERGE on (webhookId, eventKey), backed by a uniqueness
// constraint, so workers doing this at once enqueue each event once.
MATCH (w:Webhook {active: true})
MATCH (e:Event) WHERE e.at >= coalesce(w.scannedFrom, w.createdAt)
  AND (w.model IS NULL OR e.model = w.model)
  AND (size(w.events) = 0 OR e.type IN w.events)
  AND (w.team IS NULL OR EXISTS { MATCH (:Model {name: e.model})-[:OWNED_BY]->(t) WHERE t.name = w.team })
WITH w, e, e.model + ':' + toString(e.seq) AS eventKey
WHERE NOT EXISTS { MATCH (:WebhookDelivery {webhookId: w.id, eventKey: eventKey}) }
WITH w, e, eventKey LIMIT $limit
MERGE (d:WebhookDelivery {webhookId: w.id, eventKey: eventKey})
ON CREATE SET d.deliveryId = randomUUID(), d.eventType = e.type, d.model = e.model, d.version = e.version,
              d.actor = e.actor, d.at = e.at,
              d.detail = coalesce(e.detail, CASE WHEN e.type = 'STAGE_CHANGED' THEN e.fromStage + ' -> ' + e.toStage END),
              d.attempts = 0, d.delivered = false, d.pending = true, d.createdAt = datetime(),
              d.nextAttemptAt = datetime()
RETURN count(d) AS enqueued

// name: advance_webhook_scans
// After a pass that enqueued everything it found, later passes look at events from $lookback seconds
// ago on (Event.at is its transaction's start: a transaction may commit up to that long after it).
MATCH (w:Webhook {active: true})
WITH w, datetime() - duration({seconds: $lookback}) AS horizon
SET w.scannedFrom = CASE WHEN horizon > w.createdAt THEN horizon ELSE w.createdAt END
RETURN count(w) AS advanced

// name: create_test_delivery
// A TEST delivery for testWebhook, claimed at once by the caller.
MATCH (w:Webhook {id: $id})
CREATE (d:WebhookDelivery {webhookId: w.id, eventKey: 'test:' + $deliveryId, deliveryId: $deliveryId,
                           eventType: 'TEST', actor: $actor, at: datetime(), attempts: 0, delivered: false,
                           pending: true, createdAt: datetime(), nextAttemptAt: datetime(),
                           claimedBy: $worker, claimedUntil: datetime() + duration({seconds: $lease})})
RETURN d {.*} AS delivery

// name: claim_webhook_deliveries
// Due deliveries, claimed for $lease seconds by one worker. The SET takes each node's write lock
// first; the claim is then re-checked on the committed state, so two workers never hold one delivery.
MATCH (d:WebhookDelivery) WHERE d.pending = true AND d.nextAttemptAt <= datetime()
  AND (d.claimedUntil IS NULL OR d.claimedUntil < datetime())
WITH d ORDER BY d.nextAttemptAt LIMIT $limit
SET d.claimLock = $worker
WITH d WHERE d.pending = true AND (d.claimedUntil IS NULL OR d.claimedUntil < datetime())
SET d.claimedBy = $worker, d.claimedUntil = datetime() + duration({seconds: $lease})
RETURN d {.*} AS delivery

// name: record_webhook_attempt
// The outcome of one attempt by the worker that holds the claim: delivered, retried at $nextAttemptAt,
// or given up ($pending false) once the retry window is over.
MATCH (d:WebhookDelivery {deliveryId: $deliveryId}) WHERE d.claimedBy = $worker
SET d.attempts = d.attempts + 1, d.lastStatusCode = $statusCode, d.lastError = $error,
    d.delivered = $delivered, d.pending = $pending, d.nextAttemptAt = $nextAttemptAt,
    d.claimedBy = null, d.claimedUntil = null, d.lastAttemptAt = datetime()
RETURN d {.*} AS delivery

// name: list_webhook_deliveries
// A webhook's delivery log, newest first.
MATCH (d:WebhookDelivery {webhookId: $id})
RETURN d {.*} AS delivery
ORDER BY d.createdAt DESC
LIMIT $first
