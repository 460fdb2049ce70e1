import { useCallback, useEffect, useState } from 'react';
import { ApiError, request } from '../shared/api';
import type { LineageNode } from './types';

// A version's governance: its model's team, the promotion policy's verdict and the open requests.
const GOVERNANCE = `
query Governance($model: String!, $version: Int!) {
  model(name: $model) { team { name } viewerRole }
  promotionCheck(model: $model, version: $version, stage: PRODUCTION) {
    allowed requiredApprovals checks { rule passed detail }
  }
  modelVersion(model: $model, version: $version) {
    transitionRequests { id state requestedBy requiredApprovals decisions { actor approved } }
  }
}`;
const APPROVE = `mutation Approve($id: ID!) { approveStageTransition(id: $id) { state } }`;
const REJECT = `mutation Reject($id: ID!) { rejectStageTransition(id: $id) { state } }`;

type Role = 'READER' | 'WRITER' | 'MAINTAINER' | 'ADMIN';
// Deciding a request needs a maintainer of the model's team (or a registry-wide one); the API refuses
// others, so the buttons are shown only to callers whose role on the model allows it.
const DECIDES: Role[] = ['MAINTAINER', 'ADMIN'];

interface Request {
  id: string;
  state: string;
  requestedBy: string;
  requiredApprovals: number;
  decisions: { actor: string; approved: boolean }[];
}

interface Governance {
  model: { team: { name: string } | null; viewerRole: Role } | null;
  promotionCheck: { allowed: boolean; requiredApprovals: number; checks: { rule: string; passed: boolean; detail: string | null }[] };
  modelVersion: { transitionRequests: Request[] } | null;
}

/** Team, PRODUCTION verdict and pending requests of the version at the centre, with approve/reject. */
export function GovernancePanel({ entry, onError }: { entry: LineageNode; onError: (error: ApiError) => void }) {
  const facts = entry.node as { version?: number; model?: { name: string } };
  const model = facts.model?.name;
  const version = facts.version;
  const [found, setFound] = useState<Governance | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    if (!model || version === undefined) return;
    let current = true;
    request<Governance>(GOVERNANCE, { model, version })
      .then((data) => current && setFound(data))
      .catch((failure: ApiError) => current && onError(failure));
    return () => {
      current = false;
    };
  }, [model, version, reloads, onError]);

  const decide = useCallback(async (mutation: string, id: string) => {
    setRefusal(null);
    try {
      await request(mutation, { id });
    } catch (failure) {
      setRefusal(failure instanceof ApiError ? `${failure.code}: ${failure.message}` : String(failure));
    }
    setReloads((count) => count + 1);
  }, []);

  if (!found) return null;
  const verdict = found.promotionCheck;
  const pending = (found.modelVersion?.transitionRequests ?? []).filter((item) => item.state === 'PENDING');
  const mayDecide = found.model !== null && DECIDES.includes(found.model.viewerRole);
  return (
    <section className="impact governance" data-testid="governance">
      <h4>Governance</h4>
      <div data-testid="governance-team">Team: {found.model?.team?.name ?? 'none'}</div>
      <div data-testid="governance-verdict">
        PRODUCTION: {verdict.allowed ? 'rules pass' : 'refused'}
        {verdict.requiredApprovals > 0 && `, ${verdict.requiredApprovals} approval(s) needed`}
      </div>
      <ul className="governance-checks">
        {verdict.checks.map((check) => (
          <li key={check.rule} className={check.passed ? 'passed' : 'failed'}>
            {check.passed ? '✓' : '✗'} {check.rule}
            {check.detail && <span className="muted"> — {check.detail}</span>}
          </li>
        ))}
      </ul>
      {pending.map((item) => (
        <div key={item.id} className="governance-request" data-testid="governance-request">
          <div>
            Request by {item.requestedBy}: {item.decisions.filter((d) => d.approved).length}/{item.requiredApprovals} approvals
          </div>
          {mayDecide ? (
            <>
              <button type="button" onClick={() => decide(APPROVE, item.id)}>
                Approve
              </button>
              <button type="button" onClick={() => decide(REJECT, item.id)}>
                Reject
              </button>
            </>
          ) : (
            <div className="muted" data-testid="governance-needs-maintainer">
              Deciding needs a maintainer of {found.model?.team ? `team ${found.model.team.name}` : 'the registry'}
            </div>
          )}
        </div>
      ))}
      {refusal && (
        <div className="error" data-testid="governance-refusal">
          {refusal}
        </div>
      )}
    </section>
  );
}
