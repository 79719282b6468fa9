import { writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { DiagnosisReport, MemoryMapBreakdown, SourceLocation } from './DiagnosisReport';

/** Shown wherever snapshots or reports are saved or shared. */
export const SNAPSHOT_SECRETS_WARNING =
  'Heap snapshots and profiles contain the program\'s memory: strings, tokens, passwords and personal data it held. Do not share them, or commit them, without checking.';

/** Renders a source location as file:line:column. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** Renders bytes as B, KiB, MiB or GiB (signed). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const b = Math.abs(bytes);
  if (b < 1024) return `${sign}${Math.round(b)} B`;
  if (b < 1048576) return `${sign}${(b / 1024).toFixed(1)} KiB`;
  if (b < 1024 ** 3) return `${sign}${(b / 1048576).toFixed(1)} MiB`;
  return `${sign}${(b / 1024 ** 3).toFixed(2)} GiB`;
}

/** Options of the Markdown rendering. */
export interface MarkdownOptions {
  /** Turns a location into a link target; plain text without it. */
  readonly linkFor?: (location: SourceLocation) => string | undefined;
}

/**
 * Links to source locations from a Markdown file in `folder`: a path relative to that folder with a
 * `#L<line>,<column>` fragment, which VS Code's Markdown preview opens at the line and column (and
 * GitHub at the line). Relative, because Markdown renderers (markdown-it, so VS Code's preview) refuse
 * `file:` links, and an absolute path means "from the workspace root" to the preview. No link when
 * the source is not an absolute path (`node:internal/...`) or is on another drive (Windows).
 */
export function relativeSourceLinks(folder: string): (location: SourceLocation) => string | undefined {
  return (location) => {
    if (!isAbsolute(location.file)) return undefined;
    const path = relative(folder, location.file);
    if (isAbsolute(path)) return undefined;
    const target = path.split(sep).map(encodeURIComponent).join('/');
    return `${target}#L${location.line},${location.column}`;
  };
}

/** The report as Markdown: verdict first, then the evidence, then files and the secrets warning. VS Code-free. */
export function renderDiagnosisMarkdown(report: DiagnosisReport, options: MarkdownOptions = {}): string {
  const out: string[] = [];
  const loc = (l: SourceLocation | null | undefined): string => {
    if (!l) return '(unknown)';
    const text = `\`${escapeCode(formatLocation(l))}\``;
    const link = options.linkFor?.(l);
    return link ? `[${text}](${link})` : text;
  };
  const icon = { leak: 'Leak found', 'no-leak': 'No leak found', inconclusive: 'Inconclusive' }[report.verdict.outcome];

  out.push(`# Leak diagnosis: ${escapeText(report.processName)} (PID ${report.pid})`, '');
  out.push(`**${icon}.** ${escapeText(report.verdict.summary)}`, '');
  for (const f of report.verdict.findings) out.push(`- ${escapeText(f)}`);
  if (report.verdict.findings.length) out.push('');
  out.push(
    `_${new Date(report.startedAt).toISOString()}, ${report.observeSeconds} s between snapshots, ` +
      `${report.mode === 'agent' ? 'Node agent: heap snapshots, allocation profile and handles' : 'OS view: resident memory and memory maps'}._`,
    '',
  );

  if (report.detectorVerdicts.length) {
    out.push('## What the leak detector saw', '', '| Signal | State | Rate | Confidence |', '| --- | --- | --- | --- |');
    for (const v of report.detectorVerdicts) {
      const rate = v.kind === 'handles' ? `${v.rate.toFixed(2)}/s` : `${formatBytes(v.rate)}/s`;
      out.push(`| ${v.signal} | ${v.state} | ${rate} | ${Math.round(v.confidence * 100)}% |`);
    }
    out.push('');
  }
  if (report.trends.length) {
    out.push('## Trend before the diagnosis', '', '| Series | From | To | Rate | Monotonic | Samples |', '| --- | --- | --- | --- | --- | --- |');
    for (const t of report.trends) {
      const bytes = t.series !== 'activeHandles';
      const v = (x: number) => (bytes ? formatBytes(x) : String(Math.round(x)));
      out.push(`| ${t.series} | ${v(t.first)} | ${v(t.last)} | ${bytes ? `${formatBytes(t.ratePerSecond)}/s` : `${t.ratePerSecond.toFixed(2)}/s`} | ${t.monotonicity.toFixed(2)} | ${t.samples} over ${Math.round(t.seconds)} s |`);
    }
    out.push('');
  }

  const diff = report.heapDiff;
  if (diff) {
    out.push('## Objects allocated during the diagnosis and still alive', '');
    out.push(
      `${diff.survivorCount.toLocaleString('en-US')} objects (${formatBytes(diff.survivorSelfBytes)}) of the classes that grew, allocated between the baseline and target snapshots, were still alive in the final one ` +
        `(${diff.baselineNodes.toLocaleString('en-US')} → ${diff.targetNodes.toLocaleString('en-US')} → ${diff.finalNodes.toLocaleString('en-US')} heap objects; analysed in ${(diff.analysisMs / 1000).toFixed(1)} s).`,
      '',
    );
    const shown = diff.groups.slice(0, 15);
    if (shown.length) {
      out.push('| Constructor | Survivors | Self | Retained | Count at the 3 snapshots | Suspect |', '| --- | --- | --- | --- | --- | --- |');
      for (const g of shown) {
        out.push(`| \`${escapeCode(g.name)}\`${g.internal ? ' (engine)' : ''} | ${g.count.toLocaleString('en-US')} | ${formatBytes(g.selfBytes)} | ${formatBytes(g.retainedBytes)} | ${g.countInBaseline} → ${g.countInTarget} → ${g.countInFinal} | ${g.suspect ? '**yes**' : ''} |`);
      }
      out.push('');
      for (const g of shown.filter((x) => x.retainerPaths.length)) {
        out.push(`Retained ${escapeText(g.name)} (shortest paths from a GC root):`, '');
        for (const p of g.retainerPaths) {
          out.push(`- ${p.nodes.map((n, i) => `\`${escapeCode(n.name)}\`${i < p.nodes.length - 1 && n.edge ? ` _${n.edge}_` : ''}`).join(' → ')}`);
        }
        out.push('');
      }
    }
  }

  if (report.memoryGrowth.length) {
    out.push('## Memory at the three snapshots', '', '| Memory | Baseline | Target | Final | Rate | Growing |', '| --- | --- | --- | --- | --- | --- |');
    for (const g of report.memoryGrowth) {
      out.push(`| ${g.what} | ${formatBytes(g.baselineBytes)} | ${formatBytes(g.targetBytes)} | ${formatBytes(g.finalBytes)} | ${formatBytes(g.ratePerSecond)}/s | ${g.growing ? '**yes**' : ''} |`);
    }
    out.push('', '_external and arrayBuffers (Buffers, typed arrays, native memory) are outside the JS heap: snapshots show only their small JS wrappers._', '');
  }

  const alloc = report.allocations;
  if (alloc) {
    out.push('## Where the memory still alive was allocated', '');
    out.push(`Sampling heap profile over the first window (one sample per ${formatBytes(alloc.intervalBytes)}, ${formatBytes(alloc.totalSampledBytes)} sampled and still alive at its end). Locations are the allocating functions' definitions, source-mapped where a map exists.`, '');
    if (alloc.sites.length) {
      out.push('| Function | Location | Share | Bytes | Code |', '| --- | --- | --- | --- | --- |');
      for (const s of alloc.sites.slice(0, 15)) {
        out.push(`| \`${escapeCode(s.functionName)}\` | ${loc(s.location)} | ${Math.round(s.share * 100)}% | ${formatBytes(s.bytes)} | ${s.origin} |`);
      }
      out.push('');
    }
  }

  const handles = report.handles;
  if (handles) {
    out.push('## Handles and timers', '');
    const types = new Set([...Object.keys(handles.countsBefore), ...Object.keys(handles.countsAfter)]);
    if (types.size) {
      out.push('| Type | Before | After | Growing |', '| --- | --- | --- | --- |');
      for (const t of [...types].sort()) out.push(`| ${escapeText(t)} | ${handles.countsBefore[t] ?? 0} | ${handles.countsAfter[t] ?? 0} | ${handles.growingTypes.includes(t) ? '**yes**' : ''} |`);
      out.push('');
    }
    if (handles.groups.length) {
      out.push('Live handles and timers by creation site:', '');
      for (const h of handles.groups.slice(0, 20)) {
        const timer = h.timerDelayMs !== undefined ? `, ${h.timerRepeats ? 'every' : 'after'} ${h.timerDelayMs} ms` : '';
        const ref = h.hasRef === true ? 'ref\'d (keeps the process alive)' : h.hasRef === false ? 'unref\'d' : 'ref state unknown';
        out.push(`- ${h.count} × ${escapeText(h.type)}${timer}, ${ref}, created at ${loc(h.createdAt)}${h.createdIn ? ` in \`${escapeCode(h.createdIn)}\`` : ''}`);
      }
      out.push('');
    }
    const untracked = Object.entries(handles.untracked);
    if (untracked.length) out.push(`Created before tracking began (no stack): ${untracked.map(([t, c]) => `${c} × ${escapeText(t)}`).join(', ')}.`, '');
    if (handles.note) out.push(`_${escapeText(handles.note)}_`, '');
  }

  const os = report.osMemory;
  if (os && (os.rss || os.before || os.unavailableReason)) {
    out.push('## Resident memory', '');
    if (os.rss) out.push(`RSS ${formatBytes(os.rss.first)} → ${formatBytes(os.rss.last)} over ${Math.round(os.rss.seconds)} s (${formatBytes(os.rss.ratePerSecond)}/s, monotonicity ${os.rss.monotonicity.toFixed(2)}).`, '');
    if (os.before) {
      const rows: Array<[string, keyof MemoryMapBreakdown]> = [
        ['Anonymous (mmap arenas, runtime heaps)', 'anonymousBytes'],
        ['brk heap ([heap])', 'brkHeapBytes'],
        ['Mapped files', 'fileBackedBytes'],
        ['Shared memory', 'shmemBytes'],
        ['Stacks', 'stackBytes'],
        ['Swap', 'swapBytes'],
        ['Total RSS', 'rssBytes'],
      ];
      out.push('| Kind | Start | End | Change |', '| --- | --- | --- | --- |');
      for (const [label, key] of rows) {
        const a = os.before[key];
        const b = os.after?.[key];
        out.push(`| ${label} | ${formatBytes(a)} | ${b === undefined ? '' : formatBytes(b)} | ${b === undefined ? '' : formatBytes(b - a)} |`);
      }
      out.push('');
    }
    if (os.unavailableReason) out.push(`_No memory-map breakdown: ${escapeText(os.unavailableReason)}._`, '');
  }

  if (report.advice.length) {
    out.push('## Next steps', '');
    for (const a of report.advice) out.push(`- ${escapeText(a)}`);
    out.push('');
  }
  if (report.problems.length) {
    out.push('## Problems', '');
    for (const p of report.problems) out.push(`- ${escapeText(p)}`);
    out.push('');
  }
  if (report.cost) out.push('## Cost', '', `${escapeText(report.cost.summary)} Estimated from ${escapeText(report.cost.assumption)}`, '');
  if (report.files.length) {
    out.push('## Files', '');
    for (const f of report.files) out.push(`- ${f.kind}: \`${escapeCode(f.path)}\` (${formatBytes(f.bytes)})`);
    out.push('', `> **Warning:** ${SNAPSHOT_SECRETS_WARNING}`, '');
  }
  return out.join('\n');
}

/** The report as pretty JSON. */
export function renderDiagnosisJson(report: DiagnosisReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Writes report.md and report.json into folder (mode 0600: they name files and code of the program);
 * returns their paths. Source locations link relative to the folder, so they open in an editor.
 */
export function writeDiagnosisReport(report: DiagnosisReport, folder: string): { markdown: string; json: string } {
  const markdown = join(folder, 'report.md');
  const json = join(folder, 'report.json');
  writeFileSync(markdown, renderDiagnosisMarkdown(report, { linkFor: relativeSourceLinks(folder) }), { mode: 0o600 });
  writeFileSync(json, renderDiagnosisJson(report), { mode: 0o600 });
  return { markdown, json };
}

/** Escapes Markdown's inline syntax in plain text (names, summaries, file names). */
export function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

function escapeCode(text: string): string {
  return text.replace(/`/g, "'").replace(/\|/g, '\\|');
}
