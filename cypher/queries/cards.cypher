// name: get_version_cards
// The written model card sections of each version (properties card* of the version node).
UNWIND $keys AS key
MATCH (v:ModelVersion {model: key[0], version: key[1]})
RETURN key[0] AS model, key[1] AS version,
       v {.cardSummary, .cardIntendedUse, .cardLimitations, .cardEthicalConsiderations, .cardEvaluation,
          .cardLicense, .cardUpdatedBy, .cardUpdatedAt} AS card

// name: update_model_card
// Sets a version's card sections (null removes one) under the model's write lock, and records the
// update as a CARD_UPDATED event (detail: the sections changed), its history beside the audit log.
MATCH (m:Model {name: $model})
SET m._lock = true
REMOVE m._lock
WITH m
MATCH (v:ModelVersion {model: $model, version: $version})
SET v += $sections, v.cardUpdatedBy = $actor, v.cardUpdatedAt = datetime.transaction(),
    m.eventCount = coalesce(m.eventCount, 0) + 1
CREATE (:Event {model: $model, version: $version, seq: m.eventCount, type: 'CARD_UPDATED', detail: $detail,
                actor: $actor, at: datetime.transaction()})
RETURN v {.cardSummary, .cardIntendedUse, .cardLimitations, .cardEthicalConsiderations, .cardEvaluation,
          .cardLicense, .cardUpdatedBy, .cardUpdatedAt} AS card

// name: get_card_sections_in_tx
// One version's card sections, read in the caller's transaction (promotion checks).
MATCH (v:ModelVersion {model: $model, version: $version})
RETURN v {.cardSummary, .cardIntendedUse, .cardLimitations, .cardEthicalConsiderations, .cardEvaluation,
          .cardLicense} AS card
