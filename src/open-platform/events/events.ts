import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The XML of the third-party platform's authorization-event URL (Open Platform: 验证票据
 * component_verify_ticket, 授权变更通知推送):
 * - the envelope WeChat POSTs: `<xml><AppId>component appid</AppId><Encrypt>base64</Encrypt></xml>`
 *   (the Open Platform's message-and-event URL sends `<ToUserName>` instead of `<AppId>`: accepted, the
 *   appid inside `Encrypt` is what counts);
 * - the decrypted message: `<xml><AppId/><CreateTime/><InfoType/>…</xml>`, with per `InfoType`:
 *   `component_verify_ticket`: `ComponentVerifyTicket`; `authorized` / `updateauthorized`:
 *   `AuthorizerAppid`, `AuthorizationCode`, `AuthorizationCodeExpiredTime`, `PreAuthCode`;
 *   `unauthorized`: `AuthorizerAppid`. Other `InfoType`s exist (fast registration, …) and are passed on.
 *
 * Parsed with fast-xml-parser 4.5.7 (CommonJS, Node 16+): values kept as strings (no number guessing),
 * attributes ignored, no DOCTYPE (refused before parsing: no custom entities), the five XML entities
 * and character references only.
 */

/** A push's envelope. */
export interface Envelope {
  /** The outer `AppId`: the component appid; absent from envelopes that carry `ToUserName` instead. */
  appId?: string;
  /** The base64 ciphertext. */
  encrypt: string;
}

/** Fields every decrypted authorization-event message has. */
interface EventBase {
  /** The message's `AppId`: the component appid it was sent to. */
  componentAppid: string;
  /** `CreateTime`: when WeChat made the message, Unix time in seconds. */
  createTime: number;
}

/** A decrypted authorization-event message, by `InfoType`. */
export type ComponentEvent =
  | (EventBase & {
      kind: 'component_verify_ticket';
      /** `ComponentVerifyTicket`: a credential (valid 12 h). Never log it. */
      ticket: string;
    })
  | (EventBase & {
      kind: 'authorized' | 'updateauthorized';
      /** The Mini Program or Official Account that authorised the platform. */
      authorizerAppid: string;
      /** `AuthorizationCode`, exchanged with `api_query_auth`. A credential: never log it. */
      authorizationCode: string;
      /** `AuthorizationCodeExpiredTime`: seconds, as WeChat sends it (a Unix time in WeChat's examples). */
      authorizationCodeExpiredTime: number;
      /** `PreAuthCode`; null when the message has none. */
      preAuthCode: string | null;
    })
  | (EventBase & { kind: 'unauthorized'; authorizerAppid: string })
  | (EventBase & { kind: 'other'; infoType: string });

/** XML that could not be read: a short reason that names fields, never their values. */
export interface XmlFailure {
  ok: false;
  reason: string;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 16,
});

/** The fields under `<xml>`, or why there are none. */
function readRoot(xml: string): { ok: true; fields: Record<string, unknown> } | XmlFailure {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, reason: 'XML with a DOCTYPE is refused' };
  if (XMLValidator.validate(xml) !== true) return { ok: false, reason: 'not well-formed XML' };
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch {
    return { ok: false, reason: 'not well-formed XML' };
  }
  if (typeof document !== 'object' || document === null) return { ok: false, reason: 'not well-formed XML' };
  const roots = Object.keys(document);
  const root = (document as Record<string, unknown>).xml;
  if (roots.length !== 1 || typeof root !== 'object' || root === null || Array.isArray(root)) {
    return { ok: false, reason: 'the root element is not a single <xml>' };
  }
  return { ok: true, fields: root as Record<string, unknown> };
}

/** One text field: a string when present once with text; `undefined` when absent; a failure otherwise. */
function text(fields: Record<string, unknown>, name: string): string | undefined | XmlFailure {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return { ok: false, reason: `${name} is not a single text element` };
  return value;
}

function required(fields: Record<string, unknown>, name: string): string | XmlFailure {
  const value = text(fields, name);
  if (value === undefined || value === '') return { ok: false, reason: `${name} is missing` };
  return value;
}

function seconds(fields: Record<string, unknown>, name: string): number | XmlFailure {
  const value = required(fields, name);
  if (typeof value !== 'string') return value;
  if (!/^[0-9]{1,12}$/.test(value)) return { ok: false, reason: `${name} is not a whole number of seconds` };
  return Number(value);
}

const failed = (value: unknown): value is XmlFailure => typeof value === 'object' && value !== null;

/**
 * Reads a push's envelope: a single `<xml>` root with a non-empty `Encrypt` and, if present, a
 * non-empty `AppId`. Never throws.
 */
export function parseEnvelope(xml: string): ({ ok: true } & Envelope) | XmlFailure {
  const root = readRoot(xml);
  if (!root.ok) return root;
  const encrypt = required(root.fields, 'Encrypt');
  if (failed(encrypt)) return encrypt;
  const appId = text(root.fields, 'AppId');
  if (failed(appId)) return appId;
  if (appId === '') return { ok: false, reason: 'AppId is empty' };
  return appId === undefined ? { ok: true, encrypt } : { ok: true, appId, encrypt };
}

/**
 * Reads a decrypted authorization-event message into a {@link ComponentEvent}. Refuses (never throws)
 * XML that is not a single `<xml>` root, lacks `AppId`, `CreateTime` or `InfoType`, or lacks a field
 * its `InfoType` requires; an unknown `InfoType` is `other`.
 */
export function parseComponentEvent(xml: string): { ok: true; event: ComponentEvent } | XmlFailure {
  const root = readRoot(xml);
  if (!root.ok) return root;
  const { fields } = root;
  const componentAppid = required(fields, 'AppId');
  if (failed(componentAppid)) return componentAppid;
  const createTime = seconds(fields, 'CreateTime');
  if (failed(createTime)) return createTime;
  const infoType = required(fields, 'InfoType');
  if (failed(infoType)) return infoType;
  const base = { componentAppid, createTime };

  switch (infoType) {
    case 'component_verify_ticket': {
      const ticket = required(fields, 'ComponentVerifyTicket');
      if (failed(ticket)) return ticket;
      return { ok: true, event: { kind: infoType, ...base, ticket } };
    }
    case 'authorized':
    case 'updateauthorized': {
      const authorizerAppid = required(fields, 'AuthorizerAppid');
      if (failed(authorizerAppid)) return authorizerAppid;
      const authorizationCode = required(fields, 'AuthorizationCode');
      if (failed(authorizationCode)) return authorizationCode;
      const authorizationCodeExpiredTime = seconds(fields, 'AuthorizationCodeExpiredTime');
      if (failed(authorizationCodeExpiredTime)) return authorizationCodeExpiredTime;
      const preAuthCode = text(fields, 'PreAuthCode');
      if (failed(preAuthCode)) return preAuthCode;
      return {
        ok: true,
        event: { kind: infoType, ...base, authorizerAppid, authorizationCode, authorizationCodeExpiredTime, preAuthCode: preAuthCode || null },
      };
    }
    case 'unauthorized': {
      const authorizerAppid = required(fields, 'AuthorizerAppid');
      if (failed(authorizerAppid)) return authorizerAppid;
      return { ok: true, event: { kind: infoType, ...base, authorizerAppid } };
    }
    default:
      return { ok: true, event: { kind: 'other', ...base, infoType } };
  }
}
