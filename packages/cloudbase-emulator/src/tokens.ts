import { randomBytes } from 'crypto';
import { weChatError, type OpenApiOutcome } from './open-api';

/** A Mini Program the emulator knows: its AppID and AppSecret. */
export interface EmulatorApp {
  appid: string;
  secret: string;
}

/** The AppID of the emulator's default Mini Program (the runner's default AppID too). */
export const EMULATOR_APPID = 'wx0000000000000000';
/** The AppSecret of the emulator's default Mini Program. */
export const EMULATOR_APP_SECRET = 'emulator-app-secret-0123456789abcdef';

/** apiName of `POST /cgi-bin/stable_token` in the call record and for faults. */
export const STABLE_TOKEN_API = 'cgi-bin/stable_token';
/** apiName of `GET /cgi-bin/token` in the call record and for faults. */
export const ACCESS_TOKEN_API = 'cgi-bin/token';
/** The token endpoints' apiNames. Faults and latencies for `'*'` do not apply to them: name them. */
export const TOKEN_APIS: readonly string[] = [STABLE_TOKEN_API, ACCESS_TOKEN_API];
/** Paths of the token endpoints → apiName. */
export const TOKEN_API_PATHS: ReadonlyMap<string, string> = new Map([
  ['/cgi-bin/stable_token', STABLE_TOKEN_API],
  ['/cgi-bin/token', ACCESS_TOKEN_API],
]);

/** Lifetime of a fresh token, seconds. */
export const TOKEN_LIFETIME_SECONDS = 7200;
/** In its last 300 s a stable token gets a successor; a superseded `/cgi-bin/token` token works 300 s more. */
export const TOKEN_OVERLAP_SECONDS = 300;
/** `force_refresh: true` at most this many times per day (China time) per AppID. */
export const FORCE_REFRESH_DAILY_LIMIT = 20;
/** … and at least this many seconds apart. */
export const FORCE_REFRESH_MIN_INTERVAL_SECONDS = 30;
/** errcode of a force refresh sooner than 30 s after the previous one (WeChat's minute-quota code). */
export const FORCE_REFRESH_TOO_FREQUENT_ERRCODE = 45011;

const SECOND_MS = 1000;
const DAY_MS = 24 * 60 * 60 * SECOND_MS;
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * SECOND_MS;

/** The kind of a token: from `/cgi-bin/stable_token` or from `/cgi-bin/token`. */
export type TokenKind = 'stable' | 'classic';

interface IssuedToken {
  readonly value: string;
  readonly appid: string;
  readonly kind: TokenKind;
  readonly expiresAt: number;
  /** From this instant the token is invalid (40001): superseded past its grace, or force-refreshed. */
  invalidFrom?: number;
}

interface ForceRefreshUsage {
  day: number;
  count: number;
  lastAt: number;
}

/** A token endpoint request: the parameters, or the error of a body WeChat cannot read. */
export type TokenRequest =
  | { apiName: string; params: Record<string, unknown>; error?: undefined }
  | { apiName: string; params?: undefined; error: OpenApiOutcome };

/** The test helpers of the emulator's token endpoints (`emulator.tokens`). Never logs tokens or secrets. */
export interface EmulatorTokens {
  /** The newest valid token of `appid` (default {@link EMULATOR_APPID}) of that kind (default `'stable'`); undefined when none. */
  current(appid?: string, kind?: TokenKind): string | undefined;
  /**
   * Makes `token` invalid now (40001 on use). For a stable token this is another service's force refresh:
   * every live stable token of its AppID is invalid and a new one is minted at once (see `current`), without
   * using the force-refresh quota. Returns false for an unknown or already invalid token.
   */
  invalidate(token: string): boolean;
  /** Number of tokens minted so far (both endpoints; `invalidate`'s successors included). */
  readonly issued: number;
  /** While set, both token endpoints answer 40164 naming this caller IP; `null` accepts every IP again. */
  rejectIp(ip: string | null): void;
  /** Forgets every token, force-refresh count and IP rejection. */
  reset(): void;
}

