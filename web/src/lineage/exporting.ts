import { getNodesBounds, getViewportForBounds, type Node } from '@xyflow/react';
// html-to-image is pinned to 1.11.11: later 1.11.x releases drop React Flow's
// edges and paint edge labels black (React Flow's docs pin it for the same reason).
import { toPng, toSvg } from 'html-to-image';

const PADDING = 24;
const MAX_SIDE = 4096;

/** Offer a data: or blob: URL to the user as a file download. */
export function download(url: string, filename: string): void {
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
}

export function downloadText(text: string, filename: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  download(url, filename);
  // The click has started the download; the URL is only needed until then.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Render the whole graph (not just the visible part) at 1:1 as PNG or SVG. */
export async function exportImage(nodes: Node[], format: 'png' | 'svg'): Promise<string> {
  const viewportElement = document.querySelector<HTMLElement>('.react-flow__viewport');
  if (!viewportElement || nodes.length === 0) throw new Error('nothing to export');
  const bounds = getNodesBounds(nodes);
  const width = Math.min(Math.ceil(bounds.width + PADDING * 2), MAX_SIDE);
  const height = Math.min(Math.ceil(bounds.height + PADDING * 2), MAX_SIDE);
  const viewport = getViewportForBounds(bounds, width, height, 0.2, 1, 0);
  const options = {
    backgroundColor: '#ffffff',
    width,
    height,
    style: {
      width: `${width}px`,
      height: `${height}px`,
      transform: `translate(${viewport.x}px, ${viewport.y}px) scale(${viewport.zoom})`,
    },
  };
  return format === 'png' ? toPng(viewportElement, { ...options, pixelRatio: 2 }) : toSvg(viewportElement, options);
}
