import * as assert from 'node:assert/strict';
import { ProcStat, STAT_FIELDS_FOR_EXEC_CHECK, parsePidList, parseProcStat, parseStatmResidentPages } from '../../../src/monitor/processes/ProcStat';

const REAL = '11151 (x) (y z) S 11150 11132 3063 0 -1 4194304 133 0 0 0 7 3 0 0 20 0 1 0 52585 2990080 406 18446744073709551615 94069555015680 94069555033609 140730522124608 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 94069555047696 94069555048960 94069941891072 140730522131160 140730522131179 140730522131179 140730522132455 0\n';

describe('parseProcStat', () => {
  const cases: Array<{ name: string; line: string; fields?: number; ok: boolean; expect?: Partial<ProcStat> & { comm?: string } }> = [
    { name: 'comm with spaces and parentheses', line: REAL, ok: true, expect: { pid: 11151, comm: 'x) (y z', ppid: 11150, processGroup: 11132, session: 3063, userTicks: 7, systemTicks: 3, numThreads: 1, startTicks: 52585, rssPages: 406 } },
    { name: 'argv area when asked', line: REAL, fields: STAT_FIELDS_FOR_EXEC_CHECK, ok: true, expect: { argStart: 140730522131160, argEnd: 140730522131179 } },
    { name: 'comm ending in ")"', line: '42 (a)) R 1 42 42 0 -1 0 0 0 0 0 1 2 0 0 20 0 3 0 99 100 7 0\n', ok: true, expect: { comm: 'a)', ppid: 1, numThreads: 3, startTicks: 99, rssPages: 7 } },
    { name: 'negative priority and nice', line: '7 (rt) S 2 0 0 0 -1 0 0 0 0 0 5 6 0 0 -51 -20 1 0 12 0 0 0\n', ok: true, expect: { userTicks: 5, systemTicks: 6, startTicks: 12, rssPages: 0 } },
    { name: 'kernel older than 3.5 (44 fields) still gives the sampling fields', line: REAL.split(' ').slice(0, 44).join(' ') + '\n', fields: STAT_FIELDS_FOR_EXEC_CHECK, ok: true, expect: { rssPages: 406, argStart: 0 } },
    { name: 'truncated before rss', line: '11151 (x) S 11150 11132 3063 0 -1 4194304 133 0 0 0 7 3 0 0 20 0 1 0 52585', ok: false },
    { name: 'no comm', line: 'garbage without parens', ok: false },
    { name: 'empty', line: '', ok: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const buf = Buffer.from(c.line, 'utf8');
      // A reused buffer has stale bytes after the data: they must not be read.
      const reused = Buffer.alloc(buf.length + 64, 0x20);
      buf.copy(reused);
      const out = new ProcStat();
      assert.equal(parseProcStat(reused, buf.length, out, c.fields), c.ok);
      if (!c.expect) return;
      const { comm, ...fields } = c.expect;
      if (comm !== undefined) assert.equal(reused.toString('utf8', out.commStart, out.commEnd), comm);
      for (const [key, value] of Object.entries(fields)) assert.equal(out[key as keyof ProcStat], value, key);
    });
  }
});

describe('parseStatmResidentPages and parsePidList', () => {
  it('reads the resident field of statm', () => {
    const b = Buffer.from('730 451 424 5 0 89 0\n');
    assert.equal(parseStatmResidentPages(b, b.length), 451);
    assert.equal(parseStatmResidentPages(Buffer.from('x'), 1), -1);
  });
  for (const [text, pids] of [['', []], ['12 ', [12]], ['12 345 6789 ', [12, 345, 6789]], ['7', [7]]] as const) {
    it(`parses children list ${JSON.stringify(text)}`, () => {
      const out: number[] = [];
      parsePidList(Buffer.from(text), text.length, out);
      assert.deepEqual(out, pids);
    });
  }
});
