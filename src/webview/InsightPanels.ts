/**
 * The dashboard's smaller panels: machine-wide context, alerts, leak verdicts and the handle/timer
 * inventory. Each says plainly when its data does not exist yet instead of showing an empty box.
 */
import type { DashboardStore } from './DashboardStore';
import { formatClock, formatDuration, formatValue } from './formatValue';
import type { HandleInventoryMessage, ToHostMessage } from './protocol';

type Post = (message: ToHostMessage) => void;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function panel(id: string, title: string): { element: HTMLElement; body: HTMLElement } {
  const element = el('section', 'pv-panel');
  element.setAttribute('aria-labelledby', `${id}-heading`);
  const heading = el('h2', undefined, title);
  heading.id = `${id}-heading`;
  const body = el('div', 'pv-panel-body');
  element.append(heading, body);
  return { element, body };
}

function button(label: string, icon: string, onClick: () => void, secondary = true): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  b.setAttribute('icon', icon);
  if (secondary) b.setAttribute('secondary', '');
  b.addEventListener('click', onClick);
  return b;
}

/** Machine-wide CPU, memory, load and disk, next to the processes. */
export class SystemStrip {
  readonly element = el('section', 'pv-system');

  constructor(private readonly store: DashboardStore) {
    this.element.setAttribute('aria-label', 'System');
    this.update();
  }

  update(): void {
    const s = this.store.system;
    const items: [string, string, string][] = [];
    if (!s) {
      items.push(['System', 'sampling…', '']);
    } else {
      items.push(['System CPU', s.cpuPercent === null ? '–' : `${s.cpuPercent.toFixed(0)}%`, `${s.cpuCount} cores`]);
      if (s.memory) items.push(['Memory', `${formatValue(s.memory.usedBytes, 'bytes')} / ${formatValue(s.memory.totalBytes, 'bytes')}`, `${((100 * s.memory.usedBytes) / s.memory.totalBytes).toFixed(0)}% used`]);
      if (s.loadAverage) items.push(['Load', s.loadAverage.map((l) => l.toFixed(2)).join(' '), '1, 5, 15 min']);
      if (s.disk) items.push(['Disk', `${formatValue(s.disk.usedBytes, 'bytes')} / ${formatValue(s.disk.totalBytes, 'bytes')}`, `on ${s.disk.mount}`]);
      items.push(['Updated', formatClock(s.time), '']);
    }
    this.element.replaceChildren(
      ...items.map(([label, value, detail]) => {
        const item = el('div', 'pv-system-item');
        item.append(el('span', 'pv-system-label', label), el('span', 'pv-system-value', value));
        if (detail) item.append(el('span', 'pv-muted', detail));
        return item;
      }),
    );
  }
}

/** Alerts with Acknowledge / Resolve / Diagnose actions (alerts arrive with the alert rules). */
export class AlertsPanel {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;

  constructor(private readonly store: DashboardStore, private readonly post: Post) {
    ({ element: this.element, body: this.body } = panel('pv-alerts', 'Alerts'));
    this.update();
  }

  update(): void {
    if (!this.store.features.alerts) {
      this.body.replaceChildren(el('p', 'pv-empty', 'Alerts are not available in this version: alert rules arrive with the leak detector. The charts and the table show every vital meanwhile.'));
      return;
    }
    const alerts = this.store.alerts.filter((a) => a.state !== 'resolved');
    if (!alerts.length) {
      this.body.replaceChildren(el('p', 'pv-empty', 'No active alerts.'));
      return;
    }
    const listElement = el('ul', 'pv-list');
    for (const alert of alerts) {
      const li = el('li', `pv-alert pv-severity-${alert.severity}`);
      const row = alert.processKey ? this.store.rows.get(alert.processKey) : undefined;
      const text = el('div');
      text.append(
        el('span', 'pv-alert-rule', `${alert.rule}${row ? ` · ${row.name} ${row.pid}` : ''}`),
        el('span', 'pv-muted', ` ${alert.state}, since ${formatClock(alert.since)}`),
        el('p', undefined, alert.message),
      );
      const actions = el('div', 'pv-actions');
      if (alert.state === 'firing') actions.append(button('Acknowledge', 'check', () => this.post({ v: 1, type: 'alertAction', alertId: alert.id, action: 'acknowledge' })));
      actions.append(
        button('Resolve', 'pass', () => this.post({ v: 1, type: 'alertAction', alertId: alert.id, action: 'resolve' })),
        button('Diagnose', 'search', () => this.post({ v: 1, type: 'alertAction', alertId: alert.id, action: 'diagnose' })),
      );
      li.append(text, actions);
      listElement.append(li);
    }
    this.body.replaceChildren(listElement);
  }
}