/** WeChat's ` rid: …` suffix: three groups of 8 hex digits. */
export function withRid(errmsg: string): string {
  const hex = randomBytes(12).toString('hex');
  return `${errmsg} rid: ${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16)}`;
}

function tokenError(errcode: number, errmsg: string): OpenApiOutcome {
  return weChatError(errcode, withRid(errmsg));
}

function mintValue(sequence: number): string {
  return `${sequence}_${randomBytes(60).toString('base64url')}`;
}

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * WeChat's token authority for the emulated Mini Programs: mints `/cgi-bin/stable_token` and
 * `/cgi-bin/token` tokens on the emulator's clock and decides whether an `access_token` is valid.
 */
export class TokenAuthority implements EmulatorTokens {
  private readonly secrets: ReadonlyMap<string, string>;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly forceRefreshes = new Map<string, ForceRefreshUsage>();
  private rejectedIp: string | null = null;
  private minted = 0;

  /**
   * @param apps - the Mini Programs whose credentials the token endpoints accept
   * @param now - the emulator's clock
   * @param staticToken - a token valid for ever (the emulator's fixed `accessToken` option), if any
   */
  constructor(
    apps: readonly EmulatorApp[],
    private readonly now: () => Date,
    private readonly staticToken?: string,
  ) {
    this.secrets = new Map(apps.map((app) => [app.appid, app.secret]));
  }

  get issued(): number {
    return this.minted;
  }

  current(appid: string = EMULATOR_APPID, kind: TokenKind = 'stable'): string | undefined {
    return this.newest(appid, kind, this.clock())?.value;
  }

  invalidate(token: string): boolean {
    const at = this.clock();
    const issued = this.tokens.get(token);
    if (!issued || !this.isValid(issued, at)) return false;
    if (issued.kind === 'stable') this.replaceStable(issued.appid, at);
    else issued.invalidFrom = at;
    return true;
  }

  rejectIp(ip: string | null): void {
    this.rejectedIp = ip;
  }

  reset(): void {
    this.tokens.clear();
    this.forceRefreshes.clear();
    this.rejectedIp = null;
    this.minted = 0;
  }

  /**
   * The datacube check of `access_token`: undefined when valid, else 41001 (missing), 42001 (past its
   * hard expiry) or 40001 (unknown, superseded past its grace, or force-refreshed).
   */
  verify(token: string | null): OpenApiOutcome | undefined {
    if (token === null || token === '') return tokenError(41001, 'access_token missing');
    if (this.staticToken !== undefined && token === this.staticToken) return undefined;
    const issued = this.tokens.get(token);
    const at = this.clock();
    if (issued && this.isValid(issued, at)) return undefined;
    if (issued && at >= issued.expiresAt && (issued.invalidFrom === undefined || issued.invalidFrom >= issued.expiresAt)) {
      return tokenError(42001, 'access_token expired');
    }
    return tokenError(40001, 'invalid credential, access_token is invalid or not latest');
  }

  /** The AppID a token belongs to, when the emulator minted it. */
  appidOf(token: string | null): string | undefined {
    return token === null ? undefined : this.tokens.get(token)?.appid;
  }

  /** WeChat's answer to a token endpoint request (after any injected fault). */
  answer(request: TokenRequest): OpenApiOutcome {
    if (request.error) return request.error;
    const { params } = request;
    const at = this.clock();
    const credentialError = this.checkCredentials(params);
    if (credentialError) return credentialError;
    const appid = params.appid as string;
    if (request.apiName === ACCESS_TOKEN_API) return this.grant(this.supersedeClassic(appid, at), at);
    if (params.force_refresh === true) return this.forceRefresh(appid, at);
    const newest = this.newest(appid, 'stable', at);
    if (newest && newest.expiresAt - at > TOKEN_OVERLAP_SECONDS * SECOND_MS) return this.grant(newest, at);
    // None yet, or the last 300 s of the newest one: its successor; the old one works until its expiry.
    return this.grant(this.mint(appid, 'stable', at), at);
  }

