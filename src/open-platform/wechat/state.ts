/** What is kept of a Mini Program that authorised the platform (one document per authorizer). */
export interface AuthorizerRecord {
  authorizerAppid: string;
  /** The newest `authorizer_refresh_token`; never logged, never replied. */
  refreshToken: string;
  /** Permission set ids granted (18 is data analysis). */
  funcs: number[];
  status: 'authorized' | 'needs_reauth' | 'revoked';
  /** The WeChat code that made it `needs_reauth`, if any. */
  problem: number | null;
  /** When the document was last written, by the function's clock: epoch ms. */
  updatedAt: number;
  /**
   * Epoch ms of the last timer sync that completed this authorizer's months (nothing deferred);
   * undefined when none has. The sync walks the least recently synced first, and skips those synced on
   * the same China-time day.
   */
  syncedAt?: number;
  /**
   * Epoch ms after which the authorizer is due again on the same day: set when the sync that stamped it
   * fetched a month WeChat may still publish (a reply without figures, retention without key 1, within
   * their window). Undefined otherwise.
   */
  recheckAt?: number;
  /**
   * `CreateTime` of the newest push the record reflects (the `authorized`, `updateauthorized` or
   * `unauthorized` that set its status): Unix time in seconds, by WeChat's clock, unlike `updatedAt`.
   * Absent from documents written before pushes were ordered: they count as older than any push.
   */
  eventCreateTime?: number;
}

/**
 * Whether a push created at `pushed` is older than the stored state, which reflects a push created at
 * `stored` (both in the same unit: seconds for an authorizer's `eventCreateTime`, ms for the ticket's
 * `createdAt`). WeChat retries a push it got no `success` for, so pushes arrive late and out of order:
 * the stored state follows the pushes' own order, not their arrival. An older push changes nothing.
 * A push of the same `CreateTime` is not older: it is applied, as the later arrival (WeChat's
 * `CreateTime` has one-second resolution, so two different pushes can share it); the same push
 * delivered again writes the same state, or, for an authorization, finds its code used (61009).
 * No stored time (nothing stored, or a document written before pushes were ordered) is oldest.
 */
export function isOlderPush(pushed: number, stored: number | undefined): boolean {
  return stored !== undefined && pushed < stored;
}

/** What a write ordered by {@link isOlderPush} did: `stored`, or `older` (the push was older: nothing changed). */
export type OrderedWrite = 'stored' | 'older';

/** Where the platform keeps its ticket and its authorizers. */
export interface ComponentState {
  /** The newest `component_verify_ticket` and when WeChat created it: its push's `CreateTime`, in epoch ms. */
  readTicket(componentAppid: string): Promise<{ ticket: string; createdAt: number } | undefined>;
  /**
   * Stores `ticket`, pushed with `CreateTime` `createdAt` (epoch **ms**: `CreateTime` × 1000), unless its
   * push is older than the stored ticket's ({@link isOlderPush}); atomic against a concurrent write.
   */
  writeTicket(componentAppid: string, ticket: string, createdAt: number): Promise<OrderedWrite>;
  readAuthorizer(authorizerAppid: string): Promise<AuthorizerRecord | undefined>;
  /** The stored authorizers among `authorizerAppids` (at most 500), in one query; unknown ones are left out. */
  readAuthorizers(authorizerAppids: readonly string[]): Promise<AuthorizerRecord[]>;
  /**
   * Changes `fields` of the authorizer `record` was read from (a rotated refresh token, or
   * `needs_reauth`), only while the stored document still reflects the same push (its
   * `eventCreateTime`): a newer `authorized` or `unauthorized` stored in between is never overwritten by
   * what was learnt under the older one. Leaves the rest of the document (its sync stamp included) as it
   * is. False when nothing was changed.
   */
  updateAuthorizer(record: AuthorizerRecord, fields: Partial<Pick<AuthorizerRecord, 'refreshToken' | 'status' | 'problem' | 'updatedAt'>>): Promise<boolean>;
  /**
   * Like {@link ComponentState.updateAuthorizer}, but only while the stored document is still the very
   * version `record` was read as: the same `eventCreateTime` (or none), `updatedAt` and `status`. Any
   * write in between (a push, a rotated refresh token, a `needs_reauth`) makes it change nothing; the
   * sync stamp is not compared and is kept. Atomic (one conditional update). False when nothing changed.
   */
  updateAuthorizerIfUnchanged(
    record: AuthorizerRecord,
    fields: Partial<Pick<AuthorizerRecord, 'refreshToken' | 'status' | 'problem' | 'updatedAt' | 'eventCreateTime'>>,
  ): Promise<boolean>;
  /**
   * When the platform's authorizers were last reconciled with WeChat's list completely (epoch ms), from
   * the document `reconcile_<componentAppid>` of the token collection; undefined when never (no such
   * document, or one without a plain time). A database failure is raised, never read as "never".
   */
  readReconciledAt(componentAppid: string): Promise<number | undefined>;
  /** Records a complete reconciliation at `at` (epoch ms), creating the document (and the collection) when missing. */
  writeReconciledAt(componentAppid: string, at: number): Promise<void>;
  /**
   * Stores what an `authorized` / `updateauthorized` push created at `record.eventCreateTime` (seconds)
   * gave, creating the document if missing, unless the stored record reflects a push it is older than
   * ({@link isOlderPush}); atomic against a concurrent push for the same authorizer.
   */
  storeAuthorization(record: AuthorizerRecord & { eventCreateTime: number }): Promise<OrderedWrite>;
  /**
   * Marks a stored authorizer `revoked` by an `unauthorized` push created at `eventCreateTime` (Unix
   * seconds; `updatedAt` in epoch ms), keeping the rest of its record, unless the stored record reflects
   * a push it is older than ({@link isOlderPush}); atomic like {@link storeAuthorization}. `unknown` when
   * no such authorizer is stored (nothing is written).
   */
  revokeAuthorizer(authorizerAppid: string, eventCreateTime: number, updatedAt: number): Promise<OrderedWrite | 'unknown'>;
  /**
   * Every authorizer, in a stable order (by AppID). A document that is not a readable authorizer is left
   * out and its id given to `onUnreadable`.
   */
  listAuthorizers(onUnreadable?: (id: string) => void): Promise<AuthorizerRecord[]>;
  /**
   * Records that a timer sync completed `authorizerAppid`'s months at `syncedAt` (epoch ms), to be due
   * again at `recheckAt` (epoch ms) when given, without
   * touching the rest of its document (a push may be changing it). No-op for an unknown authorizer.
   */
  markSynced(authorizerAppid: string, syncedAt: number, recheckAt?: number): Promise<void>;
}
