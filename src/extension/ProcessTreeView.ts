import * as vscode from 'vscode';
import type { ProcessTreeNodeSnapshot } from './api';
import { TreeItemKinds } from './contributions';
import type { ProcessTreeNode } from './ProcessTreeModel';

/** A tree element: a stable object per node id (VS Code keys elements by identity), holding the latest node. */
interface ProcessTreeElement {
  readonly id: string;
  node: ProcessTreeNode;
}

/**
 * Renders the Processes tree model. getChildren never does I/O: it returns the model computed on the
 * last tick. Updates fire only for the elements whose text or children changed, so expanded rows and
 * selection survive every tick.
 */
export class ProcessTreeView implements vscode.TreeDataProvider<ProcessTreeElement>, vscode.Disposable {
  private roots: ProcessTreeNode[] = [];
  private elements = new Map<string, ProcessTreeElement>();
  private readonly changeEmitter = new vscode.EventEmitter<ProcessTreeElement | ProcessTreeElement[] | undefined>();
  private readonly modelEmitter = new vscode.EventEmitter<void>();

  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** Fires after each model update that changed anything. */
  readonly onDidChangeModel = this.modelEmitter.event;

  /** Replaces the model, firing change events only where something differs. */
  update(roots: ProcessTreeNode[]): void {
    const previous = this.elements;
    const next = new Map<string, ProcessTreeElement>();
    const changed: ProcessTreeElement[] = [];
    let rootsChanged = !sameIds(this.roots, roots);

    const visit = (node: ProcessTreeNode, parent: ProcessTreeElement | undefined): void => {
      let element = previous.get(node.id);
      if (element) {
        // A leaf that gains children, or a row that loses its last child, gets a new item id (see
        // getTreeItem): the view knows it by the old id, so its parent must re-list it.
        if ((element.node.children.length === 0) !== (node.children.length === 0)) {
          if (parent) changed.push(parent);
          else rootsChanged = true;
        } else if (!sameIds(element.node.children, node.children) || !sameText(element.node, node)) {
          changed.push(element);
        }
        element.node = node;
      } else {
        element = { id: node.id, node };
      }
      next.set(node.id, element);
      for (const child of node.children) visit(child, element);
    };
    for (const root of roots) visit(root, undefined);
    this.roots = roots;
    this.elements = next;

    if (rootsChanged) this.changeEmitter.fire(undefined);
    else if (changed.length) this.changeEmitter.fire(outermost(changed, next));
    if (rootsChanged || changed.length) this.modelEmitter.fire();
  }

  getTreeItem(element: ProcessTreeElement): vscode.TreeItem {
    const node = element.node;
    const collapsible = node.children.length === 0
      ? vscode.TreeItemCollapsibleState.None
      : vscode.TreeItemCollapsibleState.Expanded;
    const item = new vscode.TreeItem(node.label, collapsible);
    // VS Code remembers a row's collapse state by id, and a row first seen without children is later
    // shown collapsed. A leaf therefore has its own id, so the row that replaces it opens expanded.
    item.id = node.children.length === 0 ? `${node.id}#leaf` : node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(iconFor(node));
    return item;
  }

  getChildren(element?: ProcessTreeElement): ProcessTreeElement[] {
    const nodes = element ? element.node.children : this.roots;
    return nodes.map((n) => this.elements.get(n.id)!).filter(Boolean);
  }

  getParent(element: ProcessTreeElement): ProcessTreeElement | undefined {
    for (const candidate of this.elements.values()) {
      if (candidate.node.children.some((c) => c.id === element.id)) return candidate;
    }
    return undefined;
  }

  /** The first element showing this process (pid@startTime), for reveal. */
  elementOfProcess(processKey: string): ProcessTreeElement | undefined {
    for (const element of this.elements.values()) if (element.node.processKey === processKey) return element;
    return undefined;
  }

  /** The node of a tree element handed to a command (from a context menu). */
  static nodeOf(arg: unknown): ProcessTreeNode | undefined {
    const node = (arg as ProcessTreeElement | undefined)?.node;
    return node && typeof node.id === 'string' ? node : undefined;
  }

  /** The tree as plain data, for the extension's API. */
  snapshot(): ProcessTreeNodeSnapshot[] {
    const toSnapshot = (node: ProcessTreeNode): ProcessTreeNodeSnapshot => ({
      kind: node.contextValue,
      label: node.label,
      description: node.description,
      pid: node.pid,
      command: node.command,
      agent: node.agent,
      children: node.children.map(toSnapshot),
    });
    return this.roots.map(toSnapshot);
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.modelEmitter.dispose();
  }
}

function sameIds(a: readonly ProcessTreeNode[], b: readonly ProcessTreeNode[]): boolean {
  return a.length === b.length && a.every((node, i) => node.id === b[i].id);
}

function sameText(a: ProcessTreeNode, b: ProcessTreeNode): boolean {
  return a.label === b.label && a.description === b.description && a.tooltip === b.tooltip && a.contextValue === b.contextValue && a.agent === b.agent;
}

/** Group icons by the origin id's prefix (see buildProcessTree). */
const ORIGIN_ICONS: Array<[string, string]> = [
  ['terminal:', 'terminal'],
  ['task:', 'tools'],
  ['debug:', 'debug-alt'],
  ['watched', 'eye'],
  ['orphaned', 'warning'],
];

function iconFor(node: ProcessTreeNode): string {
  // A process whose agent reports V8 vitals is marked, so users see which ones have heap data.
  if (node.contextValue !== TreeItemKinds.origin) return node.agent ? 'zap' : 'pulse';
  return ORIGIN_ICONS.find(([prefix]) => node.id.startsWith(prefix))?.[1] ?? 'pulse';
}

/**
 * The changed elements without those inside another changed one: re-listing a row refreshes its
 * subtree, and a refresh of a row the view is re-listing at the same moment names a row it may not
 * have yet ("Data tree node not found").
 */
function outermost(changed: readonly ProcessTreeElement[], elements: ReadonlyMap<string, ProcessTreeElement>): ProcessTreeElement[] {
  const changedIds = new Set(changed.map((e) => e.id));
  const parentOf = new Map<string, string>();
  for (const element of elements.values()) for (const child of element.node.children) parentOf.set(child.id, element.id);
  const insideChanged = (id: string): boolean => {
    for (let parent = parentOf.get(id); parent !== undefined; parent = parentOf.get(parent)) if (changedIds.has(parent)) return true;
    return false;
  };
  return [...new Set(changed)].filter((e) => !insideChanged(e.id));
}