/** Leak verdicts (kind, rate, confidence, onset) with a Diagnose Leaks button. */
export class LeakVerdictPanel {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;

  constructor(private readonly store: DashboardStore, private readonly post: Post) {
    ({ element: this.element, body: this.body } = panel('pv-leaks', 'Leak verdicts'));
    this.update();
  }

  update(): void {
    const focus = this.store.state.focusKey;
    const diagnose = button('Diagnose Leaks', 'search', () => this.post({ v: 1, type: 'diagnoseLeaks', processKey: focus }));
    if (!this.store.features.leakVerdicts) {
      this.body.replaceChildren(
        el('p', 'pv-empty', 'No leak verdicts yet: the leak detector is not part of this version. Watch the memory and heap charts for steady growth, or diagnose a process now.'),
        diagnose,
      );
      return;
    }
    const verdicts = this.store.verdicts.filter((v) => focus === null || v.processKey === focus);
    if (!verdicts.length) {
      this.body.replaceChildren(el('p', 'pv-empty', focus === null ? 'No process is leaking.' : 'This process is not leaking.'), diagnose);
      return;
    }
    const listElement = el('ul', 'pv-list');
    for (const v of verdicts) {
      const row = this.store.rows.get(v.processKey);
      const unit = v.kind === 'handles' ? 'perSecond' : 'bytes';
      const li = el('li', 'pv-verdict');
      li.append(
        el('span', 'pv-alert-rule', `${row ? `${row.name} ${row.pid}: ` : ''}${v.kind} leak`),
        el('span', undefined, ` ${formatValue(v.ratePerSecond, unit)}${unit === 'bytes' ? '/s' : ''}, confidence ${(v.confidence * 100).toFixed(0)}%`),
        el('span', 'pv-muted', `${v.onset !== null ? `, since ${formatClock(v.onset)}` : ''}${v.secondsToLimit !== null ? `, heap limit in ~${formatDuration(v.secondsToLimit * 1000)}` : ''}`),
      );
      listElement.append(li);
    }
    this.body.replaceChildren(listElement, diagnose);
  }
}

/** Live handles and timers with creation stacks; each frame with a file opens it at the line. */
export class HandleInventoryPanel {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;

  constructor(private readonly store: DashboardStore, private readonly post: Post) {
    ({ element: this.element, body: this.body } = panel('pv-handles', 'Handles and timers'));
    this.update();
  }

  update(): void {
    if (!this.store.features.handleInventory) {
      this.body.replaceChildren(el('p', 'pv-empty', 'The handle and timer inventory is not available in this window.'));
      return;
    }
    const focus = this.store.state.focusKey;
    const row = focus === null ? undefined : this.store.rows.get(focus);
    if (!row) {
      this.body.replaceChildren(el('p', 'pv-empty', 'Select a process in the table to inspect its live handles and timers, with the line that created each.'));
      return;
    }
    if (!row.agent) {
      this.body.replaceChildren(
        el('p', 'pv-empty', `${row.name} ${row.pid} has no Process Vitals agent: only Node programs started from a terminal, task or launch configuration of this window have one.`),
      );
      return;
    }
    const status = this.store.inventoryStatus.get(row.key);
    const inventory = this.store.inventories.get(row.key);
    const pending = status?.state === 'pending';
    // A request to the agent (it turns handle tracking on for a moment): taken on demand, not per tick.
    const inspect = button(inventory ? 'Inspect Again' : 'Inspect Handles', 'search', () => this.post({ v: 1, type: 'inspectHandles', processKey: row.key }));
    inspect.classList.add('pv-inspect-handles');
    if (pending) inspect.setAttribute('disabled', '');
    const parts: HTMLElement[] = [inspect];
    if (status) {
      const p = el('p', status.state === 'failed' ? 'pv-error' : 'pv-muted', status.message);
      p.setAttribute('role', 'status');
      parts.push(p);
    }
    if (inventory) parts.push(this.renderInventory(inventory));
    else if (!status) parts.push(el('p', 'pv-empty', `Inspect asks the agent of ${row.name} ${row.pid} which handles and timers keep it alive, and where each was created.`));
    this.body.replaceChildren(...parts);
  }

