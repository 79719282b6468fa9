/**
 * The events the dashboard draws on its charts: alerts firing, leak onsets and major GCs. Pure (no
 * vscode import): the controller feeds it the agents' reports and the alerts as they happen, so a
 * dashboard opened later still shows the markers of the history it hydrates; each panel turns the
 * current markers into small upsert/remove messages with MarkerDeltaBuilder.
 */
import type { AgentReport } from '../../agent/agentProtocol';
import type { Alert } from '../../monitor/alerts/AlertEngine';
import type { LeakVerdict } from '../../monitor/leaks/LeakVerdict';
import { PROTOCOL_LIMITS, type ChartMarker } from '../../webview/protocol';
import { formatBytes } from '../format';

/**
 * Major-GC markers kept per process thread. A busy server can collect every few seconds; 200 covers
 * 15 minutes of that, and the charts are unreadable with more anyway.
 */
export const MAJOR_GC_MARKERS_PER_THREAD = 200;
/** Alert markers kept (alerts are rare: cooldown and dedup hold them to a few per process). */
export const ALERT_MARKERS = 500;

/** What a marker is drawn from, for an alert. */
export type AlertForMarker = Pick<Alert, 'id' | 'processKey' | 'pid' | 'processName' | 'rule' | 'severity' | 'message' | 'firedAt'>;

/** What the log needs of an agent report: its time, cumulative GC counts, and whether they include estimates. */
export type ReportForMarker = Pick<AgentReport, 'time' | 'gc' | 'gcSampling'>;

/** The leak verdicts of a process (the LeakWatch). */
export type VerdictsOf = (processKey: string) => readonly Pick<LeakVerdict, 'kind' | 'state' | 'rate' | 'confidence' | 'onsetTime'>[];

interface ThreadGc {
  /** The major-GC count of the newest report. */
  count: number;
  readonly markers: ChartMarker[];
}

/** Remembers the markers of the watched processes, bounded in count. */
export class ChartMarkerLog {
  /** processKey -> threadId -> major GCs seen. */
  private readonly gc = new Map<string, Map<number, ThreadGc>>();
  /** By alert id, oldest first. */
  private readonly alerts = new Map<string, ChartMarker>();

  /**
   * Notes an agent report: a major-GC count higher than the previous report's is a marker at the
   * report's time (reports are a second apart; several GCs in one interval make one marker). The
   * first report of a thread only sets the baseline: when its earlier GCs happened is unknown.
   */
  observeAgentReport(processKey: string, threadId: number, report: ReportForMarker): ChartMarker | undefined {
    let threads = this.gc.get(processKey);
    if (!threads) this.gc.set(processKey, (threads = new Map()));
    const count = report.gc.major.count;
    const thread = threads.get(threadId);
    if (!thread) {
      threads.set(threadId, { count, markers: [] });
      return undefined;
    }
    const previous = thread.count;
    thread.count = count;
    // A lower count is a restarted agent (or thread): a new baseline, not an event.
    if (count <= previous) return undefined;
    const collections = count - previous;
    const where = threadId === 0 ? '' : ` (worker ${threadId})`;
    // A sampled process's major GCs are still detected one by one, but the pause of those not observed is the mean observed one.
    const pause = `${report.gc.major.pauseMs.toFixed(0)} ms paused in major GCs so far${report.gcSampling ? ' (estimated: GCs are sampled)' : ''}`;
    const marker: ChartMarker = {
      id: `gc:${processKey}:${threadId}:${count}`,
      time: report.time,
      kind: 'majorGc',
      processKey,
      label: `${collections === 1 ? 'Major GC' : `${collections} major GCs`}${where}, ${pause}`,
    };
    thread.markers.push(marker);
    if (thread.markers.length > MAJOR_GC_MARKERS_PER_THREAD) thread.markers.splice(0, thread.markers.length - MAJOR_GC_MARKERS_PER_THREAD);
    return marker;
  }

