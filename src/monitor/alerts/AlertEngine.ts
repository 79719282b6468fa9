import { Emitter, type Disposable } from '../events';
import {
  ALERT_RULE_IDS,
  DEFAULT_THRESHOLDS,
  readRule,
  type AlertRuleId,
  type AlertSeverity,
  type AlertThresholds,
  type ProcessObservation,
} from './AlertRules';

/** Where an alert is in its life. */
export type AlertState = 'firing' | 'acknowledged' | 'resolved';

/** One alert: one rule on one process, from firing until resolved. */
export interface Alert {
  /** Unique for the engine's lifetime. */
  readonly id: string;
  /** pid@startTime + rule: the dedup key, stable across window reloads while the process lives. */
  readonly key: string;
  readonly processKey: string;
  readonly pid: number;
  readonly processName: string;
  readonly rule: AlertRuleId;
  readonly state: AlertState;
  readonly severity: AlertSeverity;
  readonly message: string;
  readonly value: number;
  readonly threshold: number;
  /** The worst value seen while open. */
  readonly peakValue: number;
  /** ms since the epoch. */
  readonly firedAt: number;
  readonly changedAt: number;
  readonly resolvedAt?: number;
  /** How many times it escalated (worsened or persisted). */
  readonly escalations: number;
}

/** What happened to an alert. */
export type AlertChange = 'fired' | 'escalated' | 'acknowledged' | 'resolved';

/** An alert and what just happened to it. */
export interface AlertChangeEvent {
  readonly change: AlertChange;
  readonly alert: Alert;
}

/** Timing of the lifecycle, in seconds. */
export interface AlertTiming {
  /** A condition must hold this long before it fires (and be clear this long before it resolves). */
  readonly sustainSeconds: number;
  /** After an alert resolved, the same rule on the same process stays quiet this long. */
  readonly cooldownSeconds: number;
  /** An open alert escalates once after this long, and again each time its value worsens by ESCALATION_FACTOR. */
  readonly escalateAfterSeconds: number;
}

/** Defaults: half a minute to fire or resolve, five minutes of quiet after a resolve, ten before escalating. */
export const DEFAULT_TIMING: AlertTiming = { sustainSeconds: 30, cooldownSeconds: 300, escalateAfterSeconds: 600 };

/** A value this many times the one it fired at counts as worse. */
const ESCALATION_FACTOR = 1.5;
/** Resolved alerts kept for the history. */
const HISTORY_LIMIT = 200;

/** Options of an AlertEngine. */
export interface AlertEngineOptions {
  readonly thresholds?: AlertThresholds;
  readonly timing?: AlertTiming;
  /** Keys (see Alert.key) acknowledged before a reload: an alert with such a key starts acknowledged. */
  readonly acknowledgedKeys?: Iterable<string>;
}

/** Per (process, rule): what the condition has been doing. */
interface ConditionTrack {
  breachedSince?: number;
  clearedSince?: number;
  cooldownUntil?: number;
}

/** An open alert as the engine keeps it: the public fields plus the value escalation compares with. */
type MutableAlert = { -readonly [K in keyof Alert]: Alert[K] } & {
  /** The value at firing or at the last escalation: worse means ESCALATION_FACTOR times this. */
  escalationBase: number;
};

/**
 * Applies the alert rules over time: a condition fires after it held for the sustain period, at most
 * one open alert per process and rule, resolves with hysteresis (clear below 90% of the threshold for
 * the sustain period), then stays quiet for a cooldown; an alert that persists or worsens escalates.
 * Time comes in with each evaluation, so tests drive it with a fake clock.
 */
export class AlertEngine implements Disposable {
  private thresholds: AlertThresholds;
  private timing: AlertTiming;
  private readonly tracks = new Map<string, ConditionTrack>();
  private readonly open = new Map<string, MutableAlert>();
  private readonly history: Alert[] = [];
  private readonly acknowledged: Set<string>;
  private nextId = 1;
  private readonly changeEmitter = new Emitter<AlertChangeEvent>();

  /** Fires on every lifecycle change. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(options: AlertEngineOptions = {}) {
    this.thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
    this.timing = options.timing ?? DEFAULT_TIMING;
    this.acknowledged = new Set(options.acknowledgedKeys ?? []);
  }

  /** Replaces thresholds and timing (settings changed); open alerts are re-judged on the next evaluation. */
  configure(thresholds: AlertThresholds, timing: AlertTiming): void {
    this.thresholds = thresholds;
    this.timing = timing;
  }

  /** Evaluates every rule on every observed process at time now (ms). Processes not observed are left alone. */
  evaluate(now: number, observations: readonly ProcessObservation[]): void {
    for (const o of observations) {
      for (const rule of ALERT_RULE_IDS) this.evaluateRule(now, o, rule);
    }
  }

  /** Resolves the open alerts of a process that exited (its conditions cannot clear any more). */
  processExited(now: number, processKey: string): void {
    for (const alert of [...this.open.values()]) {
      if (alert.processKey === processKey) this.resolve(alert, now);
    }
    for (const key of [...this.tracks.keys()]) if (key.startsWith(`${processKey}|`)) this.tracks.delete(key);
    for (const key of [...this.acknowledged]) if (key.startsWith(`${processKey}|`)) this.acknowledged.delete(key);
  }

