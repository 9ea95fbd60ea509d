import { AnalyticsError } from '../../errors';

/** A token as stored and shared: the token, its hard expiry, the refresh lease and a remembered failure. */
export interface TokenRecord {
  token: string | null;
  /** Epoch ms at which WeChat stops accepting `token`. */
  expiresAt: number;
  leaseHolder: string | null;
  /** Epoch ms until which `leaseHolder` may refresh; others wait or use a valid token. */
  leaseUntil: number;
  /** A credential error of the token endpoint, remembered until `until` (epoch ms). */
  failure: { errcode: number; message: string; until: number } | null;
}

/** Where tokens are shared by every instance and function of the environment (one document per token). */
export interface TokenStore {
  /** The record of `id`, checked; `undefined` when missing or not a token record. */
  read(id: string): Promise<TokenRecord | undefined>;
  /**
   * Takes the refresh lease of `id` for `holder` until `until` (epoch ms) if it is free at `now` and the
   * stored token is still `seenToken` (compare-and-set; creates the record when missing). True when taken.
   */
  acquireLease(id: string, holder: string, until: number, now: number, seenToken: string | null): Promise<boolean>;
  /** Stores a new token, or a failure, and ends the lease, if `holder` still holds it. */
  complete(id: string, holder: string, update: { token: string; expiresAt: number } | { failure: NonNullable<TokenRecord['failure']> }): Promise<void>;
  /** Ends the lease without a change, if `holder` still holds it. */
  release(id: string, holder: string): Promise<void>;
}

/** Where fresh tokens come from (the token endpoint). */
export interface TokenSource {
  /**
   * A fresh token and its lifetime in seconds. Rejects with a `CONFIGURATION_ERROR` carrying `wxErrCode`
   * for credential errors (remembered), or any other error (not remembered).
   */
  fetch(signal?: AbortSignal): Promise<{ token: string; expiresInSeconds: number }>;
}

export interface TokenCacheOptions {
  /** Epoch ms. */
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** This instance, as a lease holder. */
  holder: string;
  /** How long a refresh lease lasts, ms (a crashed holder blocks others no longer). Default 2,000. */
  leaseMs?: number;
  /** A token is not used in its last `marginMs` (ms). Default 60,000. */
  marginMs?: number;
  /** How long a credential error is remembered, ms. Default 60,000. */
  failureMs?: number;
  /** How often a waiting instance reads the shared record, ms. Default 100. */
  pollMs?: number;
}

/**
 * A token cached in module memory in front of one shared record (see {@link TokenStore}):
 * - single flight: concurrent callers in one instance share one refresh;
 * - across instances, a short lease on the record: one instance refreshes, the others use the token
 *   it stores (or a still valid one) and never fetch another;
 * - {@link refreshAfter} refreshes only if the record still holds the token that failed, once;
 * - credential errors are remembered for a minute, in memory and in the record.
 */
export class SharedTokenCache {
  private memory: { token: string; expiresAt: number } | undefined;
  private failure: NonNullable<TokenRecord['failure']> | undefined;
  private pending: Promise<string> | undefined;
  private readonly leaseMs: number;
  private readonly marginMs: number;
  private readonly failureMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly id: string,
    private readonly store: TokenStore,
    private readonly source: TokenSource,
    private readonly options: TokenCacheOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 2000;
    this.marginMs = options.marginMs ?? 60_000;
    this.failureMs = options.failureMs ?? 60_000;
    this.pollMs = options.pollMs ?? 100;
  }

  /** A token valid for at least a minute more. */
  async get(signal?: AbortSignal): Promise<string> {
    const now = this.options.now();
    if (this.memory && now < this.memory.expiresAt - this.marginMs) return this.memory.token;
    if (this.failure && now < this.failure.until) throw credentialError(this.failure);
    return this.singleFlight(undefined, signal);
  }

  /** A token other than `failed` (which WeChat refused): the shared one if another instance refreshed, else a new one. */
  async refreshAfter(failed: string, signal?: AbortSignal): Promise<string> {
    if (this.memory?.token === failed) this.memory = undefined;
    return this.singleFlight(failed, signal);
  }

  private singleFlight(stale: string | undefined, signal?: AbortSignal): Promise<string> {
    this.pending ??= this.obtain(stale, signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private usable(record: TokenRecord | undefined, stale: string | undefined, now: number): record is TokenRecord & { token: string } {
    return !!record?.token && record.token !== stale && now < record.expiresAt - this.marginMs;
  }

  private async obtain(stale: string | undefined, signal?: AbortSignal): Promise<string> {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const now = this.options.now();
      let record: TokenRecord | undefined;
      try {
        record = await this.store.read(this.id);
      } catch {
        // Without the shared record, this instance still works: it fetches for itself.
        return this.refresh(signal);
      }
      if (record?.failure && now < record.failure.until) {
        this.failure = record.failure;
        throw credentialError(record.failure);
      }
      if (this.usable(record, stale, now)) {
        this.memory = { token: record.token, expiresAt: record.expiresAt };
        return record.token;
      }
      const taken = await this.store
        .acquireLease(this.id, this.options.holder, now + this.leaseMs, now, record?.token ?? null)
        .catch(() => true);
      if (taken) return this.refresh(signal);
      await this.options.sleep(this.pollMs, signal);
    }
  }

  private async refresh(signal?: AbortSignal): Promise<string> {
    let fetched: { token: string; expiresInSeconds: number };
    try {
      fetched = await this.source.fetch(signal);
    } catch (error) {
      if (error instanceof AnalyticsError && error.code === 'CONFIGURATION_ERROR' && error.wxErrCode !== undefined) {
        this.failure = { errcode: error.wxErrCode, message: error.message, until: this.options.now() + this.failureMs };
        await this.store.complete(this.id, this.options.holder, { failure: this.failure }).catch(() => undefined);
      } else {
        await this.store.release(this.id, this.options.holder).catch(() => undefined);
      }
      throw error;
    }
    const expiresAt = this.options.now() + fetched.expiresInSeconds * 1000;
    this.memory = { token: fetched.token, expiresAt };
    this.failure = undefined;
    await this.store.complete(this.id, this.options.holder, { token: fetched.token, expiresAt }).catch(() => undefined);
    return fetched.token;
  }
}

function credentialError(failure: NonNullable<TokenRecord['failure']>): AnalyticsError {
  return new AnalyticsError('CONFIGURATION_ERROR', failure.message, { wxErrCode: failure.errcode, recovery: 'never', scope: 'api' });
}