  /** Notes the open alerts: each alert is a marker at the time it fired, kept after it resolves. */
  observeAlerts(alerts: readonly AlertForMarker[]): void {
    for (const alert of alerts) {
      if (this.alerts.has(alert.id) || !Number.isFinite(alert.firedAt)) continue;
      this.alerts.set(alert.id, {
        id: `alert:${alert.id}`,
        time: alert.firedAt,
        kind: 'alert',
        processKey: alert.processKey,
        label: `${alert.severity === 'error' ? 'Error' : alert.severity === 'warning' ? 'Warning' : 'Info'} alert ${alert.rule}: ${alert.processName} (${alert.pid}) ${alert.message}`.slice(0, 500),
      });
    }
    for (const id of this.alerts.keys()) {
      if (this.alerts.size <= ALERT_MARKERS) break;
      this.alerts.delete(id);
    }
  }

  /** Forgets processes that are no longer watched (their markers leave the charts with their rows). */
  retainProcesses(processKeys: ReadonlySet<string>): void {
    for (const key of this.gc.keys()) if (!processKeys.has(key)) this.gc.delete(key);
    for (const [id, marker] of this.alerts) if (marker.processKey !== null && !processKeys.has(marker.processKey)) this.alerts.delete(id);
  }

  /**
   * The markers of these processes at or after `fromTime`, oldest first, at most
   * PROTOCOL_LIMITS.markers (the newest). Leak onsets come from the current verdicts: an onset
   * estimate moves as evidence accumulates, and a verdict that is no longer a leak has none.
   */
  markers(processKeys: Iterable<string>, fromTime: number, verdictsOf?: VerdictsOf): ChartMarker[] {
    const keys = new Set(processKeys);
    const out: ChartMarker[] = [];
    for (const key of keys) {
      for (const thread of this.gc.get(key)?.values() ?? []) for (const m of thread.markers) if (m.time >= fromTime) out.push(m);
      for (const verdict of verdictsOf?.(key) ?? []) {
        if (verdict.state !== 'leak' || verdict.onsetTime === undefined || verdict.onsetTime < fromTime) continue;
        const rate = verdict.kind === 'handles' ? `${verdict.rate.toFixed(2)} handles/s` : `${formatBytes(verdict.rate)}/s`;
        out.push({
          id: `leak:${key}:${verdict.kind}`,
          time: verdict.onsetTime,
          kind: 'leakOnset',
          processKey: key,
          label: `${verdict.kind} leak starts (about): ${rate}, confidence ${Math.round(verdict.confidence * 100)}%`,
        });
      }
    }
    for (const m of this.alerts.values()) if (m.time >= fromTime && (m.processKey === null || keys.has(m.processKey))) out.push(m);
    out.sort((a, b) => a.time - b.time);
    return out.length > PROTOCOL_LIMITS.markers ? out.slice(out.length - PROTOCOL_LIMITS.markers) : out;
  }
}

/** A markers message's content: what to add or move, and what to take away. */
export interface MarkerDelta {
  readonly markers: readonly ChartMarker[];
  readonly removed: readonly string[];
}

/**
 * Tracks which markers one page has, so each update carries only new and moved markers and the ids
 * of ones that went away. Markers that fall out of the time range are forgotten without a message:
 * the page trims them itself.
 */
export class MarkerDeltaBuilder {
  private sent = new Map<string, ChartMarker>();

  /** Starts over from the markers a hydration gave the page. */
  reset(markers: readonly ChartMarker[]): void {
    this.sent = new Map(markers.map((m) => [m.id, m]));
  }

  /** The change from what the page has to `current` (markers at or after fromTime); undefined when none. */
  build(current: readonly ChartMarker[], fromTime: number): MarkerDelta | undefined {
    const markers: ChartMarker[] = [];
    const present = new Set<string>();
    // Runs every tick over up to PROTOCOL_LIMITS.markers markers: compared field by field (the
    // log hands out the same objects for unchanged GC and alert markers), not serialized.
    for (const marker of current) {
      present.add(marker.id);
      const sent = this.sent.get(marker.id);
      if (sent && (sent === marker || (sent.time === marker.time && sent.label === marker.label && sent.kind === marker.kind && sent.processKey === marker.processKey))) continue;
      this.sent.set(marker.id, marker);
      markers.push(marker);
    }
    const removed: string[] = [];
    for (const [id, { time }] of this.sent) {
      if (present.has(id)) continue;
      this.sent.delete(id);
      if (time >= fromTime) removed.push(id);
    }
    return markers.length || removed.length ? { markers, removed } : undefined;
  }
}

