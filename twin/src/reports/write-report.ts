import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LedgerEntry } from '../load/ledger.js';
import type { DrillReport } from './drill-report.js';
import { CHART_WIDTH, renderHtmlReport } from './html-report.js';
import { renderPng } from './png.js';

export interface WrittenReport {
  json: string;
  html: string;
  /** Every response the shoppers got, one JSON object a line, when the ledger was given. */
  ledger: string | undefined;
  /** Undefined when Chromium could not render it; the reason is in the report's notes. */
  png: string | undefined;
}

/** `2026-11-26T09-58-03Z`: sortable, and safe in file names. */
export const fileTimestamp = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');

/** Writes reports/<drill>-<timestamp>.{json,html,png} and the ledger as <drill>-<timestamp>.ledger.jsonl. */
export async function writeReport(report: DrillReport, dir: string, options: { png?: boolean; ledger?: readonly LedgerEntry[] } = {}): Promise<WrittenReport> {
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${report.drill}-${fileTimestamp(report.startedAt)}`);
  const html = renderHtmlReport(report);
  let png: string | undefined;
  if (options.png !== false) {
    try {
      await renderPng(html, `${base}.png`, CHART_WIDTH);
      png = `${base}.png`;
    } catch (err) {
      report.notes.push(`PNG not rendered: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.html`, renderHtmlReport(report));
  let ledger: string | undefined;
  if (options.ledger) {
    ledger = `${base}.ledger.jsonl`;
    writeFileSync(ledger, options.ledger.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
  return { json: `${base}.json`, html: `${base}.html`, ledger, png };
}
