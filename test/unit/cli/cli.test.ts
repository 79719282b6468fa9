import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(__dirname, '../../../../dist/cli.js');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('process-vitals CLI', function () {
  this.timeout(30_000);

  it('watches a command, prints JSON lines only on stdout and exits with its exit code', async () => {
    const { code, stdout, stderr } = await runCli([
      'watch', '--interval', '250', '--',
      process.execPath, '-e', 'console.log("hello from child"); setTimeout(() => process.exit(7), 1500)',
    ]);
    assert.equal(code, 7);
    const records = stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(records.some((r) => r.type === 'appeared' && r.command.includes('process.exit(7)')));
    assert.ok(records.some((r) => r.type === 'sample' && r.rssBytes > 0));
    assert.match(stderr, /hello from child/, "the command's own output goes to stderr");
  });

  it('fails clearly for a PID that does not exist', async () => {
    const { code, stderr } = await runCli(['watch', '--pid', '999999999']);
    assert.equal(code, 1);
    assert.match(stderr, /no process with PID 999999999/);
  });

  it('rejects bad arguments with exit code 2 and the usage', async () => {
    const { code, stderr } = await runCli(['watch', '--interval', 'soon']);
    assert.equal(code, 2);
    assert.match(stderr, /positive whole number, not "soon"/);
    assert.match(stderr, /Usage:/);
  });
});
