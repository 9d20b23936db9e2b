import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/**
 * The layout's rules, checked on the tree itself: src/ holds only what runs in Lambda, the harness cannot be
 * imported from it (the Biome rule of biome.json, fed a violating import here), no function of src/ is longer
 * than one screen, and no block of lines is written twice in src/.
 */

const repo = resolve(__dirname, '../../..');
const src = join(repo, 'src');

/** Every .ts file under a directory. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Runs Biome's linter on one file written under `dir`, then removes it. */
function lintProbe(dir: string, source: string): { status: number | null; output: string } {
  const file = join(dir, `zz-lint-probe-${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    const r = spawnSync(join(repo, 'node_modules/.bin/biome'), ['lint', relative(repo, file)], {
      cwd: repo,
      encoding: 'utf8',
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(file, { force: true });
  }
}

describe('Layout: src/ holds only what runs in Lambda', () => {
  it('has only runtime areas and shared runtime modules at its top', () => {
    expect(readdirSync(src).sort()).toEqual(
      [
        'accounts',
        'clients.ts',
        'config.ts',
        'departures',
        'engine',
        'errors.ts',
        'follow-up',
        'identity-center',
        'logger.ts',
        'metrics.ts',
        'middleware.ts',
        'notify',
        'operator',
        'runtime.ts',
        'sweep',
        'util',
        'webhooks',
      ].sort(),
    );
  });

  it.each([
    [
      'src/engine',
      "import { startMoto } from '../../tools/local/moto';\n\nexport const probe = startMoto;\n",
    ],
    ['handlers', "import { signEvent } from '../tools/testing/sign';\n\nexport const probe = signEvent;\n"],
  ])('fails the lint of an import of tools/ from %s', (dir, source) => {
    const r = lintProbe(join(repo, dir), source);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('noRestrictedImports');
  });

  it('fails the lint of an import of engine internals from another area', () => {
    const r = lintProbe(
      join(src, 'sweep'),
      "import { runRevocation } from '../engine/revoke';\n\nexport const probe = runRevocation;\n",
    );
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('one entry point');
  });

  it('passes the lint of an import of the engine entry point (the probe itself is sound)', () => {
    const r = lintProbe(
      join(src, 'sweep'),
      "import { runRevocation } from '../engine';\n\nexport const probe = runRevocation;\n",
    );
    expect(r.output).not.toContain('noRestrictedImports');
    expect(r.status).toBe(0);
  });
});

/** Each function of a file, with its length in lines (declarations, methods, arrows, function expressions). */
function functionLengths(file: string): { name: string; lines: number }[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = node as ts.Node & { name?: ts.Node };
      const name = named.name ? named.name.getText(sf) : `(anonymous at line ${start + 1})`;
      out.push({ name: `${relative(repo, file)}:${start + 1} ${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('Layout: functions read in one screen', () => {
  it('has no function in src/ longer than 80 lines', () => {
    const long = tsFiles(src)
      .flatMap(functionLengths)
      .filter((f) => f.lines > 80)
      .map((f) => `${f.name} (${f.lines} lines)`);
    expect(long).toEqual([]);
  });

  it('measures a long function as long (the check is sound)', () => {
    const probe = join(repo, '.tmp', `long-function-${process.pid}.ts`);
    require('node:fs').mkdirSync(join(repo, '.tmp'), { recursive: true });
    writeFileSync(probe, `export function long() {\n${'  void 0;\n'.repeat(85)}}\n`);
    try {
      expect(functionLengths(probe)[0]?.lines).toBe(87);
    } finally {
      rmSync(probe, { force: true });
    }
  });
});

/** Windows of `size` consecutive significant lines (trimmed, not blank, not comment-only) that occur twice. */
function repeatedBlocks(files: readonly string[], size: number): string[] {
  const seen = new Map<string, string>();
  const repeats: string[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .map((l, i) => ({ text: l.trim(), at: i + 1 }))
      .filter((l) => l.text && !/^(\/\/|\/\*\*?|\*|import |} from |export \{|export type \{)/.test(l.text));
    for (let i = 0; i + size <= lines.length; i++) {
      const block = lines.slice(i, i + size);
      // Runs of closing brackets and one-word lines are formatting, not logic.
      if (block.filter((l) => l.text.length > 3).length < size / 2) continue;
      const key = block.map((l) => l.text).join('\n');
      const where = `${relative(repo, file)}:${block[0]?.at}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, where);
      else if (first.split(':')[0] !== where.split(':')[0] || first !== where)
        repeats.push(`${where} repeats ${first}`);
    }
  }
  return repeats;
}

describe('Layout: one of each', () => {
  it('repeats no block of ten or more lines within src/', () => {
    expect(repeatedBlocks(tsFiles(src), 10)).toEqual([]);
  });

  it('finds a repeated block (the check is sound)', () => {
    const block = Array.from({ length: 10 }, (_, i) => `const value${i} = compute(${i}, 'x');`).join('\n');
    const probe = join(repo, '.tmp', `repeat-${process.pid}.ts`);
    require('node:fs').mkdirSync(join(repo, '.tmp'), { recursive: true });
    writeFileSync(probe, `${block}\n\n${block}\n`);
    try {
      expect(repeatedBlocks([probe], 10)).toHaveLength(1);
    } finally {
      rmSync(probe, { force: true });
    }
  });
});
