/** PRODUCTION, STAGING, ARCHIVED or NONE as a coloured badge. */
export function StageBadge({ stage }: { stage: string }) {
  return <span className={`badge badge-stage stage-${stage.toLowerCase()}`}>{stage}</span>;
}
