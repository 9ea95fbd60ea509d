import { ErrorRule } from '../../wechat/error-rules';

const reauthorize = (what: string): ErrorRule => ({
  code: 'AUTHORIZATION_REQUIRED',
  recovery: 'never',
  scope: 'api',
  message: (site) =>
    `${what}: the Mini Program's admin must authorise the third-party platform again, with permission set 18 (data analysis), ` +
    `before ${site.api} can be read for it.`,
});

/**
 * The third-party transport's part of the one error table (source: the open platform's error codes):
 * what the authorising Mini Program must do, and the ticket that only WeChat's next push can fix.
 */
export const COMPONENT_RULES: Readonly<Record<number, ErrorRule>> = {
  61003: reauthorize('The Mini Program has not authorised this platform, or revoked it (61003)'),
  61007: reauthorize('The Mini Program has not granted permission set 18 to this platform (61007)'),
  61023: reauthorize('The authorizer refresh token is no longer valid (61023)'),
  61005: {
    code: 'UPSTREAM_ERROR',
    recovery: 'later',
    scope: 'api',
    message: () =>
      "The component_verify_ticket has expired (61005): WeChat pushes a new one every 10 minutes to componentEvents; try again after the next push. If it lasts, check the platform's authorization event URL.",
  },
  61006: {
    code: 'UPSTREAM_ERROR',
    recovery: 'later',
    scope: 'api',
    message: () =>
      "WeChat does not accept the stored component_verify_ticket (61006): try again after the next push (every 10 minutes). If it lasts, check the platform's authorization event URL.",
  },
};

/** Codes after which the authorizer is marked `needs_reauth` until it authorises again. */
export const REAUTHORIZE_CODES: ReadonlySet<number> = new Set([61003, 61007, 61023]);
