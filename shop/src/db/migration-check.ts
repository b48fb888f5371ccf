/**
 * Expand-only migrations. During a rolling deploy the previous release keeps serving while the
 * new one's migrations are already applied (infra/README.md, "Migrations: once per release"), so a
 * migration may only add: tables, nullable columns, columns with a default, indexes, wider checks.
 * A statement that removes or narrows what the running release relies on (a contract step) is
 * refused unless it says so, with its reason, in a marker comment on one of its lines or in the
 * file's header (the comment lines before the first statement):
 *
 *   -- contract: <why it is safe now, e.g. no release since 1.4 reads orders.legacy_total>
 */

/** A contract marker with a non-empty reason. */
const contractMarker = /--\s*contract:\s*\S/i;

/** What makes a statement a contract step, and why. Matched against the statement without its comments. */
const contractPatterns: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /\bDROP\b/i, what: 'DROP removes something the running release may use' },
  { pattern: /\bRENAME\b/i, what: 'RENAME breaks the running release that uses the old name' },
  { pattern: /\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b/i, what: 'ALTER COLUMN ... TYPE changes what the running release reads and writes' },
  { pattern: /\bSET\s+NOT\s+NULL\b/i, what: 'SET NOT NULL fails the running release that leaves the column empty' },
  {
    pattern: /\bADD\s+(COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?\S+\s+[^,;]*\bNOT\s+NULL\b(?![^,;]*\bDEFAULT\b)/i,
    what: 'a NOT NULL column without a default fails the running release, whose inserts leave it out',
  },
];

export interface ContractFinding {
  readonly file: string;
  /** 1-based line where the statement starts. */
  readonly line: number;
  readonly statement: string;
  readonly what: string;
}

interface Statement {
  readonly line: number;
  /** The statement's lines as written, comments included. */
  readonly raw: string;
  /** Without comments, on one line. */
  readonly code: string;
}

/** Removes `--` comments and string literals' contents, so a word in a comment or a string never matches. */
function stripLine(line: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (inString) {
      if (c === "'") inString = false;
      continue;
    }
    if (c === "'") {
      inString = true;
      out += "''";
      continue;
    }
    if (c === '-' && line[i + 1] === '-') break;
    out += c;
  }
  return out;
}

/**
 * Splits a migration into statements at semicolons outside dollar-quoted bodies (function bodies
 * are one statement). Good enough for the plain DDL the shop's migrations hold.
 */
function statements(text: string): { header: string; statements: Statement[] } {
  const lines = text.split('\n');
  const result: Statement[] = [];
  const headerLines: string[] = [];
  let seenCode = false;
  let raw: string[] = [];
  let code: string[] = [];
  let start = 0;
  let inDollar = false;
  lines.forEach((line, index) => {
    const stripped = stripLine(line);
    if (!seenCode && stripped.trim() === '') {
      headerLines.push(line);
      return;
    }
    seenCode = true;
    if (raw.length === 0) start = index + 1;
    raw.push(line);
    code.push(stripped);
    const dollars = stripped.match(/\$[A-Za-z_]*\$/g)?.length ?? 0;
    if (dollars % 2 === 1) inDollar = !inDollar;
    if (!inDollar && stripped.trimEnd().endsWith(';')) {
      result.push({ line: start, raw: raw.join('\n'), code: code.join(' ').replace(/\s+/g, ' ').trim() });
      raw = [];
      code = [];
    }
  });
  if (code.join('').trim() !== '') result.push({ line: start, raw: raw.join('\n'), code: code.join(' ').replace(/\s+/g, ' ').trim() });
  return { header: headerLines.join('\n'), statements: result };
}

/** The contract steps in one migration that carry no marker. An empty list: the file is expand-only or flagged. */
export function findUnflaggedContractSteps(file: string, text: string): ContractFinding[] {
  const { header, statements: found } = statements(text);
  if (contractMarker.test(header)) return [];
  const findings: ContractFinding[] = [];
  for (const statement of found) {
    if (contractMarker.test(statement.raw)) continue;
    // A function or trigger body is the running code's business, not a schema change.
    const code = statement.code.replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, '$$$$');
    const hit = contractPatterns.find(({ pattern }) => pattern.test(code));
    if (hit) findings.push({ file, line: statement.line, statement: statement.code.slice(0, 120), what: hit.what });
  }
  return findings;
}
