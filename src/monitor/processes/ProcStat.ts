/**
 * Allocation-free parsing of Linux `/proc/<pid>/stat` from a reused Buffer: the hot path of every
 * tick, so it walks bytes instead of decoding a string and splitting it.
 */

const SPACE = 0x20;
const MINUS = 0x2d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Last stat field the tick needs (24 = rss); young processes also need 48-49 (arg_start, arg_end). */
export const STAT_FIELDS_FOR_SAMPLING = 24;
/** Parse this far to see arg_start/arg_end, which change when a process execs. */
export const STAT_FIELDS_FOR_EXEC_CHECK = 49;

/** The fields of one `/proc/<pid>/stat` line the engine uses; reused between parses. */
export class ProcStat {
  pid = 0;
  /** Byte offsets of comm inside the parsed buffer (between the first '(' and the last ')'). */
  commStart = 0;
  commEnd = 0;
  /** Field 3, as a character code ('R', 'S', 'Z'...). */
  state = 0;
  ppid = 0;
  processGroup = 0;
  session = 0;
  /** Clock ticks (utime, stime: fields 14, 15). */
  userTicks = 0;
  systemTicks = 0;
  numThreads = 0;
  /** Clock ticks after boot (field 22). */
  startTicks = 0;
  /** Pages (field 24); approximate, see LinuxProcessSource. */
  rssPages = 0;
  /** Addresses of the argv area (fields 48, 49); 0 when not parsed or hidden by ptrace rules. */
  argStart = 0;
  argEnd = 0;
}

/**
 * Parses `length` bytes of a stat line from `buf` into `out`, reading fields up to `lastField`
 * (1-based, as in proc(5)). Returns false when the line is not a stat line (truncated, no comm).
 * comm may hold spaces and ')', so the numeric fields start after the LAST ')'.
 */
export function parseProcStat(buf: Uint8Array, length: number, out: ProcStat, lastField = STAT_FIELDS_FOR_SAMPLING): boolean {
  let open = -1;
  for (let i = 0; i < length; i++) {
    if (buf[i] === OPEN_PAREN) {
      open = i;
      break;
    }
  }
  let close = -1;
  for (let i = length - 1; i > open; i--) {
    if (buf[i] === CLOSE_PAREN) {
      close = i;
      break;
    }
  }
  if (open < 1 || close < 0 || close + 3 >= length) return false;

  let pid = 0;
  for (let i = 0; i < open - 1; i++) {
    const c = buf[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) return false;
    pid = pid * 10 + (c - DIGIT_0);
  }
  out.pid = pid;
  out.commStart = open + 1;
  out.commEnd = close;
  out.state = buf[close + 2]!;
  out.argStart = 0;
  out.argEnd = 0;

  // Fields from 4 on are integers separated by single spaces.
  let field = 4;
  let i = close + 4;
  while (field <= lastField && i < length) {
    let negative = false;
    if (buf[i] === MINUS) {
      negative = true;
      i++;
    }
    let value = 0;
    let c = buf[i]!;
    while (i < length && c >= DIGIT_0 && c <= DIGIT_9) {
      value = value * 10 + (c - DIGIT_0);
      c = buf[++i]!;
    }
    if (negative) value = -value;
    switch (field) {
      case 4: out.ppid = value; break;
      case 5: out.processGroup = value; break;
      case 6: out.session = value; break;
      case 14: out.userTicks = value; break;
      case 15: out.systemTicks = value; break;
      case 20: out.numThreads = value; break;
      case 22: out.startTicks = value; break;
      case 24: out.rssPages = value; break;
      case 48: out.argStart = value; break;
      case 49: out.argEnd = value; break;
    }
    if ((i >= length || c !== SPACE) && field < lastField) {
      // The line ended early: older kernels have fewer fields; only the sampling fields are required.
      return field >= STAT_FIELDS_FOR_SAMPLING;
    }
    i++;
    field++;
  }
  return field > STAT_FIELDS_FOR_SAMPLING;
}

/** Parses the second field of `/proc/<pid>/statm` (resident pages); -1 when unparsable. */
export function parseStatmResidentPages(buf: Uint8Array, length: number): number {
  let i = 0;
  while (i < length && buf[i] !== SPACE) i++;
  i++;
  if (i >= length) return -1;
  let value = 0;
  let digits = 0;
  for (; i < length; i++) {
    const c = buf[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) break;
    value = value * 10 + (c - DIGIT_0);
    digits++;
  }
  return digits > 0 ? value : -1;
}

/** Appends the PIDs of a `/proc/<pid>/task/<tid>/children` file ("12 34 56 ") to `out`. */
export function parsePidList(buf: Uint8Array, length: number, out: number[]): void {
  let value = 0;
  let digits = 0;
  for (let i = 0; i < length; i++) {
    const c = buf[i]!;
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      value = value * 10 + (c - DIGIT_0);
      digits++;
    } else if (digits > 0) {
      out.push(value);
      value = 0;
      digits = 0;
    }
  }
  if (digits > 0) out.push(value);
}
