import { parseFaultSpec, resolveFaultApi, startEmulator } from '../src';

describe('parseFaultSpec', () => {
  it.each([
    ['getMonthlyRetain=45009', { apiName: 'analysis.getMonthlyRetain', errcode: 45009, times: 1 }],
    ['analysis.getMonthlyVisitTrend=61503:2', { apiName: 'analysis.getMonthlyVisitTrend', errcode: 61503, times: 2 }],
    ['*=-1:3', { apiName: '*', errcode: -1, times: 3 }],
    ['getMonthlyRetain=-604101', { apiName: 'analysis.getMonthlyRetain', errcode: -604101, times: 1 }],
  ])('reads %s', (text, fault) => {
    expect(parseFaultSpec(text)).toEqual(fault);
  });

  it.each([['getMonthlyRetain'], ['getMonthlyRetain=abc'], ['getMonthlyRetain=0'], ['getMonthlyRetain=45009:0'], ['getMonthlyRetian=45009']])(
    'refuses %s',
    (text) => {
      expect(() => parseFaultSpec(text)).toThrow(RangeError);
    },
  );

  it('names the emulated APIs by their method alone', () => {
    expect(resolveFaultApi('getMonthlyVisitTrend')).toBe('analysis.getMonthlyVisitTrend');
  });
});

describe('control endpoints', () => {
  it('answer only when the emulator is started with control', async () => {
    const plain = await startEmulator({ port: 0 });
    const controlled = await startEmulator({ port: 0, control: true });
    try {
      const plainReply = await fetch(`${plain.url}/control/calls`);
      expect(await plainReply.json()).toMatchObject({ code: 'INVALID_PARAM' });
      const reply = await fetch(`${controlled.url}/control/calls`);
      expect(reply.status).toBe(200);
      expect(await reply.json()).toEqual({ calls: [] });
    } finally {
      await plain.close();
      await controlled.close();
    }
  });
});

describe('fault names in the programmatic API', () => {
  test('short names resolve as on the command line; unknown names are refused', async () => {
    const { startEmulator } = await import('../src');
    const emulator = await startEmulator();
    try {
      emulator.faults.failNext('getMonthlyRetain', 45009);
      expect(() => emulator.faults.failNext('nope', 45009)).toThrow(/unknown API "nope"/);
      expect(() => emulator.faults.latency(10, 'analysis.nope')).toThrow(/unknown API/);
      expect(() => emulator.countCalls({ apiName: 'nope' })).toThrow(/unknown API/);
      expect(emulator.countCalls({ apiName: 'getMonthlyRetain' })).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});