  private renderInventory(inventory: HandleInventoryMessage): HTMLElement {
    const container = el('div', 'pv-inventory');
    const total = inventory.items.reduce((n, item) => n + item.count, 0);
    const untrackedTotal = Object.values(inventory.untracked).reduce((n, c) => n + c, 0);
    container.append(el('h3', undefined, `${total + untrackedTotal} handles and timers at ${formatClock(inventory.takenAt)}${inventory.truncated ? ' (list cut at its size limit)' : ''}`));
    if (untrackedTotal > 0 || !inventory.trackedFromStart) {
      const untracked = Object.entries(inventory.untracked)
        .map(([type, n]) => `${n} ${type}`)
        .join(', ');
      container.append(
        el(
          'p',
          'pv-untracked',
          untracked
            ? `Created before tracking began, so without a creation stack: ${untracked}.`
            : 'Tracking was not on from the start: handles created before this inventory have no creation stack.',
        ),
      );
      if (inventory.note) container.append(el('p', 'pv-muted', inventory.note));
    }
    if (!inventory.items.length) {
      container.append(el('p', 'pv-empty', untrackedTotal ? 'No handle with a known creation stack.' : 'No live handle or timer: nothing keeps the event loop alive.'));
      return container;
    }
    const listElement = el('ul', 'pv-list');
    for (const item of inventory.items) {
      const li = el('li', 'pv-handle');
      const ref = item.ref === null ? 'ref state unknown' : item.ref ? 'ref’d (keeps the process alive)' : 'unref’d';
      const timer = item.delayMs !== null ? `, ${item.repeats ? 'every' : 'after'} ${formatValue(item.delayMs, 'ms')}` : '';
      li.append(el('span', 'pv-alert-rule', `${item.count > 1 ? `${item.count} × ` : ''}${item.type}`), el('span', 'pv-muted', ` ${ref}${timer}`));
      // Tracked, yet no frame of the program: Node made it a tick later (a listening server's handle,
      // its connection-checking interval), so only Node's own frames were on the stack.
      if (!item.stack.length) li.append(el('p', 'pv-muted', 'Created inside Node: no frame of the program in its creation stack.'));
      const frames = el('ol', 'pv-stack');
      frames.setAttribute('aria-label', `Creation stack of ${item.type}`);
      for (const frame of item.stack) {
        const f = el('li');
        const where = frame.path ? `${frame.path}${frame.line !== null ? `:${frame.line}` : ''}${frame.column !== null ? `:${frame.column}` : ''}` : '<native or internal>';
        const text = `${frame.functionName || '<anonymous>'} (${where})`;
        if (frame.path && frame.line !== null) {
          // A real button: focusable, Enter and Space open it, and screen readers announce it.
          const link = el('button', 'pv-link', text);
          link.type = 'button';
          link.title = `Open ${frame.path} at line ${frame.line}`;
          const { path, line, column } = { path: frame.path, line: frame.line, column: frame.column };
          link.addEventListener('click', () => this.post({ v: 1, type: 'openLocation', path, line, column }));
          f.append(link);
        } else {
          f.textContent = text;
        }
        frames.append(f);
      }
      li.append(frames);
      listElement.append(li);
    }
    container.append(listElement);
    return container;
  }
}
