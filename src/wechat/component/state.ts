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
  /** Where the last sync run stopped (an authorizer AppID), for the next one to go on from. */
  readCursor(): Promise<string | undefined>;
  writeCursor(authorizerAppid: string): Promise<void>;
}
