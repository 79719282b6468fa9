import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceLocation } from './DiagnosisReport';
import { SourceMap, decodeDataUrl, findSourceMappingUrl, type RawSourceMap } from './SourceMap';

/** Scripts larger than this are not searched for a source map (and their maps not read). */
const MAX_SCRIPT_BYTES = 32 * 1024 * 1024;

/** A generated location and, when a source map knew better, where it came from. */
export interface MappedLocation {
  readonly location: SourceLocation;
  /** Set when a source map moved the location. */
  readonly generated?: SourceLocation;
  readonly name?: string;
}

/**
 * Maps script locations (as profiles and stacks report them: file paths or file:// URLs) back to
 * original sources through each script's sourceMappingURL (inline data URL or a file beside it).
 * Each script is read at most once; synchronous on purpose, it runs in the analysis worker.
 */
export class SourceMapResolver {
  private readonly maps = new Map<string, SourceMap | null>();

  /** The original location of file:line:column (1-based), or the location itself when there is no map. */
  resolve(file: string, line: number, column: number): MappedLocation {
    const path = toPath(file);
    const generated: SourceLocation = { file: path ?? file, line, column };
    if (!path) return { location: generated };
    const map = this.mapOf(path);
    if (!map) return { location: generated };
    const original = map.originalPositionFor(line, column);
    if (!original) return { location: generated };
    return { location: { file: toPath(original.source) ?? original.source, line: original.line, column: original.column }, generated, ...(original.name ? { name: original.name } : {}) };
  }

  private mapOf(path: string): SourceMap | null {
    const cached = this.maps.get(path);
    if (cached !== undefined) return cached;
    let map: SourceMap | null = null;
    try {
      if (statSync(path).size <= MAX_SCRIPT_BYTES) {
        const url = findSourceMappingUrl(readFileSync(path, 'utf8'));
        if (url) {
          const inline = decodeDataUrl(url);
          if (inline !== undefined) {
            map = new SourceMap(JSON.parse(inline) as RawSourceMap, pathToFileURL(path).href);
          } else {
            const mapUrl = new URL(url, pathToFileURL(path));
            if (mapUrl.protocol === 'file:') {
              const mapPath = fileURLToPath(mapUrl);
              if (statSync(mapPath).size <= MAX_SCRIPT_BYTES) map = new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')) as RawSourceMap, mapUrl.href);
            }
          }
        }
      }
    } catch {
      // No map, an unreadable or malformed one: the generated location stands.
      map = null;
    }
    this.maps.set(path, map);
    return map;
  }
}

/** A file path for a file path or file:// URL; undefined for other URLs (node:internal, http:). */
export function toPath(fileOrUrl: string): string | undefined {
  if (fileOrUrl.startsWith('file://')) {
    try {
      return fileURLToPath(fileOrUrl);
    } catch {
      return undefined;
    }
  }
  if (fileOrUrl.startsWith('/') || /^[A-Za-z]:[\\/]/.test(fileOrUrl) || fileOrUrl.startsWith('\\\\')) return fileOrUrl;
  return undefined;
}