  private checkCredentials(params: Record<string, unknown>): OpenApiOutcome | undefined {
    if (params.grant_type !== 'client_credential') return tokenError(40002, 'invalid grant_type');
    if (params.appid === undefined || params.appid === '') return tokenError(41002, 'appid missing');
    if (params.secret === undefined || params.secret === '') return tokenError(41004, 'appsecret missing');
    const secret = nonEmptyString(params.appid) ? this.secrets.get(params.appid) : undefined;
    if (secret === undefined) return tokenError(40013, `invalid appid hint: [${nonEmptyString(params.appid) ? params.appid.slice(0, 32) : ''}]`);
    if (params.secret !== secret) return tokenError(40125, 'invalid appsecret');
    if (this.rejectedIp !== null) {
      const ip = this.rejectedIp;
      return tokenError(40164, `invalid ip ${ip} ipv6 ${ip.includes(':') ? ip : `::ffff:${ip}`}, not in whitelist`);
    }
    return undefined;
  }

  private forceRefresh(appid: string, at: number): OpenApiOutcome {
    const day = Math.floor((at + CHINA_UTC_OFFSET_MS) / DAY_MS);
    const usage = this.forceRefreshes.get(appid);
    const today = usage && usage.day === day ? usage.count : 0;
    if (today >= FORCE_REFRESH_DAILY_LIMIT) return tokenError(45009, 'reach max api daily quota limit');
    if (usage && at - usage.lastAt < FORCE_REFRESH_MIN_INTERVAL_SECONDS * SECOND_MS) {
      return tokenError(
        FORCE_REFRESH_TOO_FREQUENT_ERRCODE,
        `force_refresh too frequent: at most once per ${FORCE_REFRESH_MIN_INTERVAL_SECONDS} seconds`,
      );
    }
    this.forceRefreshes.set(appid, { day, count: today + 1, lastAt: at });
    return this.grant(this.replaceStable(appid, at), at);
  }

  /** A force refresh: every live stable token of `appid` is invalid from now on; a new one is minted. */
  private replaceStable(appid: string, at: number): IssuedToken {
    for (const token of this.tokens.values()) {
      if (token.appid === appid && token.kind === 'stable' && this.isValid(token, at)) token.invalidFrom = at;
    }
    return this.mint(appid, 'stable', at);
  }

  private supersedeClassic(appid: string, at: number): IssuedToken {
    const graceEnd = at + TOKEN_OVERLAP_SECONDS * SECOND_MS;
    for (const token of this.tokens.values()) {
      if (token.appid === appid && token.kind === 'classic' && (token.invalidFrom === undefined || token.invalidFrom > graceEnd)) {
        token.invalidFrom = graceEnd;
      }
    }
    return this.mint(appid, 'classic', at);
  }

  private grant(token: IssuedToken, at: number): OpenApiOutcome {
    const expiresIn = Math.floor((token.expiresAt - at) / SECOND_MS);
    return { kind: 'wechat', errcode: 0, jsonText: JSON.stringify({ access_token: token.value, expires_in: expiresIn }) };
  }

  private mint(appid: string, kind: TokenKind, at: number): IssuedToken {
    this.minted += 1;
    const token: IssuedToken = { value: mintValue(this.minted), appid, kind, expiresAt: at + TOKEN_LIFETIME_SECONDS * SECOND_MS };
    this.tokens.set(token.value, token);
    return token;
  }

  private newest(appid: string, kind: TokenKind, at: number): IssuedToken | undefined {
    let newest: IssuedToken | undefined;
    for (const token of this.tokens.values()) {
      if (token.appid === appid && token.kind === kind && this.isValid(token, at)) newest = token;
    }
    return newest;
  }

  private isValid(token: IssuedToken, at: number): boolean {
    return at < token.expiresAt && (token.invalidFrom === undefined || at < token.invalidFrom);
  }

  private clock(): number {
    return this.now().getTime();
  }
}
