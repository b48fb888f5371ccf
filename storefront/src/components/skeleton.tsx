/** A grey placeholder in the shape of what is loading, so the page does not jump when it arrives. */
export function Skeleton({ width = '100%', height = '1em', className = '' }: { width?: string; height?: string; className?: string }) {
  return <span className={`skeleton ${className}`} style={{ width, height }} aria-hidden="true" />;
}

/** Wraps skeletons so screen readers hear one "loading" instead of nothing. */
export function LoadingRegion({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div role="status" aria-live="polite" aria-busy="true">
      <span className="visually-hidden">{label}</span>
      {children}
    </div>
  );
}
