/**
 * A small, dependency-free reader of source maps (version 3): decodes the base64 VLQ `mappings`
 * once into flat typed arrays and answers "where did generated line:column come from". Enough for
 * mapping profile frames back to TypeScript or bundled sources; index maps (`sections`) are read
 * section by section.
 */

/** An original position, 1-based line and column, with the original file as the map names it (resolved against the map's location). */
export interface OriginalPosition {
  readonly source: string;
  readonly line: number;
  readonly column: number;
  readonly name?: string;
}

/** The raw JSON of a source map (the fields this reader uses). */
export interface RawSourceMap {
  readonly version: number;
  readonly sources?: readonly (string | null)[];
  readonly sourceRoot?: string;
  readonly names?: readonly string[];
  readonly mappings?: string;
  readonly sections?: ReadonlyArray<{ readonly offset: { readonly line: number; readonly column: number }; readonly map: RawSourceMap }>;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_VALUE[BASE64.charCodeAt(i)] = i;

/** Decodes one mappings string into parallel arrays (one entry per segment with a source), sorted by generated position. */
function decodeMappings(mappings: string): { genLine: Uint32Array; genColumn: Uint32Array; source: Int32Array; line: Uint32Array; column: Uint32Array; name: Int32Array; count: number } {
  // Upper bound of segments: commas + semicolons + 1.
  let capacity = 1;
  for (let i = 0; i < mappings.length; i++) {
    const c = mappings.charCodeAt(i);
    if (c === 44 || c === 59) capacity++;
  }
  const genLine = new Uint32Array(capacity);
  const genColumn = new Uint32Array(capacity);
  const source = new Int32Array(capacity);
  const line = new Uint32Array(capacity);
  const column = new Uint32Array(capacity);
  const name = new Int32Array(capacity);
  let count = 0;
  let generatedLine = 0;
  let generatedColumn = 0;
  let sourceIndex = 0;
  let originalLine = 0;
  let originalColumn = 0;
  let nameIndex = 0;
  const fields = [0, 0, 0, 0, 0];
  let pos = 0;
  const n = mappings.length;
  while (pos < n) {
    const c = mappings.charCodeAt(pos);
    if (c === 59) {
      // ';' ends a generated line; columns restart.
      generatedLine++;
      generatedColumn = 0;
      pos++;
      continue;
    }
    if (c === 44) {
      pos++;
      continue;
    }
    let fieldCount = 0;
    while (pos < n) {
      const ch = mappings.charCodeAt(pos);
      if (ch === 44 || ch === 59) break;
      // One base64 VLQ: 5 bits per digit, continuation bit 32, sign in the lowest bit.
      let value = 0;
      let shift = 0;
      for (;;) {
        const digit = BASE64_VALUE[mappings.charCodeAt(pos++) & 127];
        if (digit === undefined || digit < 0) throw new Error(`invalid base64 VLQ digit at ${pos - 1}`);
        value += (digit & 31) * 2 ** shift;
        shift += 5;
        if ((digit & 32) === 0) break;
        if (pos >= n) throw new Error('truncated base64 VLQ');
      }
      const negative = value % 2 === 1;
      const magnitude = Math.floor(value / 2);
      if (fieldCount < 5) fields[fieldCount] = negative ? -magnitude : magnitude;
      fieldCount++;
    }
    generatedColumn += fields[0];
    if (fieldCount >= 4) {
      sourceIndex += fields[1];
      originalLine += fields[2];
      originalColumn += fields[3];
      genLine[count] = generatedLine;
      genColumn[count] = generatedColumn;
      source[count] = sourceIndex;
      line[count] = originalLine;
      column[count] = originalColumn;
      if (fieldCount >= 5) {
        nameIndex += fields[4];
        name[count] = nameIndex;
      } else {
        name[count] = -1;
      }
      count++;
    }
  }
  return { genLine, genColumn, source, line, column, name, count };
}

/** One decoded source map. */
export class SourceMap {
  private readonly sections: Array<{ line: number; column: number; map: SourceMap }> = [];
  private readonly decoded: ReturnType<typeof decodeMappings> | undefined;
  private readonly sources: string[];
  private readonly names: readonly string[];

