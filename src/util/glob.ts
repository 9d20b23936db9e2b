/** Matches `value` against a glob where `*` is any run of characters and `?` one character. Case-sensitive. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()|{}[\]]/g, '\\$&')))
      .join('')}$`,
    's',
  );
  return re.test(value);
}
