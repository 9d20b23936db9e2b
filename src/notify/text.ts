/** Plain-text helpers shared by the renderers. */

/** SNS accepts 256 KiB per message; the envelope holds the report three times, so keep each part small. */
export const MAX_PART = 60_000;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 40)}\n... (truncated, ${text.length} chars)`;
}

/** SNS subject: under 100 characters, printable ASCII, no newlines. */
export function safeSubject(subject: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = subject.replace(/[\u0000-\u001f\u007f-\uffff]/g, '?').trim();
  return clean.length < 100 ? clean : `${clean.slice(0, 96)}...`;
}

/** Renders rows as an aligned plain-text table (no colour), the first row being the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A target as `key=value` pairs. */
export const describeTarget = (t: Readonly<Record<string, string>>) =>
  Object.entries(t)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
