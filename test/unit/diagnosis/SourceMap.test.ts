import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { SourceMap, decodeDataUrl, findSourceMappingUrl } from '../../../src/monitor/diagnosis/SourceMap';
import { SourceMapResolver, toPath } from '../../../src/monitor/diagnosis/SourceMapResolver';

const TS_SOURCE = [
  'interface Entry { readonly id: number; readonly body: string }',
  '// a comment that has no code',
  'const cache: Entry[] = [];',
  'export function remember(id: number): void {',
  '  cache.push({ id, body: `entry ${id}` });',
  '}',
  'export function forget(): void {',
  '  cache.length = 0;',
  '}',
  '',
].join('\n');

/** 1-based line and column of the first occurrence of needle in text. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `${needle} not in ${text}`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

describe('SourceMap', () => {
  it('decodes a hand-written map: segments, line resets, negative deltas and names', () => {
    // Line 1: col 0 -> a.js 1:1; col 5 -> b.js 3:3 named "x". Line 2: col 2 -> a.js 1:1 (negative deltas).
    const map = new SourceMap({ version: 3, sources: ['a.js', 'b.js'], names: ['x'], mappings: 'AAAA,KCEEA;EDFFA' }, 'file:///project/out/bundle.js.map');
    assert.deepEqual(map.originalPositionFor(1, 1), { source: 'file:///project/out/a.js', line: 1, column: 1 });
    assert.deepEqual(map.originalPositionFor(1, 6), { source: 'file:///project/out/b.js', line: 3, column: 3, name: 'x' });
    assert.deepEqual(map.originalPositionFor(1, 40), { source: 'file:///project/out/b.js', line: 3, column: 3, name: 'x' });
    assert.deepEqual(map.originalPositionFor(2, 3), { source: 'file:///project/out/a.js', line: 1, column: 1, name: 'x' });
    assert.equal(map.originalPositionFor(3, 1), null);
  });

  it('maps esbuild output back to the TypeScript lines it came from', () => {
    const result = transformSync(TS_SOURCE, { loader: 'ts', sourcemap: 'external', sourcefile: 'cache.ts', format: 'cjs' });
    const map = new SourceMap(JSON.parse(result.map), 'file:///src/cache.js.map');
    for (const [generatedNeedle, originalNeedle] of [
      ['function remember', 'function remember'],
      ['cache.push', 'cache.push'],
      ['function forget', 'function forget'],
      ['cache.length = 0', 'cache.length = 0'],
    ]) {
      const generated = positionOf(result.code, generatedNeedle);
      const original = map.originalPositionFor(generated.line, generated.column);
      assert.ok(original, generatedNeedle);
      assert.equal(original.source, 'file:///src/cache.ts');
      assert.equal(original.line, positionOf(TS_SOURCE, originalNeedle).line, generatedNeedle);
    }
  });

  it('reads index maps section by section', () => {
    const inner = { version: 3, sources: ['inner.ts'], names: [], mappings: 'AAAA;AACA' };
    const map = new SourceMap({ version: 3, sections: [{ offset: { line: 0, column: 0 }, map: inner }, { offset: { line: 10, column: 0 }, map: { ...inner, sources: ['other.ts'] } }] }, 'file:///x/y.map');
    assert.equal(map.originalPositionFor(2, 1)?.source, 'file:///x/inner.ts');
    assert.deepEqual(map.originalPositionFor(12, 1), { source: 'file:///x/other.ts', line: 2, column: 1 });
  });

  it('refuses malformed mappings and other versions', () => {
    assert.throws(() => new SourceMap({ version: 3, sources: ['a'], mappings: 'AA!A' }));
    assert.throws(() => new SourceMap({ version: 2, sources: ['a'], mappings: '' }));
  });

  const urlCases: ReadonlyArray<[string, string | undefined]> = [
    ['x();\n//# sourceMappingURL=x.js.map\n', 'x.js.map'],
    ['x();\n//@ sourceMappingURL=old.map', 'old.map'],
    ['x();\n/*# sourceMappingURL=css.map */', 'css.map'],
    ['//# sourceMappingURL=first.map\nx();\n//# sourceMappingURL=last.map', 'last.map'],
    ['x(); // no map here', undefined],
  ];
  for (const [script, expected] of urlCases) {
    it(`finds the sourceMappingURL in ${JSON.stringify(script)}`, () => assert.equal(findSourceMappingUrl(script), expected));
  }

  it('decodes base64 and percent-encoded data URLs', () => {
    assert.equal(decodeDataUrl(`data:application/json;charset=utf-8;base64,${Buffer.from('{"a":1}').toString('base64')}`), '{"a":1}');
    assert.equal(decodeDataUrl('data:application/json,%7B%22a%22%3A1%7D'), '{"a":1}');
    assert.equal(decodeDataUrl('x.map'), undefined);
  });
});

describe('SourceMapResolver', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pv-sourcemap-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('follows inline maps and linked map files, and leaves unmapped scripts alone', () => {
    const inline = transformSync(TS_SOURCE, { loader: 'ts', sourcemap: 'inline', sourcefile: 'inline.ts', format: 'cjs' });
    writeFileSync(join(dir, 'inline.js'), inline.code);
    const linked = transformSync(TS_SOURCE, { loader: 'ts', sourcemap: 'external', sourcefile: 'linked.ts', format: 'cjs' });
    writeFileSync(join(dir, 'linked.js'), `${linked.code}//# sourceMappingURL=linked.js.map\n`);
    writeFileSync(join(dir, 'linked.js.map'), linked.map);
    writeFileSync(join(dir, 'plain.js'), 'function remember() {}\n');
    const resolver = new SourceMapResolver();
    const expectedLine = positionOf(TS_SOURCE, 'cache.push').line;

    const atInline = positionOf(inline.code, 'cache.push');
    const fromInline = resolver.resolve(join(dir, 'inline.js'), atInline.line, atInline.column);
    assert.deepEqual({ file: fromInline.location.file, line: fromInline.location.line }, { file: join(dir, 'inline.ts'), line: expectedLine });
    assert.deepEqual(fromInline.generated, { file: join(dir, 'inline.js'), ...atInline });

    const atLinked = positionOf(linked.code, 'cache.push');
    const fromLinked = resolver.resolve(pathToFileURL(join(dir, 'linked.js')).href, atLinked.line, atLinked.column);
    assert.deepEqual({ file: fromLinked.location.file, line: fromLinked.location.line }, { file: join(dir, 'linked.ts'), line: expectedLine });

    assert.deepEqual(resolver.resolve(join(dir, 'plain.js'), 1, 1), { location: { file: join(dir, 'plain.js'), line: 1, column: 1 } });
    assert.deepEqual(resolver.resolve('node:internal/timers', 5, 3), { location: { file: 'node:internal/timers', line: 5, column: 3 } });
    assert.deepEqual(resolver.resolve(join(dir, 'missing.js'), 2, 1), { location: { file: join(dir, 'missing.js'), line: 2, column: 1 } });
  });

  it('turns file URLs into paths and leaves other URLs alone', () => {
    assert.equal(toPath('file:///a/b%20c.js'), '/a/b c.js');
    assert.equal(toPath('/a/b.js'), '/a/b.js');
    assert.equal(toPath('node:fs'), undefined);
    assert.equal(toPath('webpack:///src/x.ts'), undefined);
  });
});
