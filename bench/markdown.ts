/** Markdown helpers of the benchmark report. */

/** A Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export const ms = (v: number): string => `${v.toFixed(0)} ms`;
export const seconds = (v: number): string => `${(v / 1000).toFixed(2)} s`;
