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
  /** Epoch ms. */
  updatedAt: number;
  /**
   * Epoch ms of the last timer sync that completed this authorizer's months (nothing deferred);
   * undefined when none has. The sync walks the least recently synced first, and skips those synced on
   * the same China-time day.
   */
  syncedAt?: number;
}

/** Where the platform keeps its ticket and its authorizers. */
export interface ComponentState {
  /** The newest `component_verify_ticket` and when WeChat created it (epoch ms). */
  readTicket(componentAppid: string): Promise<{ ticket: string; createdAt: number } | undefined>;
  /** Keeps `ticket` unless a newer one is stored. */
  writeTicket(componentAppid: string, ticket: string, createdAt: number): Promise<void>;
  readAuthorizer(authorizerAppid: string): Promise<AuthorizerRecord | undefined>;
  writeAuthorizer(record: AuthorizerRecord): Promise<void>;
  /** Every authorizer, in a stable order (by AppID). */
  listAuthorizers(): Promise<AuthorizerRecord[]>;
  /**
   * Records that a timer sync completed `authorizerAppid`'s months at `syncedAt` (epoch ms), without
   * touching the rest of its document (a push may be changing it). No-op for an unknown authorizer.
   */
  markSynced(authorizerAppid: string, syncedAt: number): Promise<void>;
}
