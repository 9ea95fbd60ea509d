import type { DocumentStore } from '../../src/store/documents';
import { giveLeaseBack, takeLease } from '../../src/store/lease';

/**
 * The contract every {@link DocumentStore} adapter passes (memory, CloudBase through the real
 * wx-server-sdk and the emulator), and the lease policy over it: so the tests' fakes cannot drift from
 * the platform's adapter. `fresh()` gives an empty store (for CloudBase, a collection that does not exist yet).
 */
export function documentStoreContract(name: string, fresh: () => DocumentStore | Promise<DocumentStore>): void {
  const NOW = 1_718_416_800_000;
  const MAX = 961_000;

  describe(`${name}: the document store contract`, () => {
    test('a missing document (in a missing collection) reads as undefined; create, then exists', async () => {
      const store = await fresh();
      expect(await store.read('a')).toBeUndefined();
      expect(await store.create('a', { kind: 'x', n: 1 })).toBe('created');
      expect(await store.create('a', { kind: 'x', n: 2 })).toBe('exists');
      expect(await store.read('a')).toMatchObject({ _id: 'a', kind: 'x', n: 1 });
    });

    test('updateIf applies only where every field matches: a value, below a number, absent', async () => {
      const store = await fresh();
      expect(await store.updateIf('a', {}, { n: 1 })).toBe(false); // no such document
      await store.create('a', { holder: 'h', expiresAt: 100 });
      expect(await store.updateIf('a', { holder: 'other' }, { n: 1 })).toBe(false);
      expect(await store.updateIf('a', { expiresAt: { below: 100 } }, { n: 1 })).toBe(false);
      expect(await store.updateIf('a', { expiresAt: { below: 101 }, holder: 'h' }, { n: 1 })).toBe(true);
      expect(await store.updateIf('a', { missing: { absent: true } }, { n: 2 })).toBe(true);
      expect(await store.updateIf('a', { n: { absent: true } }, { n: 3 })).toBe(false);
      expect(await store.read('a')).toMatchObject({ holder: 'h', expiresAt: 100, n: 2 });
    });

    test('removeIf removes only where every field matches', async () => {
      const store = await fresh();
      expect(await store.removeIf('a', {})).toBe(false);
      await store.create('a', { holder: 'h' });
      expect(await store.removeIf('a', { holder: 'other' })).toBe(false);
      expect(await store.removeIf('a', { holder: 'h' })).toBe(true);
      expect(await store.read('a')).toBeUndefined();
    });
  });

  describe(`${name}: the lease policy over it`, () => {
    test('free: taken; held alive by another: not taken; by the same holder: taken again', async () => {
      const store = await fresh();
      expect(await takeLease(store, 'lease_sync', 'run-1', NOW + 60_000, NOW, MAX)).toBe(true);
      expect(await takeLease(store, 'lease_sync', 'run-2', NOW + 60_000, NOW + 1_000, MAX)).toBe(false);
      expect(await takeLease(store, 'lease_sync', 'run-1', NOW + 60_000, NOW + 1_000, MAX)).toBe(true);
    });

    test('expired: taken by the next holder; given back only by its holder', async () => {
      const store = await fresh();
      await takeLease(store, 'lease_sync', 'run-1', NOW + 60_000, NOW, MAX);
      expect(await takeLease(store, 'lease_sync', 'run-2', NOW + 120_000, NOW + 61_000, MAX)).toBe(true);
      await giveLeaseBack(store, 'lease_sync', 'run-1');
      expect(await store.read('lease_sync')).toMatchObject({ holder: 'run-2' });
      await giveLeaseBack(store, 'lease_sync', 'run-2');
      expect(await store.read('lease_sync')).toBeUndefined();
    });

    test("a token's refresh lease: taken only while the token is the one seen, created only when none was seen", async () => {
      const store = await fresh();
      const shape = (seenToken: string | null) => ({
        holderField: 'leaseHolder',
        expiryField: 'leaseUntil',
        match: { token: seenToken },
        create: seenToken === null ? { kind: 'token', token: null, expiresAt: 0 } : null,
        sameExpiry: true,
      });
      expect(await takeLease(store, 'tok', 'i-1', NOW + 2_000, NOW, 60_000, shape('seen'))).toBe(false); // none, and none may be created
      expect(await takeLease(store, 'tok', 'i-1', NOW + 2_000, NOW, 60_000, shape(null))).toBe(true);
      expect(await store.read('tok')).toMatchObject({ token: null, leaseHolder: 'i-1', leaseUntil: NOW + 2_000 });
      expect(await takeLease(store, 'tok', 'i-2', NOW + 4_000, NOW + 1_000, 60_000, shape(null))).toBe(false); // held, seen
      await store.updateIf('tok', {}, { token: 'T1', leaseHolder: null, leaseUntil: 0 });
      expect(await takeLease(store, 'tok', 'i-2', NOW + 4_000, NOW + 1_000, 60_000, shape(null))).toBe(false); // the token changed
      expect(await takeLease(store, 'tok', 'i-2', NOW + 4_000, NOW + 1_000, 60_000, shape('T1'))).toBe(true);
    });

    test.each([
      ['no expiry', { holder: 'ghost' }],
      ['an expiry beyond the longest time limit', { holder: 'ghost', expiresAt: NOW + 10 * MAX }],
      ['a string for an expiry', { holder: 'ghost', expiresAt: 'never' }],
    ])('a lease no run could have written (%s) is removed and taken', async (_what, document) => {
      const store = await fresh();
      await store.create('lease_sync', { kind: 'lease', ...document });
      expect(await takeLease(store, 'lease_sync', 'run-1', NOW + 60_000, NOW, MAX)).toBe(true);
      expect(await store.read('lease_sync')).toMatchObject({ holder: 'run-1', expiresAt: NOW + 60_000 });
    });
  });
}
