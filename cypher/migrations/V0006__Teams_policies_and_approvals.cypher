// Governance (issue 16): teams own models, promotion policies, four-eyes transition requests.
// A team's name is its key; a token's role in a team sits on its MEMBER_OF relationship.
CREATE CONSTRAINT team_name IF NOT EXISTS FOR (t:Team) REQUIRE t.name IS UNIQUE;
// One policy per scope: '' is the registry-wide policy, otherwise the team's name.
CREATE CONSTRAINT promotion_policy_scope IF NOT EXISTS FOR (p:PromotionPolicy) REQUIRE p.scope IS UNIQUE;
// Requests are found by id, listed per model; `openKey` (model, version and stage) is set only while
// a request is PENDING, so at most one open request per version and stage can ever commit.
CREATE CONSTRAINT transition_request_id IF NOT EXISTS FOR (r:StageTransitionRequest) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT transition_request_open IF NOT EXISTS FOR (r:StageTransitionRequest) REQUIRE r.openKey IS UNIQUE;
CREATE INDEX transition_request_model IF NOT EXISTS FOR (r:StageTransitionRequest) ON (r.model);
CREATE INDEX transition_request_state IF NOT EXISTS FOR (r:StageTransitionRequest) ON (r.state);
// One decision per request and actor.
CREATE CONSTRAINT approval_decision_key IF NOT EXISTS FOR (d:ApprovalDecision) REQUIRE (d.request, d.actor) IS UNIQUE;
// A request's decisions and a version's requests.
CREATE INDEX approval_decision_request IF NOT EXISTS FOR (d:ApprovalDecision) ON (d.request);
CREATE INDEX transition_request_version IF NOT EXISTS FOR (r:StageTransitionRequest) ON (r.model, r.version);
