import net, { type AddressInfo } from 'net';
import { runScript } from '../helpers/cli';

jest.setTimeout(90_000);

test('npm run start -- --port N with the port in use: one line naming the port and what to do, exit 1, no stack', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = taken.address() as AddressInfo;
    const { exitCode, stderr } = runScript('scripts/start.ts', ['--port', String(port)], { timeoutMs: 80_000 });
    expect(exitCode).toBe(1);
    expect(stderr).toBe(`start: port ${port} on 127.0.0.1 is in use (another emulator?): stop what listens there, or pick another port with --port N (0: any free port)\n`);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

test('npm run start -- --port takes a port number', () => {
  const { exitCode, stderr } = runScript('scripts/start.ts', ['--port', 'eighty']);
  expect(exitCode).toBe(2);
  expect(stderr).toBe('start: --port must be an integer from 0 to 65535 (see npm run start -- --help)\n');
});
