import { strict as assert } from 'node:assert';
import { pidFromSessionName } from '../../../src/extension/debugSessionPid';

describe('pidFromSessionName', () => {
  const cases: Array<[string, number | undefined]> = [
    ['server.js [4242]', 4242],
    ['/home/me/app/index.js [17]', 17],
    ['localhost:9229 [31337]  ', 31337],
    ['Launch Program', undefined],
    ['array [0]', undefined],
    ['worker [12] extra', undefined],
    ['[99999999999999999999]', undefined],
  ];
  for (const [name, pid] of cases) it(JSON.stringify(name), () => assert.equal(pidFromSessionName(name), pid));
});