  /** Decodes raw; `mapUrl` (the map's own location) resolves relative sources. Throws on a malformed map. */
  constructor(raw: RawSourceMap, mapUrl?: string) {
    if (raw.version !== 3) throw new Error(`unsupported source map version ${String(raw.version)}`);
    this.names = raw.names ?? [];
    if (raw.sections) {
      this.sources = [];
      for (const section of raw.sections) this.sections.push({ line: section.offset.line, column: section.offset.column, map: new SourceMap(section.map, mapUrl) });
      this.decoded = undefined;
      return;
    }
    const root = raw.sourceRoot ? (raw.sourceRoot.endsWith('/') ? raw.sourceRoot : `${raw.sourceRoot}/`) : '';
    this.sources = (raw.sources ?? []).map((s) => resolveSource(`${root}${s ?? ''}`, mapUrl));
    this.decoded = decodeMappings(raw.mappings ?? '');
  }

  /** The original position of a generated one (1-based line and column), or null when unmapped. */
  originalPositionFor(line: number, column: number): OriginalPosition | null {
    const genLine = line - 1;
    const genColumn = column - 1;
    if (this.sections.length) {
      let chosen: { line: number; column: number; map: SourceMap } | undefined;
      for (const section of this.sections) {
        if (section.line < genLine || (section.line === genLine && section.column <= genColumn)) chosen = section;
        else break;
      }
      if (!chosen) return null;
      const relLine = genLine - chosen.line;
      const relColumn = relLine === 0 ? genColumn - chosen.column : genColumn;
      return chosen.map.originalPositionFor(relLine + 1, relColumn + 1);
    }
    const d = this.decoded!;
    // The last segment at or before (genLine, genColumn), on the same generated line.
    let low = 0;
    let high = d.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const cmp = d.genLine[mid] - genLine || d.genColumn[mid] - genColumn;
      if (cmp <= 0) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (found < 0 || d.genLine[found] !== genLine) {
      // A function's start often sits before the first mapping of its line: take the line's first segment.
      const next = found + 1;
      if (next < d.count && d.genLine[next] === genLine) found = next;
      else return null;
    }
    const source = this.sources[d.source[found]];
    if (source === undefined) return null;
    const nameIndex = d.name[found];
    return {
      source,
      line: d.line[found] + 1,
      column: d.column[found] + 1,
      ...(nameIndex >= 0 && this.names[nameIndex] !== undefined ? { name: this.names[nameIndex] } : {}),
    };
  }
}

/** Resolves a map's source entry against the map's URL (file:// URLs and absolute paths both work). */
function resolveSource(source: string, mapUrl: string | undefined): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source)) return source; // already a URL (webpack://, file://)
  if (!mapUrl) return source;
  try {
    return new URL(source, mapUrl).href;
  } catch {
    return source;
  }
}

/** The sourceMappingURL comment of a script (the last one wins), or undefined. */
export function findSourceMappingUrl(scriptText: string): string | undefined {
  // Only the tail is searched: the comment must be at the end, and bundles can be megabytes.
  const tail = scriptText.length > 1_000_000 ? scriptText.slice(-1_000_000) : scriptText;
  const pattern = /(?:\/\/|\/\*)[#@]\s*sourceMappingURL=([^\s'"*]+)\s*(?:\*\/\s*)?$/gm;
  let url: string | undefined;
  for (let m = pattern.exec(tail); m; m = pattern.exec(tail)) url = m[1];
  return url;
}

/** Decodes a `data:application/json;base64,...` (or URL-encoded) source map URL; undefined when it is not a data URL. */
export function decodeDataUrl(url: string): string | undefined {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url);
  if (!m) return undefined;
  return m[2] ? Buffer.from(m[3], 'base64').toString('utf8') : decodeURIComponent(m[3]);
}
