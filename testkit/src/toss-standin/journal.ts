import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import path from 'node:path';

/**
 * An append-only file of JSON lines: the stand-in's memory across restarts, as a real provider
 * keeps its payments. Each line is written synchronously before the request that caused it is
 * answered, so an answered change is never lost. A process killed mid-write can leave a torn last
 * line, which replay cuts off; a bad line anywhere else means the file is not ours, and replay throws.
 */
export class Journal<Line> {
  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  replay(): Line[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    // Cut a torn last line off, so the next append starts a line of its own.
    if (complete.length < text.length) truncateSync(this.file, Buffer.byteLength(complete));
    return complete
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line) as Line;
        } catch (err) {
          throw new Error(`${this.file}:${i + 1} is not a stand-in journal line; move the file away to start empty`, { cause: err });
        }
      });
  }

  append(line: Line): void {
    appendFileSync(this.file, JSON.stringify(line) + '\n');
  }
}
