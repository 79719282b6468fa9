/**
 * The result of a leak diagnosis (LeakDiagnosis, the CLI's `diagnose`): verdict first, then the
 * evidence. Plain data, serialisable as JSON as is; rendered by renderDiagnosisMarkdown and by the
 * editor's report tab. Every source location is a SourceLocation; every file is a DiagnosisFile.
 */
import type { LeakVerdict } from '../leaks/LeakVerdict';

/** Version of the report's JSON shape, bumped on incompatible changes. */
export const DIAGNOSIS_REPORT_VERSION = 1;

/** A place in source code: file is an absolute path (or a URL when the code was not loaded from disk), line and column are 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A file the diagnosis wrote (snapshot, profile, report). */
export interface DiagnosisFile {
  readonly kind: 'baselineSnapshot' | 'targetSnapshot' | 'finalSnapshot' | 'heapProfile';
  readonly path: string;
  readonly bytes: number;
}

/** What the diagnosis concluded, in one word per kind. */
export type DiagnosisOutcome = 'leak' | 'no-leak' | 'inconclusive';

/** The conclusion, shown first. */
export interface DiagnosisVerdict {
  readonly outcome: DiagnosisOutcome;
  /** The kinds of leak found (empty unless outcome is 'leak'). */
  readonly kinds: ReadonlyArray<'heap' | 'external' | 'handles' | 'rss'>;
  /** One sentence for the user. */
  readonly summary: string;
  /** The most telling findings, each one short sentence, most important first. */
  readonly findings: readonly string[];
}

/** Growth of one series over the diagnosis window or the monitor's history. */
export interface TrendEvidence {
  readonly series: 'heapAfterGcBytes' | 'heapUsedBytes' | 'externalBytes' | 'rssBytes' | 'activeHandles';
  /** Theil-Sen slope, units per second (bytes/s or handles/s). */
  readonly ratePerSecond: number;
  readonly first: number;
  readonly last: number;
  readonly samples: number;
  readonly seconds: number;
  /** Mann-Kendall S over the number of pairs: share of increasing minus decreasing pairs, -1..1. */
  readonly monotonicity: number;
  /** 1 - the Mann-Kendall one-sided p-value of an increasing trend. */
  readonly confidence: number;
}

/** Memory of one kind at the three snapshot points, from the agent's reports. */
export interface MemoryGrowth {
  readonly what: 'heapUsed' | 'external' | 'arrayBuffers' | 'rss';
  readonly baselineBytes: number;
  readonly targetBytes: number;
  readonly finalBytes: number;
  /** (final - baseline) / seconds between them. */
  readonly ratePerSecond: number;
  /** Whether it grew at each step by more than noise. */
  readonly growing: boolean;
}

/** One shortest path of references from a GC root to a leaked object. */
export interface RetainerPath {
  /** Nodes from the root side to the object, e.g. ["(GC roots)", "global", "Array", "Session"]. */
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly type: string; readonly edge: string }>;
}

/** Objects of one constructor allocated between baseline and target and still alive in the final snapshot. */
export interface LeakedObjectGroup {
  /** Constructor or node name as the snapshot gives it (e.g. "Session", "Array", "(closure) onTick", "(string)"). */
  readonly name: string;
  /** V8 snapshot node type of the group's objects ("object", "closure", "string", "array", ...). */
  readonly nodeType: string;
  readonly count: number;
  readonly selfBytes: number;
  /** Dominator-based retained size, summed over the group and capped at the class's own retained total. */
  readonly retainedBytes: number;
  /** Objects of this name in the baseline, target and final snapshots: a leak grows at each step. */
  readonly countInBaseline: number;
  readonly countInTarget: number;
  readonly countInFinal: number;
  /** Engine-internal objects (names in parentheses, "system / ..."): shown after user objects. */
  readonly internal: boolean;
  /** Whether this group counts as a leak (grew at each step and is big enough to matter). */
  readonly suspect: boolean;
  readonly retainerPaths: readonly RetainerPath[];
}

/** The heap snapshot diff (memlab's technique). */
export interface HeapDiffEvidence {
  readonly baselineNodes: number;
  readonly targetNodes: number;
  readonly finalNodes: number;
  /** Objects new in target (not in baseline) that are alive in final, in the classes that grew (engine-internal categories are not counted). */
  readonly survivorCount: number;
  readonly survivorSelfBytes: number;
  /** Largest groups first: user objects by retained size, then internal ones. */
  readonly groups: readonly LeakedObjectGroup[];
  /** Worker time spent parsing and diffing, ms. */
  readonly analysisMs: number;
}

/** One allocating function from the sampling heap profile, bytes still alive at the end of the window. */
export interface AllocationSite {
  readonly functionName: string;
  /** Where the allocating function is defined (the profile is function-level), source-mapped when a map exists. */
  readonly location: SourceLocation | null;
  /** The generated location when a source map moved it. */
  readonly generatedLocation?: SourceLocation;
  /** 'user' code, a 'library' (node_modules) or Node's 'internal' code. */
  readonly origin: 'user' | 'library' | 'internal';
  readonly bytes: number;
  readonly samples: number;
  /** Share of all sampled bytes, 0..1. */
  readonly share: number;
  /** The nearest user frames that called it (innermost first), when the site itself is library or internal code. */
  readonly callers: readonly SourceLocation[];
}

