import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { MEDIA_CONTENT_TYPES } from '../media/media-keys.js';
import type { MediaStorage } from '../media/media-storage.js';

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A square SVG card: a colour, the kind of product in Korean and English. Generated, never downloaded. */
export function placeholderSvg(name: string, nameEn: string, colour: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600">
<rect width="600" height="600" fill="${colour}"/>
<circle cx="300" cy="250" r="150" fill="#ffffff" fill-opacity="0.18"/>
<text x="300" y="270" font-family="sans-serif" font-size="64" font-weight="bold" text-anchor="middle" fill="#ffffff">${escapeXml(name)}</text>
<text x="300" y="460" font-family="sans-serif" font-size="36" text-anchor="middle" fill="#ffffff" fill-opacity="0.9">${escapeXml(nameEn)}</text>
</svg>
`;
}

/** The media key for an SVG: derived from its content, so the same card gets the same key on every seed. */
export const placeholderKey = (svg: string): string => `${createHash('sha256').update(svg).digest('hex').slice(0, 32)}.svg`;

/** Stores the SVG under its key unless it is there already (staged and committed whole, as an upload is). */
export async function writePlaceholder(media: MediaStorage, svg: string): Promise<string> {
  const key = placeholderKey(svg);
  if (await media.has(key)) return key;
  const staged = await media.stage();
  try {
    await writeFile(staged.file, svg, { flag: 'wx', mode: 0o644 });
    await staged.commit(key, MEDIA_CONTENT_TYPES.svg);
  } finally {
    await staged.discard();
  }
  return key;
}
