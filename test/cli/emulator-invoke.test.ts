import { runScript, startScript } from '../helpers/cli';

test('npm run emulator --fault 45009 --now: prints the next step, and invoke against it gets QUOTA_EXCEEDED', async () => {
  const emulator = startScript('packages/cloudbase-emulator/src/cli.ts', ['--fault', 'getMonthlyRetain=45009', '--now', '2024-06-15T02:00:00Z']);
  try {
    await emulator.waitForOutput('Press Ctrl-C');
    const url = /Emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(emulator.output())?.[1];
    expect(url).toBeDefined();
    expect(emulator.output()).toContain('Injected faults, taken by the next matching calls: analysis.getMonthlyRetain=45009');
    expect(emulator.output()).toContain(`Next: in another terminal, npm run invoke -- getMonthlyRetain --emulator ${url} --now 2024-06-15T02:00:00.000Z`);

    const invoked = runScript('scripts/invoke.ts', ['getMonthlyRetain', '--emulator', `${url}`, '--month', '2024-05', '--now', '2024-06-15T02:00:00Z']);
    expect(invoked.exitCode).toBe(0);
    expect(JSON.parse(invoked.stdout)).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED', wxErrCode: 45009 } });

    const calls = (await (await fetch(`${url}/control/calls`)).json()) as { calls: unknown[] };
    expect(calls.calls).toEqual([
      expect.objectContaining({ functionName: 'getMonthlyRetain', apiName: 'analysis.getMonthlyRetain', errcode: 45009, fault: 'fail', at: expect.stringMatching(/^2024-06-15T02:00/) }),
    ]);

    emulator.child.kill('SIGINT');
    expect(await emulator.exited).toBe(0);
  } finally {
    emulator.kill();
  }
}, 60_000);