/** The sampling heap profile over the window between baseline and target. */
export interface AllocationEvidence {
  readonly intervalBytes: number;
  readonly totalSampledBytes: number;
  /** User sites first, then libraries, then internals; each part by bytes. */
  readonly sites: readonly AllocationSite[];
}

/** Live handles or timers sharing a creation site. */
export interface HandleGroup {
  readonly type: string;
  readonly count: number;
  /** Whether they keep the event loop alive (null: unknown). */
  readonly hasRef: boolean | null;
  readonly timerDelayMs?: number;
  readonly timerRepeats?: boolean;
  /** First user frame of the creation stack (null when the stack had none). */
  readonly createdAt: SourceLocation | null;
  readonly createdIn: string;
  /** The whole creation stack, user frames first. */
  readonly stack: readonly (SourceLocation & { readonly functionName: string })[];
}

/** Handles and timers: counts at the start and end of the window, and the live ones with creation stacks. */
export interface HandleEvidence {
  readonly trackingFromStart: boolean;
  /** Whether the diagnosis turned tracking on for its window (and off again afterwards). */
  readonly trackingStartedByDiagnosis: boolean;
  /** process.getActiveResourcesInfo() counts by type at baseline and at the end. */
  readonly countsBefore: Readonly<Record<string, number>>;
  readonly countsAfter: Readonly<Record<string, number>>;
  /** Types whose count grew enough to matter. */
  readonly growingTypes: readonly string[];
  /** Ref'd handles first, then by count. */
  readonly groups: readonly HandleGroup[];
  /** Live resources created before tracking began (no creation stack), by type. */
  readonly untracked: Readonly<Record<string, number>>;
  readonly note: string;
  readonly truncated: boolean;
}

/** Resident memory of one kind from /proc/<pid>/smaps, bytes. */
export interface MemoryMapBreakdown {
  readonly rssBytes: number;
  /** Anonymous memory outside [heap] and [stack] (mmap'd arenas, V8's heap, JIT code). */
  readonly anonymousBytes: number;
  /** Mapped files (executables, libraries, mmap'd data). */
  readonly fileBackedBytes: number;
  /** The brk heap ([heap]): malloc's main arena. */
  readonly brkHeapBytes: number;
  readonly stackBytes: number;
  readonly shmemBytes: number;
  readonly swapBytes: number;
}

/** The OS view: RSS trend and (Linux) the smaps breakdown at the start and end of the window. */
export interface OsMemoryEvidence {
  readonly rss: TrendEvidence | null;
  readonly before: MemoryMapBreakdown | null;
  readonly after: MemoryMapBreakdown | null;
  /** Why there is no breakdown (not Linux, no permission). */
  readonly unavailableReason?: string;
}

/** What the diagnosis costs the target, stated before it starts. */
export interface DiagnosisCostEstimate {
  /** Objects in the heap, estimated (assumption in `assumption`). */
  readonly estimatedObjects: number;
  /** Freeze of each snapshot, ms; three are taken. */
  readonly freezeMsPerSnapshot: number;
  /** Extra memory the target needs while a snapshot is written, bytes. */
  readonly targetExtraBytes: number;
  /** Memory the analysis worker needs to parse one snapshot, bytes. */
  readonly analysisBytes: number;
  /** Disk space for the three snapshots and the profile, bytes. */
  readonly diskBytes: number;
  /** Wall time of the whole diagnosis, ms. */
  readonly durationMs: number;
  /** Available memory when estimated (MemAvailable, else os.freemem()). */
  readonly availableBytes: number;
  /** Whether it is safe to go on; when not, `refusal` says why. */
  readonly safe: boolean;
  readonly refusal?: string;
  readonly assumption: string;
  /** One or two sentences for the user. */
  readonly summary: string;
}

/** The whole report. */
export interface DiagnosisReport {
  readonly version: number;
  readonly pid: number;
  /** Process name or command line, for the title. */
  readonly processName: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly observeSeconds: number;
  /** 'agent': heap snapshots, profile and handles; 'os': RSS and memory maps only. */
  readonly mode: 'agent' | 'os';
  readonly verdict: DiagnosisVerdict;
  /** What the online detector said when the diagnosis started (may be empty). */
  readonly detectorVerdicts: readonly LeakVerdict[];
  readonly trends: readonly TrendEvidence[];
  readonly memoryGrowth: readonly MemoryGrowth[];
  readonly heapDiff: HeapDiffEvidence | null;
  readonly allocations: AllocationEvidence | null;
  readonly handles: HandleEvidence | null;
  readonly osMemory: OsMemoryEvidence | null;
  readonly cost: DiagnosisCostEstimate | null;
  readonly files: readonly DiagnosisFile[];
  /** The folder the files are in. */
  readonly folder: string;
  /** Things the user can do for better evidence (enable the agent, track handles from the start...). */
  readonly advice: readonly string[];
  /** Steps that failed without stopping the diagnosis. */
  readonly problems: readonly string[];
}
