import type { ImageSource } from '@/lib/api-types';

/**
 * A product photo that loads lazily and reserves its box (width, height, aspect-ratio), so
 * nothing jumps when it arrives. With `sources` (the sized AVIF and WebP variants the shop
 * lists for an upload) it is a `<picture>`: the browser takes the first type it can decode and,
 * from its srcset, the smallest width that fills `sizes` at the screen's density (HTML Standard,
 * "The picture element"). Without them, or in a browser that takes neither type, the original.
 */
export function ProductImage({
  src,
  sources = [],
  alt,
  sizes,
  eager = false,
  className = '',
  noImageLabel,
}: {
  src: string | null | undefined;
  sources?: readonly ImageSource[] | undefined;
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
  const image = (
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
  if (sources.length === 0) return image;
  return (
    <picture>
      {sources.map((source) => (
        <source key={source.type} type={source.type} srcSet={source.srcset} sizes={sizes} />
      ))}
      {image}
    </picture>
  );
}
