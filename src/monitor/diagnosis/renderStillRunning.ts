import { basename } from 'node:path';
import type { HandleReport } from '../../agent/agentProtocol';
import type { SourceLocation } from './DiagnosisReport';
import { escapeText } from './renderDiagnosisMarkdown';

/**
 * The answer to "Why is it still running?" as Markdown: the ref'd handles and timers that keep the
 * event loop alive, each with its creation line (a link when `linkFor` gives one), then what was
 * created before tracking began. VS Code-free, so the CLI and tests render the same text.
 */
export function renderStillRunningMarkdown(
  label: string,
  pid: number,
  report: HandleReport,
  linkFor: (location: SourceLocation) => string | undefined,
): string {
  const lines = [`# Why is ${escapeText(label)} (PID ${pid}) still running?`, ''];
  // hasRef null means the agent could not tell: it may keep the loop alive, so it is listed.
  const live = report.handles.filter((h) => h.hasRef !== false);
  const count = live.reduce((n, h) => n + h.count, 0);
  lines.push(count ? `${count} ref'd handle(s) and timer(s) keep the event loop alive:` : 'No tracked handle keeps it alive.', '');
  for (const handle of live) {
    const where = handle.stack[0];
    const text = where ? `${escapeText(basename(where.file))}:${where.line}` : '';
    const link = where ? linkFor(where) : undefined;
    // A handle Node creates a tick after the call (a server listening on a host name) has only Node's frames.
    const place = where ? `created at ${link ? `[${text}](${link})` : text}` : 'created inside Node (no frame of the program in its creation stack)';
    const timer = handle.timerDelayMs !== undefined ? ` (${handle.timerRepeats ? 'every' : 'after'} ${handle.timerDelayMs} ms)` : '';
    lines.push(`- ${handle.count} × **${handle.type}**${timer}, ${place}`);
  }
  if (report.truncated) lines.push('', 'The list was cut at the agent\'s size limit.');
  const untracked = Object.entries(report.untracked);
  if (untracked.length) {
    lines.push('', `Created before tracking began, so without a creation line: ${untracked.map(([type, n]) => `${n} ${type}`).join(', ')}.`);
    lines.push('Start the program again from a terminal of this window with `PROCESS_VITALS_AGENT_TRACK_HANDLES=1` set to see where every handle comes from.');
  }
  return `${lines.join('\n')}\n`;
}

