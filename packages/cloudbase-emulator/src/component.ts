import { randomBytes, randomInt } from 'crypto';
import { encryptMessage, signMessage, signRequest } from './message-crypto';
import { weChatError, type OpenApiOutcome } from './open-api';
import { TOKEN_LIFETIME_SECONDS, TOKEN_OVERLAP_SECONDS, withRid, type TokenRequest } from './tokens';

/** The emulator's default third-party platform (component) AppID. */
export const EMULATOR_COMPONENT_APPID = 'wx0c0000000000c0de';
/** Its default AppSecret (`component_appsecret`). */
export const EMULATOR_COMPONENT_APPSECRET = 'emulator-component-secret-0123456789abcdef';
/** Its default message-check token (消息校验 Token). */
export const EMULATOR_COMPONENT_TOKEN = 'emulatorcomponenttoken';
/** Its default 43-character EncodingAESKey (消息加解密 Key). */
export const EMULATOR_COMPONENT_AES_KEY = 'EmulatorComponentAesKey0123456789abcdefghij';
/** Default path of the platform's authorization-event URL in the pushes. */
export const EMULATOR_COMPONENT_EVENT_PATH = '/wechat/component-events';
/** An AppID for an emulated authorizer (a Mini Program that authorised the platform). */
export const EMULATOR_AUTHORIZER_APPID = 'wxa000000000000001';

/** A component_verify_ticket is valid this long after its push (12 h). */
export const TICKET_LIFETIME_SECONDS = 12 * 60 * 60;
/** WeChat pushes a new ticket this often (10 min); the emulator pushes only when a test asks. */
export const TICKET_PUSH_INTERVAL_SECONDS = 600;
/** An authorization code from an `authorized`/`updateauthorized` push is valid this long. */
export const AUTHORIZATION_CODE_LIFETIME_SECONDS = 600;
/** The permission set the datacube calls need (开发管理与数据分析权限). */
export const DATACUBE_FUNCSCOPE = 18;
/** `api_get_authorizer_list` returns at most this many per call. */
export const AUTHORIZER_LIST_MAX_COUNT = 500;

export const COMPONENT_TOKEN_API = 'cgi-bin/component/api_component_token';
export const QUERY_AUTH_API = 'cgi-bin/component/api_query_auth';
export const AUTHORIZER_TOKEN_API = 'cgi-bin/component/api_authorizer_token';
export const AUTHORIZER_LIST_API = 'cgi-bin/component/api_get_authorizer_list';
export const START_PUSH_TICKET_API = 'cgi-bin/component/api_start_push_ticket';
/** The third-party platform's endpoints (apiNames). `'*'` faults and latencies skip them: name them. */
export const COMPONENT_APIS: readonly string[] = [COMPONENT_TOKEN_API, QUERY_AUTH_API, AUTHORIZER_TOKEN_API, AUTHORIZER_LIST_API, START_PUSH_TICKET_API];
/** Paths of the third-party platform's endpoints → apiName. */
export const COMPONENT_API_PATHS: ReadonlyMap<string, string> = new Map(COMPONENT_APIS.map((api) => [`/${api}`, api]));

const SECOND_MS = 1000;
const DAY_MS = 24 * 60 * 60 * SECOND_MS;
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * SECOND_MS;

/** The third-party platform the emulator plays WeChat for. */
export interface ComponentConfig {
  componentAppid: string;
  componentAppsecret: string;
  /** The message-check token of the pushes' signatures. */
  token: string;
  /** The 43-character key the pushes are encrypted with. */
  encodingAesKey: string;
  /** Path of the authorization-event URL the pushes go to; default {@link EMULATOR_COMPONENT_EVENT_PATH}. */
  eventPath?: string;
}

