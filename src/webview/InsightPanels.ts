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
    const focus = this.store.state.focusKey;
    const inventories = [...this.store.inventories.values()].filter((i) => focus === null || i.processKey === focus);
    if (!inventories.length) {
      this.body.replaceChildren(
        el(
          'p',
          'pv-empty',
          this.store.features.handleInventory
            ? 'No inventory taken yet for this process.'
            : 'The handle and timer inventory comes from the Process Vitals Node agent, which this version does not include yet.',
        ),
      );
      return;
    }
    this.body.replaceChildren(...inventories.map((inventory) => this.renderInventory(inventory)));
  }

  private renderInventory(inventory: HandleInventoryMessage): HTMLElement {
    const row = this.store.rows.get(inventory.processKey);
    const container = el('div', 'pv-inventory');
    container.append(el('h3', undefined, `${row ? `${row.name} ${row.pid}` : inventory.processKey}: ${inventory.items.length} handles at ${formatClock(inventory.takenAt)}`));
    if (!inventory.trackedFromStart) {
      container.append(el('p', 'pv-muted', 'Handles created before tracking began have no creation stack.'));
    }
    const listElement = el('ul', 'pv-list');
    for (const item of inventory.items) {
      const li = el('li', 'pv-handle');
      li.append(el('span', 'pv-alert-rule', item.type), el('span', 'pv-muted', ` ${item.ref ? 'ref' : 'unref'}${item.delayMs !== null ? `, every ${formatValue(item.delayMs, 'ms')}` : ''}`));
      if (!item.stack.length) li.append(el('p', 'pv-muted', 'No creation stack.'));
      const frames = el('ol', 'pv-stack');
      for (const frame of item.stack) {
        const f = el('li');
        const where = frame.path ? `${frame.path}${frame.line !== null ? `:${frame.line}` : ''}${frame.column !== null ? `:${frame.column}` : ''}` : '<native>';
        if (frame.path && frame.line !== null) {
          const link = el('button', 'pv-link', `${frame.functionName || '<anonymous>'} (${where})`);
          link.type = 'button';
          const { path, line, column } = { path: frame.path, line: frame.line, column: frame.column };
          link.addEventListener('click', () => this.post({ v: 1, type: 'openLocation', path, line, column }));
          f.append(link);
        } else {
          f.textContent = `${frame.functionName || '<anonymous>'} (${where})`;
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
