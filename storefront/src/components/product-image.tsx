/**
 * A product photo that loads lazily and reserves its box (width, height, aspect-ratio), so
 * nothing jumps when it arrives. `sizes` tells the browser how wide it will be shown.
 */
export function ProductImage({
  src,
  alt,
  sizes,
  eager = false,
  className = '',
  noImageLabel,
}: {
  src: string | null | undefined;
  alt: string;
  sizes: string;
  eager?: boolean;
  className?: string;
  noImageLabel: string;
}) {
  if (!src) {
    return (
      <div className={`product-image product-image-empty ${className}`} role="img" aria-label={`${alt} (${noImageLabel})`}>
        <span aria-hidden="true">{noImageLabel}</span>
      </div>
    );
  }
  return (
    <img
      className={`product-image ${className}`}
      src={src}
      alt={alt}
      width={600}
      height={600}
      sizes={sizes}
      loading={eager ? 'eager' : 'lazy'}
      decoding="async"
      fetchPriority={eager ? 'high' : 'auto'}
    />
  );
}
