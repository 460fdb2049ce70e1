import { useEffect, useState } from 'react';
import { ApiError, request } from '../shared/api';
import { CARD, UPDATE_CARD } from './queries';
import type { LineageNode, ModelCard } from './types';

const SECTIONS: [keyof ModelCard, string][] = [
  ['summary', 'Summary'],
  ['intendedUse', 'Intended use'],
  ['limitations', 'Limitations'],
  ['ethicalConsiderations', 'Ethical considerations'],
  ['evaluation', 'Evaluation'],
  ['license', 'License'],
];

/** The model card of the version at the centre: shown, and edited by writers (updateModelCard). */
export function CardPanel({ entry, onError }: { entry: LineageNode; onError: (error: ApiError) => void }) {
  const model = (entry.node.model as { name: string }).name;
  const version = entry.node.version as number;
  const [card, setCard] = useState<ModelCard | null>(null);
  const [draft, setDraft] = useState<Record<string, string> | null>(null);

  useEffect(() => {
    setCard(null);
    setDraft(null);
    request<{ modelVersion: { card: ModelCard } | null }>(CARD, { model, version })
      .then((data) => setCard(data.modelVersion?.card ?? null))
      .catch((error: ApiError) => onError(error));
  }, [model, version]);

  async function save() {
    if (!draft) return;
    try {
      const data = await request<{ updateModelCard: ModelCard }>(UPDATE_CARD, { model, version, card: draft });
      setCard(data.updateModelCard);
      setDraft(null);
    } catch (error) {
      onError(error as ApiError);
    }
  }

  if (!card) return null;
  return (
    <section className="card-panel" data-testid="model-card">
      <div className="node-details-kind">Model card</div>
      {draft ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          {SECTIONS.map(([field, title]) => (
            <label key={field}>
              {title}
              <textarea
                rows={field === 'license' ? 1 : 3}
                value={draft[field] ?? ''}
                onChange={(event) => setDraft({ ...draft, [field]: event.target.value })}
              />
            </label>
          ))}
          <button type="submit">Save card</button>
          <button type="button" onClick={() => setDraft(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <dl>
            {SECTIONS.map(([field, title]) => (
              <div key={field}>
                <dt>{title}</dt>
                <dd>{(card[field] as string | null) || '—'}</dd>
              </div>
            ))}
          </dl>
          {card.updatedBy && (
            <div className="card-updated">
              updated by {card.updatedBy}
            </div>
          )}
          <button
            type="button"
            onClick={() =>
              setDraft(Object.fromEntries(SECTIONS.map(([field]) => [field, (card[field] as string | null) ?? ''])))
            }
          >
            Edit card
          </button>
        </>
      )}
    </section>
  );
}