/** A request as a CloudBase HTTP access service (HTTP 访问服务) hands it to a cloud function. */
export interface HttpAccessEvent {
  path: string;
  httpMethod: 'POST';
  headers: Record<string, string>;
  queryStringParameters: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/** A push to the authorization-event URL and what it carries. */
export interface ComponentPush {
  /** The request WeChat sends: encrypted XML body, signatures in the query string. */
  push: HttpAccessEvent;
  /** The decrypted XML inside `Encrypt` (what the platform sees after decryption). */
  message: string;
}

/** The `authorized`/`updateauthorized` push and the code it carries. */
export interface AuthorizationGrant extends ComponentPush {
  authorizationCode: string;
}

/** The test helpers of the emulated third-party platform (`emulator.component`). */
export interface EmulatorComponent {
  readonly componentAppid: string;
  readonly eventPath: string;
  /** A new component_verify_ticket (valid 12 h on the emulator's clock) and its encrypted push. */
  issueTicket(): ComponentPush & { ticket: string };
  /**
   * `authorizerAppid` authorises the platform with permission sets `funcs` (default `[18]`): a new
   * refresh token (a previous one is invalid: 61023) and the `authorized` push with a single-use code
   * valid {@link AUTHORIZATION_CODE_LIFETIME_SECONDS} s.
   */
  authorize(authorizerAppid: string, options?: { funcs?: readonly number[] }): AuthorizationGrant;
  /** The authorizer changes its permission sets: the `updateauthorized` push with a new code; the refresh token stays. */
  updateAuthorization(authorizerAppid: string, options: { funcs: readonly number[] }): AuthorizationGrant;
  /** The authorizer revokes: the `unauthorized` push; its tokens and refresh token answer 61003 from now on. */
  revoke(authorizerAppid: string): ComponentPush;
  /** While on, every `api_authorizer_token` call returns a new refresh token and the previous one answers 61023. */
  rotateRefreshTokens(on: boolean): void;
  /** The authorizer's current refresh token, undefined unless authorised. */
  refreshToken(authorizerAppid: string): string | undefined;
  /** The newest valid component_access_token. */
  currentComponentToken(): string | undefined;
  /** The newest valid authorizer_access_token of `authorizerAppid`. */
  currentAuthorizerToken(authorizerAppid: string): string | undefined;
  /** Makes a component or authorizer token invalid now (40001). False for an unknown or already invalid token. */
  invalidate(token: string): boolean;
  /** `appid`'s datacube calls answer 45009 after `callsPerDay` calls in a China day; `null` removes the limit. */
  setQuota(appid: string, callsPerDay: number | null): void;
  /** While set, the platform's endpoints answer 61004 naming this caller IP; `null` accepts every IP again. */
  rejectIp(ip: string | null): void;
  /** Number of accepted `api_start_push_ticket` calls. */
  readonly pushTicketRequests: number;
  /** Forgets tickets, tokens, codes, authorizations, quotas, switches. */
  reset(): void;
}

interface IssuedToken {
  readonly value: string;
  readonly expiresAt: number;
  invalidFrom?: number;
}

interface AuthorizerToken extends IssuedToken {
  readonly appid: string;
  /** The authorization it was minted under. */
  readonly epoch: number;
}

interface Authorization {
  readonly appid: string;
  funcs: number[];
  refreshToken: string;
  authTime: number;
  revoked: boolean;
  /** Increases with each authorization of this appid. */
  epoch: number;
}

interface AuthorizationCode {
  readonly appid: string;
  readonly epoch: number;
  readonly expiresAt: number;
}

/** What the datacube needs to know of an authorizer token. */
export type AuthorizerTokenCheck = { appid: string; error?: OpenApiOutcome };

/** A component endpoint's answer and the appid to record with the call. */
export interface ComponentAnswer {
  outcome: OpenApiOutcome;
  appid?: string;
}

const error = (errcode: number, errmsg: string): OpenApiOutcome => weChatError(errcode, withRid(errmsg));
const ok = (reply: unknown): OpenApiOutcome => ({ kind: 'wechat', errcode: 0, jsonText: JSON.stringify(reply) });
const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const secret = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

function xmlField(name: string, value: string | number): string {
  return typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`;
}

/**
 * WeChat's side of a third-party platform (服务商): pushes to the authorization-event URL, the
 * `/cgi-bin/component/*` endpoints, and the authorizer tokens the datacube accepts. Never records a
 * token or a secret.
 */
export class ComponentAuthority implements EmulatorComponent {
  readonly componentAppid: string;
  readonly eventPath: string;
  private readonly tickets = new Map<string, number>();
  private readonly componentTokens = new Map<string, IssuedToken>();
  private readonly authorizerTokens = new Map<string, AuthorizerToken>();
  private readonly authorizations = new Map<string, Authorization>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly quotas = new Map<string, number>();
  private readonly usage = new Map<string, { day: number; count: number }>();
  private rotating = false;
  private rejectedIp: string | null = null;
  private minted = 0;
  private startPushes = 0;

  constructor(
    private readonly config: ComponentConfig,
    private readonly now: () => Date,
  ) {
    this.componentAppid = config.componentAppid;
    this.eventPath = config.eventPath ?? EMULATOR_COMPONENT_EVENT_PATH;
  }

  get pushTicketRequests(): number {
    return this.startPushes;
  }

  issueTicket(): ComponentPush & { ticket: string } {
    const at = this.clock();
    const ticket = secret('ticket@@@');
    this.tickets.set(ticket, at);
    return { ticket, ...this.push(at, 'component_verify_ticket', [['ComponentVerifyTicket', ticket]]) };
  }

  authorize(authorizerAppid: string, options: { funcs?: readonly number[] } = {}): AuthorizationGrant {
    const at = this.clock();
    const previous = this.authorizations.get(authorizerAppid);
    const authorization: Authorization = {
      appid: authorizerAppid,
      funcs: [...(options.funcs ?? [DATACUBE_FUNCSCOPE])],
      refreshToken: secret('refreshtoken@@@'),
      authTime: at,
      revoked: false,
      epoch: (previous?.epoch ?? 0) + 1,
    };
    this.authorizations.set(authorizerAppid, authorization);
    return this.grant(at, 'authorized', authorization);
  }

  updateAuthorization(authorizerAppid: string, options: { funcs: readonly number[] }): AuthorizationGrant {
    const authorization = this.active(authorizerAppid);
    authorization.funcs = [...options.funcs];
    return this.grant(this.clock(), 'updateauthorized', authorization);
  }

  revoke(authorizerAppid: string): ComponentPush {
    const authorization = this.active(authorizerAppid);
    authorization.revoked = true;
    return this.push(this.clock(), 'unauthorized', [['AuthorizerAppid', authorizerAppid]]);
  }

  rotateRefreshTokens(on: boolean): void {
    this.rotating = on;
  }

  refreshToken(authorizerAppid: string): string | undefined {
    const authorization = this.authorizations.get(authorizerAppid);
    return authorization && !authorization.revoked ? authorization.refreshToken : undefined;
  }

  currentComponentToken(): string | undefined {
    return this.newest(this.componentTokens.values(), this.clock())?.value;
  }

  currentAuthorizerToken(authorizerAppid: string): string | undefined {
    const at = this.clock();
    const epoch = this.authorizations.get(authorizerAppid)?.epoch;
    return this.newest([...this.authorizerTokens.values()].filter((token) => token.appid === authorizerAppid && token.epoch === epoch), at)?.value;
  }

  invalidate(token: string): boolean {
    const at = this.clock();
    const issued = this.componentTokens.get(token) ?? this.authorizerTokens.get(token);
    if (!issued || !isValid(issued, at)) return false;
    issued.invalidFrom = at;
    return true;
  }

  setQuota(appid: string, callsPerDay: number | null): void {
    if (callsPerDay === null) {
      this.quotas.delete(appid);
      return;
    }
    if (!Number.isInteger(callsPerDay) || callsPerDay < 0) throw new RangeError(`callsPerDay must be a non-negative integer, got ${callsPerDay}`);
    this.quotas.set(appid, callsPerDay);
  }

  rejectIp(ip: string | null): void {
    this.rejectedIp = ip;
  }

  reset(): void {
    for (const map of [this.tickets, this.componentTokens, this.authorizerTokens, this.authorizations, this.codes, this.quotas, this.usage]) map.clear();
    this.rotating = false;
    this.rejectedIp = null;
    this.startPushes = 0;
  }

  /**
   * The datacube's check of an `access_token` that is an authorizer token: undefined when it is not one;
   * else its appid and, when refused, 61003 (authorization revoked), 42001 (expired), 40001 (superseded,
   * invalidated, or from an earlier authorization) or 61007 (permission set 18 not granted).
   */
  checkAuthorizerToken(token: string | null): AuthorizerTokenCheck | undefined {
    const issued = token === null ? undefined : this.authorizerTokens.get(token);
    if (!issued) return undefined;
    const { appid } = issued;
    const at = this.clock();
    const authorization = this.authorizations.get(appid);
    if (!authorization || authorization.revoked) return { appid, error: error(61003, 'component is not authorized by this account') };
    const stale = this.staleTokenError(issued, at) ?? (issued.epoch !== authorization.epoch ? error(40001, 'invalid credential, access_token is invalid or not latest') : undefined);
    if (stale) return { appid, error: stale };
    if (!authorization.funcs.includes(DATACUBE_FUNCSCOPE)) return { appid, error: error(61007, 'api is unauthorized to component') };
    return { appid };
  }

  /** Counts a datacube call of `appid` against its daily quota (China day): 45009 once used up. */
  takeQuota(appid: string | undefined): OpenApiOutcome | undefined {
    const limit = appid === undefined ? undefined : this.quotas.get(appid);
    if (appid === undefined || limit === undefined) return undefined;
    const day = Math.floor((this.clock() + CHINA_UTC_OFFSET_MS) / DAY_MS);
    const used = this.usage.get(appid);
    const count = used && used.day === day ? used.count : 0;
    if (count >= limit) return error(45009, 'reach max api daily quota limit');
    this.usage.set(appid, { day, count: count + 1 });
    return undefined;
  }

  /** WeChat's answer to a request of a `/cgi-bin/component/*` endpoint (after any injected fault). */
  answer(request: TokenRequest, query: URLSearchParams): ComponentAnswer {
    if (request.error) return { outcome: request.error };
    const { params } = request;
    const at = this.clock();
    if (this.rejectedIp !== null) return { outcome: error(61004, `access clientip is not registered requestIP: ${this.rejectedIp}`) };
    switch (request.apiName) {
      case COMPONENT_TOKEN_API:
        return { appid: this.componentAppid, outcome: this.componentToken(params, at) };
      case START_PUSH_TICKET_API:
        return { appid: this.componentAppid, outcome: this.startPushTicket(params) };
      default:
        break;
    }
    const tokenError = this.checkComponentToken(query.get('component_access_token') ?? query.get('access_token'), at) ?? this.checkAppid(params.component_appid);
    if (tokenError) return { outcome: tokenError };
    switch (request.apiName) {
      case QUERY_AUTH_API:
        return this.queryAuth(params, at);
      case AUTHORIZER_TOKEN_API:
        return this.authorizerToken(params, at);
      default:
        return { outcome: this.authorizerList(params) };
    }
  }

  private componentToken(params: Record<string, unknown>, at: number): OpenApiOutcome {
    const credentials = this.checkAppid(params.component_appid) ?? this.checkSecret(params.component_appsecret);
    if (credentials) return credentials;
    const ticket = params.component_verify_ticket;
    const issuedAt = isString(ticket) ? this.tickets.get(ticket) : undefined;
    if (issuedAt === undefined) return error(61006, 'component ticket is invalid');
    if (at >= issuedAt + TICKET_LIFETIME_SECONDS * SECOND_MS) return error(61005, 'component ticket is expired');
    const graceEnd = at + TOKEN_OVERLAP_SECONDS * SECOND_MS;
    supersede(this.componentTokens.values(), graceEnd);
    const token: IssuedToken = { value: this.mintValue(), expiresAt: at + TOKEN_LIFETIME_SECONDS * SECOND_MS };
    this.componentTokens.set(token.value, token);
    return ok({ component_access_token: token.value, expires_in: TOKEN_LIFETIME_SECONDS });
  }

  private startPushTicket(params: Record<string, unknown>): OpenApiOutcome {
    const credentials = this.checkAppid(params.component_appid) ?? this.checkSecret(params.component_secret);
    if (credentials) return credentials;
    this.startPushes += 1;
    return ok({ errcode: 0, errmsg: 'ok' });
  }

  private queryAuth(params: Record<string, unknown>, at: number): ComponentAnswer {
    const code = isString(params.authorization_code) ? this.codes.get(params.authorization_code) : undefined;
    if (!code) return { outcome: error(61009, 'code is invalid') };
    const { appid } = code;
    if (at >= code.expiresAt) return { appid, outcome: error(61010, 'code is expired') };
    const authorization = this.authorizations.get(appid);
    if (!authorization || authorization.revoked || authorization.epoch !== code.epoch) return { appid, outcome: error(61009, 'code is invalid') };
    this.codes.delete(params.authorization_code as string);
    const token = this.mintAuthorizerToken(authorization, at);
    return {
      appid,
      outcome: ok({
        authorization_info: {
          authorizer_appid: appid,
          authorizer_access_token: token.value,
          expires_in: TOKEN_LIFETIME_SECONDS,
          authorizer_refresh_token: authorization.refreshToken,
          func_info: authorization.funcs.map((id) => ({ funcscope_category: { id } })),
        },
      }),
    };
  }

  private authorizerToken(params: Record<string, unknown>, at: number): ComponentAnswer {
    const appid = isString(params.authorizer_appid) ? params.authorizer_appid : undefined;
    const authorization = appid === undefined ? undefined : this.authorizations.get(appid);
    if (!authorization || authorization.revoked) {
      return { ...(appid ? { appid } : {}), outcome: error(61003, 'component is not authorized by this account') };
    }
    if (params.authorizer_refresh_token !== authorization.refreshToken) return { appid: authorization.appid, outcome: error(61023, 'refresh_token is invalid') };
    if (this.rotating) authorization.refreshToken = secret('refreshtoken@@@');
    const token = this.mintAuthorizerToken(authorization, at);
    return {
      appid: authorization.appid,
      outcome: ok({ authorizer_access_token: token.value, expires_in: TOKEN_LIFETIME_SECONDS, authorizer_refresh_token: authorization.refreshToken }),
    };
  }

  private authorizerList(params: Record<string, unknown>): OpenApiOutcome {
    const { offset, count } = params;
    if (!Number.isInteger(offset) || !Number.isInteger(count) || (offset as number) < 0 || (count as number) < 0) return error(47001, 'data format error');
    const active = [...this.authorizations.values()].filter((authorization) => !authorization.revoked).sort((a, b) => a.authTime - b.authTime);
    const page = active.slice(offset as number, (offset as number) + Math.min(count as number, AUTHORIZER_LIST_MAX_COUNT));
    return ok({
      total_count: active.length,
      list: page.map((authorization) => ({
        authorizer_appid: authorization.appid,
        refresh_token: authorization.refreshToken,
        auth_time: Math.floor(authorization.authTime / SECOND_MS),
      })),
    });
  }

  private checkAppid(appid: unknown): OpenApiOutcome | undefined {
    if (!isString(appid)) return error(41002, 'appid missing');
    if (appid !== this.componentAppid) return error(40013, `invalid appid hint: [${appid.slice(0, 32)}]`);
    return undefined;
  }

  private checkSecret(value: unknown): OpenApiOutcome | undefined {
    if (!isString(value)) return error(41004, 'appsecret missing');
    if (value !== this.config.componentAppsecret) return error(40125, 'invalid appsecret');
    return undefined;
  }

  private checkComponentToken(token: string | null, at: number): OpenApiOutcome | undefined {
    if (!isString(token)) return error(41001, 'access_token missing');
    const issued = this.componentTokens.get(token);
    if (!issued) return error(40001, 'invalid credential, access_token is invalid or not latest');
    return this.staleTokenError(issued, at);
  }

  private staleTokenError(issued: IssuedToken, at: number): OpenApiOutcome | undefined {
    if (isValid(issued, at)) return undefined;
    if (at >= issued.expiresAt && (issued.invalidFrom === undefined || issued.invalidFrom >= issued.expiresAt)) return error(42001, 'access_token expired');
    return error(40001, 'invalid credential, access_token is invalid or not latest');
  }

  private mintAuthorizerToken(authorization: Authorization, at: number): AuthorizerToken {
    supersede(
      [...this.authorizerTokens.values()].filter((token) => token.appid === authorization.appid),
      at + TOKEN_OVERLAP_SECONDS * SECOND_MS,
    );
    const token: AuthorizerToken = {
      value: this.mintValue(),
      appid: authorization.appid,
      epoch: authorization.epoch,
      expiresAt: at + TOKEN_LIFETIME_SECONDS * SECOND_MS,
    };
    this.authorizerTokens.set(token.value, token);
    return token;
  }

  private mintValue(): string {
    this.minted += 1;
    return `${this.minted}_${randomBytes(60).toString('base64url')}`;
  }

  private active(authorizerAppid: string): Authorization {
    const authorization = this.authorizations.get(authorizerAppid);
    if (!authorization || authorization.revoked) throw new RangeError(`${authorizerAppid} has not authorised the platform`);
    return authorization;
  }

  private grant(at: number, infoType: 'authorized' | 'updateauthorized', authorization: Authorization): AuthorizationGrant {
    const authorizationCode = secret('queryauthcode@@@');
    const expiresAt = at + AUTHORIZATION_CODE_LIFETIME_SECONDS * SECOND_MS;
    this.codes.set(authorizationCode, { appid: authorization.appid, epoch: authorization.epoch, expiresAt });
    const pushed = this.push(at, infoType, [
      ['AuthorizerAppid', authorization.appid],
      ['AuthorizationCode', authorizationCode],
      ['AuthorizationCodeExpiredTime', Math.floor(expiresAt / SECOND_MS)],
      ['PreAuthCode', secret('preauthcode@@@')],
    ]);
    return { authorizationCode, ...pushed };
  }

  /** The encrypted push of an event, as the HTTP access service hands it to the platform's function. */
  private push(at: number, infoType: string, fields: ReadonlyArray<readonly [string, string | number]>): ComponentPush {
    const createTime = Math.floor(at / SECOND_MS);
    const message = `<xml>${[xmlField('AppId', this.componentAppid), xmlField('CreateTime', createTime), xmlField('InfoType', infoType), ...fields.map(([name, value]) => xmlField(name, value))].join('')}</xml>`;
    const encrypt = encryptMessage(message, this.config.encodingAesKey, this.componentAppid);
    const timestamp = String(createTime);
    const nonce = String(randomInt(100_000_000, 2_000_000_000));
    const body = `<xml>\n    <AppId><![CDATA[${this.componentAppid}]]></AppId>\n    <Encrypt><![CDATA[${encrypt}]]></Encrypt>\n</xml>`;
    return {
      message,
      push: {
        path: this.eventPath,
        httpMethod: 'POST',
        headers: { 'content-type': 'text/xml', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Mozilla/4.0' },
        queryStringParameters: {
          signature: signRequest(this.config.token, timestamp, nonce),
          timestamp,
          nonce,
          encrypt_type: 'aes',
          msg_signature: signMessage(this.config.token, timestamp, nonce, encrypt),
        },
        body,
        isBase64Encoded: false,
      },
    };
  }

  private newest<T extends IssuedToken>(tokens: Iterable<T>, at: number): T | undefined {
    let newest: T | undefined;
    for (const token of tokens) if (isValid(token, at)) newest = token;
    return newest;
  }

  private clock(): number {
    return this.now().getTime();
  }
}

function isValid(token: IssuedToken, at: number): boolean {
  return at < token.expiresAt && (token.invalidFrom === undefined || at < token.invalidFrom);
}

/** Each call mints a new token; the previous ones work until `graceEnd` (5 min), like `/cgi-bin/token`. */
function supersede(tokens: Iterable<IssuedToken>, graceEnd: number): void {
  for (const token of tokens) if (token.invalidFrom === undefined || token.invalidFrom > graceEnd) token.invalidFrom = graceEnd;
}
