// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from '@testing-library/react';
import { ProductImage } from './product-image';

const KEY = '0123456789abcdef0123456789abcdef.png';
const srcset = (format: string) => [320, 640, 1280].map((w) => `/media/variants/${KEY}/${w}.${format} ${w}w`).join(', ');

describe('ProductImage', () => {
  afterEach(cleanup);

  it('offers the AVIF and WebP variants, sized for where it is shown, with the original as the fallback', () => {
    const { container } = render(
      <ProductImage
        src={`/media/${KEY}`}
        sources={[
          { type: 'image/avif', srcset: srcset('avif') },
          { type: 'image/webp', srcset: srcset('webp') },
        ]}
        alt="Linen shirt"
        sizes="(min-width: 800px) 480px, 100vw"
        noImageLabel="No image"
      />,
    );
    const sources = [...container.querySelectorAll('picture > source')].map((s) => ({
      type: s.getAttribute('type'),
      srcset: s.getAttribute('srcset'),
      sizes: s.getAttribute('sizes'),
    }));
    expect(sources).toEqual([
      { type: 'image/avif', srcset: srcset('avif'), sizes: '(min-width: 800px) 480px, 100vw' },
      { type: 'image/webp', srcset: srcset('webp'), sizes: '(min-width: 800px) 480px, 100vw' },
    ]);
    const img = container.querySelector('picture > img');
    expect(img?.getAttribute('src')).toBe(`/media/${KEY}`);
    expect(img?.getAttribute('alt')).toBe('Linen shirt');
  });

  it('is a plain image when the shop lists no variants (an SVG placeholder)', () => {
    const { container } = render(<ProductImage src="/media/placeholder.svg" sources={[]} alt="Shirt" sizes="80px" noImageLabel="No image" />);
    expect(container.querySelector('picture')).toBeNull();
    expect(container.querySelector('img')?.getAttribute('src')).toBe('/media/placeholder.svg');
  });
});
