import { useState } from 'react';
import { downloadText } from './exporting';

/** The API's Mermaid flowchart of the graph, to copy into Markdown or download. */
export function MermaidDialog({ text, fileStem, onClose }: { text: string; fileStem: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog" role="dialog" aria-label="Mermaid" onClick={(event) => event.stopPropagation()}>
        <h3>Mermaid flowchart</h3>
        <p>Paste it into a Markdown file between <code>```mermaid</code> fences.</p>
        <textarea readOnly value={text} data-testid="mermaid-text" rows={16} />
        <div className="dialog-actions">
          <button
            type="button"
            onClick={async () => {
              await navigator.clipboard.writeText(text);
              setCopied(true);
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          <button type="button" onClick={() => downloadText(text, `${fileStem}.mmd`)}>
            Download .mmd
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
