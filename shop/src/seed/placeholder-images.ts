import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

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

/** Writes the SVG under its key unless it is there already (temp file + rename: no half files). */
export async function writePlaceholder(mediaDir: string, svg: string): Promise<string> {
  const key = placeholderKey(svg);
  const file = path.join(mediaDir, key);
  if (!existsSync(file)) {
    await mkdir(mediaDir, { recursive: true });
    const temp = path.join(mediaDir, `.seed-${randomBytes(8).toString('hex')}.tmp`);
    await writeFile(temp, svg);
    await rename(temp, file);
  }
  return key;
}