  /** The user saw it: no more notifications until it escalates. Returns false for an unknown or closed alert. */
  acknowledge(id: string, now: number): boolean {
    const alert = this.findOpen(id);
    if (!alert || alert.state === 'acknowledged') return false;
    alert.state = 'acknowledged';
    alert.changedAt = now;
    this.acknowledged.add(alert.key);
    this.emit('acknowledged', alert);
    return true;
  }

  /** The user closed it by hand: it resolves now and the cooldown starts. */
  resolveById(id: string, now: number): boolean {
    const alert = this.findOpen(id);
    if (!alert) return false;
    this.resolve(alert, now);
    return true;
  }

  /** Open alerts (firing or acknowledged), worst first. */
  active(): Alert[] {
    const rank = (a: Alert) => (a.severity === 'error' ? 0 : 1);
    return [...this.open.values()].map(publicView).sort((a, b) => rank(a) - rank(b) || a.firedAt - b.firedAt);
  }

  /** Resolved alerts, newest last (bounded). */
  resolved(): readonly Alert[] {
    return this.history;
  }

  /** Keys of acknowledged open alerts, to keep across a window reload. */
  acknowledgedKeys(): string[] {
    return [...this.acknowledged];
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }

  private evaluateRule(now: number, o: ProcessObservation, rule: AlertRuleId): void {
    const key = `${o.processKey}|${rule}`;
    const reading = readRule(rule, o, this.thresholds);
    const alert = this.open.get(key);
    if (!reading) {
      // The rule was turned off or the figure is gone (agent disconnected): close what it opened.
      if (alert) this.resolve(alert, now);
      this.tracks.delete(key);
      return;
    }
    const track = this.tracks.get(key) ?? {};
    this.tracks.set(key, track);
    const sustainMs = this.timing.sustainSeconds * 1000;
    if (reading.breached) {
      track.clearedSince = undefined;
      track.breachedSince ??= now;
    } else {
      track.breachedSince = undefined;
      if (reading.cleared) track.clearedSince ??= now;
      else track.clearedSince = undefined;
    }

    if (alert) {
      if (track.clearedSince !== undefined && now - track.clearedSince >= sustainMs) {
        this.resolve(alert, now);
        return;
      }
      alert.value = reading.value;
      alert.message = reading.breached ? reading.message : alert.message;
      if (reading.breached) alert.peakValue = Math.max(alert.peakValue, reading.value);
      this.maybeEscalate(alert, reading.severity, now);
      return;
    }
    if (track.breachedSince === undefined || (!reading.judgedOverTime && now - track.breachedSince < sustainMs)) return;
    if (track.cooldownUntil !== undefined && now < track.cooldownUntil) return;
    this.fire(key, o, rule, reading, now);
  }

  private fire(key: string, o: ProcessObservation, rule: AlertRuleId, reading: NonNullable<ReturnType<typeof readRule>>, now: number): void {
    const alert: MutableAlert = {
      id: `alert-${this.nextId++}`,
      key,
      processKey: o.processKey,
      pid: o.pid,
      processName: o.name,
      rule,
      // Acknowledged before a window reload: it is the same alert, and the user has seen it.
      state: this.acknowledged.has(key) ? 'acknowledged' : 'firing',
      severity: reading.severity,
      message: reading.message,
      value: reading.value,
      threshold: reading.threshold,
      peakValue: reading.value,
      firedAt: now,
      changedAt: now,
      escalations: 0,
      escalationBase: reading.value,
    };
    this.open.set(key, alert);
    this.emit('fired', alert);
  }

  private maybeEscalate(alert: MutableAlert, severityNow: AlertSeverity, now: number): void {
    const persisted = alert.escalations === 0 && now - alert.firedAt >= this.timing.escalateAfterSeconds * 1000;
    const worsened = severityNow === 'error' && alert.severity === 'warning';
    // A leak's rate is an estimate that wobbles: it escalates by severity (time to the limit), not by value.
    const grew = alert.rule !== 'leak' && alert.escalationBase > 0 && alert.value >= alert.escalationBase * ESCALATION_FACTOR;
    if (!persisted && !worsened && !grew) return;
    alert.escalations++;
    alert.severity = 'error';
    alert.changedAt = now;
    // Worse than when the user acknowledged it: it needs their attention again.
    alert.state = 'firing';
    this.acknowledged.delete(alert.key);
    alert.escalationBase = alert.value;
    this.emit('escalated', alert);
  }

  private resolve(alert: MutableAlert, now: number): void {
    this.open.delete(alert.key);
    this.acknowledged.delete(alert.key);
    alert.state = 'resolved';
    alert.resolvedAt = now;
    alert.changedAt = now;
    const track = this.tracks.get(alert.key) ?? {};
    track.breachedSince = undefined;
    track.clearedSince = undefined;
    track.cooldownUntil = now + this.timing.cooldownSeconds * 1000;
    this.tracks.set(alert.key, track);
    this.history.push(publicView(alert));
    this.history.splice(0, Math.max(0, this.history.length - HISTORY_LIMIT));
    this.emit('resolved', alert);
  }

  private findOpen(id: string): MutableAlert | undefined {
    for (const alert of this.open.values()) if (alert.id === id) return alert;
    return undefined;
  }

  private emit(change: AlertChange, alert: MutableAlert): void {
    this.changeEmitter.fire({ change, alert: publicView(alert) });
  }
}

/** A snapshot of an alert without the engine's bookkeeping. */
function publicView(alert: MutableAlert): Alert {
  const { escalationBase: _escalationBase, ...rest } = alert;
  return rest;
}
